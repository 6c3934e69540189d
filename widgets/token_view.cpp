#include "token_view.h"

#include <QEvent>
#include <QScrollBar>
#include <QTextBrowser>
#include <QTextCharFormat>
#include <QTextCursor>
#include <QTextDocument>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace headscope::widgets {

namespace {

const QString kAnchorScheme = QStringLiteral("tok");
const QChar kReturnSymbol(0x21B5);  // ↵ marks a newline token so that it has something to click

// Tokens from the first divergence on: a light red wash over the palette's base, a red wavy underline.
QColor differingTint() { return QColor(220, 40, 40, 56); }
QColor differingLine() { return QColor(220, 40, 40); }

// The text as the document holds it. A token that is only whitespace would be invisible (or collapse at a
// line end), so its spaces become non-breaking spaces and its newlines get a visible return symbol.
// Inserted text keeps one document position per QChar ('\n' turns into one block separator).
QString displayText(const QString& piece) {
    QString text = piece;
    text.replace(QStringLiteral("\r\n"), QStringLiteral("\n")).replace(QLatin1Char('\r'), QLatin1Char('\n'));
    if (!text.trimmed().isEmpty()) return text;
    QString shown;
    for (const QChar c : text) {
        if (c == QLatin1Char('\n')) {
            shown += kReturnSymbol;
            shown += QLatin1Char('\n');
        } else {
            shown += QChar(QChar::Nbsp);
        }
    }
    return shown.isEmpty() ? QString(QChar(QChar::Nbsp)) : shown;
}

// Black or white, whichever reads better on `background` (WCAG relative luminance).
QColor textColorOn(const QColor& background) {
    const auto linear = [](double c) {
        return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    };
    const double luminance = 0.2126 * linear(background.redF()) + 0.7152 * linear(background.greenF()) +
                             0.0722 * linear(background.blueF());
    return luminance > 0.179 ? QColor(Qt::black) : QColor(Qt::white);
}

// Where value v sits on the colour map: [lo, hi] -> [0, 1], or symmetric around 0 for Diverging.
double mapPosition(double v, double lo, double hi, ColorScale scale) {
    if (scale == ColorScale::Diverging) {
        const double extent = std::max(std::abs(lo), std::abs(hi));
        return extent > 0 ? 0.5 + 0.5 * v / extent : 0.5;
    }
    return hi > lo ? (v - lo) / (hi - lo) : 0.5;
}

std::vector<QColor> colorsFor(const std::vector<float>& values, ColorScale scale) {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (const float v : values) {
        if (!std::isfinite(v)) continue;
        lo = std::min(lo, static_cast<double>(v));
        hi = std::max(hi, static_cast<double>(v));
    }
    std::vector<QColor> colors(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        if (std::isfinite(values[i])) colors[i] = colorAt(scale, mapPosition(values[i], lo, hi, scale));
    }
    return colors;
}

}  // namespace

TokenView::TokenView(QWidget* parent) : QWidget(parent), browser_(new QTextBrowser(this)) {
    browser_->setOpenLinks(false);
    browser_->setOpenExternalLinks(false);
    browser_->document()->setUndoRedoEnabled(false);
    connect(browser_, &QTextBrowser::anchorClicked, this, &TokenView::onAnchorClicked);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(browser_);
    setFocusProxy(browser_);
    starts_ = {0};
}

void TokenView::clear() {
    pieces_.clear();
    values_.clear();
    backgrounds_.clear();
    selected_ = -1;
    differingFrom_ = -1;
    render();
}

void TokenView::setTokens(const QStringList& pieces) {
    clear();
    pieces_ = pieces;
    render();
}

void TokenView::appendToken(const QString& piece) {
    if (!streamEditOpen_) openStreamingEdit();
    pieces_.append(piece);
    insertToken(streamCursor_, static_cast<int>(pieces_.size()) - 1);
}

void TokenView::setValues(const std::vector<float>& values, ColorScale scale) {
    values_ = values;
    backgrounds_ = colorsFor(values, scale);
    restyleAll();
}

void TokenView::setSelectedToken(int index) {
    closeStreamingEdit();
    const int previous = selected_;
    selected_ = (index >= 0 && index < tokenCount()) ? index : -1;
    QTextCursor cursor(browser_->document());
    if (previous >= 0 && previous < tokenCount()) restyle(cursor, previous);
    if (selected_ >= 0) restyle(cursor, selected_);
}

void TokenView::setDifferingFrom(int index) {
    differingFrom_ = index;
    restyleAll();
}

int TokenView::tokenCount() const { return static_cast<int>(pieces_.size()); }

QString TokenView::tokenText(int index) const {
    return (index >= 0 && index < tokenCount()) ? pieces_.at(index) : QString();
}

QColor TokenView::backgroundOf(int index) const {
    if (index < 0 || index >= tokenCount() || index >= static_cast<int>(backgrounds_.size())) return {};
    return backgrounds_[static_cast<size_t>(index)];
}

// The widest stretch of the token on one line: cursor rectangles at its positions, grouped by line.
QRect TokenView::tokenRect(int index) const {
    if (index < 0 || index >= tokenCount()) return {};
    closeStreamingEdit();
    const int start = starts_[static_cast<size_t>(index)];
    const int end = starts_[static_cast<size_t>(index) + 1];
    QTextCursor cursor(browser_->document());
    QRect best;
    QRect lineStart;
    for (int position = start; position <= end; ++position) {
        cursor.setPosition(position);
        const QRect r = browser_->cursorRect(cursor);
        if (!lineStart.isValid() || r.top() != lineStart.top()) {
            lineStart = r;
            continue;
        }
        const QRect stretch(lineStart.topLeft(), QPoint(r.left() - 1, lineStart.bottom()));
        if (stretch.width() > best.width()) best = stretch;
    }
    if (!best.isValid()) {
        best = QRect(lineStart.topLeft(), QSize(fontMetrics().averageCharWidth(), lineStart.height()));
    }
    return best.translated(browser_->viewport()->mapTo(this, QPoint(0, 0)));
}

void TokenView::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    // Selection and plain tokens take their colours from the palette.
    if (event->type() == QEvent::PaletteChange) restyleAll();
}

void TokenView::render() {
    closeStreamingEdit();
    browser_->document()->clear();
    starts_ = {0};
    QTextCursor cursor(browser_->document());
    cursor.beginEditBlock();
    for (int i = 0; i < tokenCount(); ++i) insertToken(cursor, i);
    cursor.endEditBlock();
}

void TokenView::insertToken(QTextCursor& cursor, int index) {
    cursor.movePosition(QTextCursor::End);
    cursor.insertText(displayText(pieces_.at(index)), formatFor(index));
    starts_.push_back(cursor.position());
}

void TokenView::restyle(QTextCursor& cursor, int index) {
    cursor.setPosition(starts_[static_cast<size_t>(index)]);
    cursor.setPosition(starts_[static_cast<size_t>(index) + 1], QTextCursor::KeepAnchor);
    cursor.setCharFormat(formatFor(index));
}

void TokenView::restyleAll() {
    closeStreamingEdit();
    QTextCursor cursor(browser_->document());
    cursor.beginEditBlock();
    for (int i = 0; i < tokenCount(); ++i) restyle(cursor, i);
    cursor.endEditBlock();
}

// Anchors built from char formats carry no link styling: plain tokens use the palette's text colour.
QTextCharFormat TokenView::formatFor(int index) const {
    QTextCharFormat format;
    format.setAnchor(true);
    format.setAnchorHref(kAnchorScheme + QLatin1Char(':') + QString::number(index));
    const QColor background = backgroundOf(index);
    const bool differing = differingFrom_ >= 0 && index >= differingFrom_;
    if (background.isValid()) {
        format.setBackground(background);
        format.setForeground(textColorOn(background));
    } else if (differing) {
        format.setBackground(differingTint());
    }
    if (differing) {
        format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        format.setUnderlineColor(differingLine());
    }
    if (index == selected_) {
        format.setFontWeight(QFont::Bold);
        format.setUnderlineStyle(QTextCharFormat::SingleUnderline);
        if (background.isValid()) {
            format.setUnderlineColor(textColorOn(background));
        } else {
            format.setBackground(palette().highlight());
            format.setForeground(palette().highlightedText());
        }
    }
    QString tip = tr("Token %1").arg(index);
    if (index < static_cast<int>(values_.size())) {
        tip += QStringLiteral(": ") + QString::number(values_[static_cast<size_t>(index)], 'g', 4);
    }
    format.setToolTip(tip);
    return format;
}

void TokenView::openStreamingEdit() {
    QScrollBar* bar = browser_->verticalScrollBar();
    followEnd_ = bar->value() >= bar->maximum();
    streamCursor_ = QTextCursor(browser_->document());
    streamCursor_.beginEditBlock();
    streamEditOpen_ = true;
    QTimer::singleShot(0, this, &TokenView::closeStreamingEdit);
}

void TokenView::closeStreamingEdit() const {
    if (!streamEditOpen_) return;
    streamEditOpen_ = false;
    streamCursor_.endEditBlock();  // lays out everything appended since the edit was opened
    QScrollBar* bar = browser_->verticalScrollBar();
    if (followEnd_) bar->setValue(bar->maximum());
}

void TokenView::onAnchorClicked(const QUrl& url) {
    if (url.scheme() != kAnchorScheme) return;
    bool ok = false;
    const int index = url.path().toInt(&ok);
    if (ok && index >= 0 && index < tokenCount()) emit tokenClicked(index);
}

}  // namespace headscope::widgets
