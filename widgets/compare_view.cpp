#include "compare_view.h"

#include <QEvent>
#include <QFileInfo>
#include <QGroupBox>
#include <QLabel>
#include <QSplitter>
#include <QSvgGenerator>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>

#include "token_view.h"

namespace headscope::widgets {

namespace {

// Two tableau colours that stay apart for most colour-vision deficiencies.
QColor baselineColor() { return QColor(31, 119, 180); }
QColor rescaledColor() { return QColor(255, 127, 14); }
QColor divergenceColor() { return QColor(220, 40, 40); }

// A token as the summary quotes it: control characters made visible.
QString quotedToken(const QStringList& pieces, int index) {
    if (index < 0 || index >= pieces.size()) return CompareView::tr("(end of answer)");
    QString text = pieces.at(index);
    text.replace(QLatin1Char('\n'), QStringLiteral("\\n")).replace(QLatin1Char('\t'), QStringLiteral("\\t"));
    text.replace(QLatin1Char('\r'), QStringLiteral("\\r"));
    return QLatin1Char('"') + text + QLatin1Char('"');
}

QString summaryFor(const QStringList& baseline, const QStringList& rescaled, int firstDivergence) {
    if (firstDivergence < 0) {
        return CompareView::tr("identical (%n token(s))", nullptr, static_cast<int>(baseline.size()));
    }
    // One multi-argument arg() so that a "%1" inside a token is never substituted again.
    return CompareView::tr("first divergence at token %1: %2 vs %3")
        .arg(QString::number(firstDivergence), quotedToken(baseline, firstDivergence),
             quotedToken(rescaled, firstDivergence));
}

void setGraphData(QCPGraph* graph, const std::vector<float>& logprobs) {
    QVector<double> keys;
    QVector<double> values;
    keys.reserve(static_cast<int>(logprobs.size()));
    values.reserve(static_cast<int>(logprobs.size()));
    for (size_t i = 0; i < logprobs.size(); ++i) {
        keys.append(static_cast<double>(i));
        values.append(static_cast<double>(logprobs[i]));
    }
    graph->setData(keys, values, true);
}

void styleGraph(QCPGraph* graph, const QString& name, const QColor& color) {
    graph->setName(name);
    graph->setPen(QPen(color, 1.5));
    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
}

QGroupBox* titledAnswer(const QString& title, TokenView* view) {
    auto* box = new QGroupBox(title);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(view);
    return box;
}

}  // namespace

CompareView::CompareView(QWidget* parent)
    : QWidget(parent), baseline_(new TokenView), rescaled_(new TokenView), plot_(new QCustomPlot),
      summary_(new QLabel) {
    baseline_->setObjectName(QStringLiteral("baselineView"));
    rescaled_->setObjectName(QStringLiteral("rescaledView"));
    plot_->setObjectName(QStringLiteral("logprobPlot"));
    summary_->setObjectName(QStringLiteral("divergenceSummary"));
    summary_->setTextFormat(Qt::PlainText);  // tokens such as "<b>" are shown as they are
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* answers = new QSplitter(Qt::Horizontal);
    answers->addWidget(titledAnswer(tr("Baseline"), baseline_));
    answers->addWidget(titledAnswer(tr("Rescaled"), rescaled_));
    auto* answersAndPlot = new QSplitter(Qt::Vertical);
    answersAndPlot->addWidget(answers);
    plot_->setMinimumHeight(160);
    answersAndPlot->addWidget(plot_);
    answersAndPlot->setStretchFactor(0, 3);
    answersAndPlot->setStretchFactor(1, 2);
    answersAndPlot->setSizes({300, 200});  // the text views' size hints would otherwise squeeze the plot

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summary_);
    layout->addWidget(answersAndPlot, 1);

    connect(baseline_, &TokenView::tokenClicked, this, &CompareView::selectInBoth);
    connect(rescaled_, &TokenView::tokenClicked, this, &CompareView::selectInBoth);
    setUpPlot();
}

void CompareView::clear() {
    baseline_->clear();
    rescaled_->clear();
    summary_->clear();
    plotLogprobs({}, {}, -1);
}

void CompareView::setRuns(const QStringList& baselinePieces, const std::vector<float>& baselineLogprobs,
                          const QStringList& rescaledPieces, const std::vector<float>& rescaledLogprobs,
                          int firstDivergence) {
    baseline_->setTokens(baselinePieces);
    rescaled_->setTokens(rescaledPieces);
    baseline_->setDifferingFrom(firstDivergence);
    rescaled_->setDifferingFrom(firstDivergence);
    summary_->setText(summaryFor(baselinePieces, rescaledPieces, firstDivergence));
    plotLogprobs(baselineLogprobs, rescaledLogprobs, firstDivergence);
}

QString CompareView::summaryText() const { return summary_->text(); }

bool CompareView::savePlotPng(const QString& path) {
    const QSize size = exportSize();
    return plot_->savePng(path, size.width(), size.height());
}

bool CompareView::savePlotSvg(const QString& path) {
    const QSize size = exportSize();
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(size);
    generator.setViewBox(QRect(QPoint(0, 0), size));
    generator.setTitle(tr("Per-token log-probabilities"));
    QCPPainter painter;
    if (!painter.begin(&generator)) return false;
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    plot_->toPainter(&painter, size.width(), size.height());
    painter.end();
    return QFileInfo(path).size() > 0;
}

void CompareView::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) applyPlotPalette();
}

void CompareView::setUpPlot() {
    styleGraph(plot_->addGraph(), tr("baseline"), baselineColor());
    styleGraph(plot_->addGraph(), tr("rescaled"), rescaledColor());
    plot_->xAxis->setLabel(tr("token index"));
    plot_->yAxis->setLabel(tr("log p"));
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignLeft);

    divergenceLine_ = new QCPItemStraightLine(plot_);
    divergenceLine_->setPen(QPen(divergenceColor(), 1.2, Qt::DashLine));
    divergenceLine_->setVisible(false);
    applyPlotPalette();
}

void CompareView::applyPlotPalette() {
    const QColor text = palette().color(QPalette::Text);
    const QColor base = palette().color(QPalette::Base);
    plot_->setBackground(base);
    for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
    }
    plot_->legend->setBrush(base);
    plot_->legend->setTextColor(text);
    plot_->legend->setBorderPen(QPen(palette().color(QPalette::Mid)));
    plot_->replot();
}

void CompareView::plotLogprobs(const std::vector<float>& baseline, const std::vector<float>& rescaled,
                               int firstDivergence) {
    setGraphData(plot_->graph(0), baseline);
    setGraphData(plot_->graph(1), rescaled);
    divergenceLine_->setVisible(firstDivergence >= 0);
    divergenceLine_->point1->setCoords(firstDivergence, 0);
    divergenceLine_->point2->setCoords(firstDivergence, 1);
    plot_->rescaleAxes();
    plot_->yAxis->scaleRange(1.1, plot_->yAxis->range().center());  // keep the extreme points off the frame
    const double tokens = static_cast<double>(std::max(baseline.size(), rescaled.size()));
    plot_->xAxis->setRange(-0.5, std::max(tokens, 1.0) - 0.5);
    plot_->replot();
}

void CompareView::selectInBoth(int index) {
    baseline_->setSelectedToken(index);
    rescaled_->setSelectedToken(index);
}

// The on-screen size, or a readable default when the plot has never been shown (e.g. a headless export).
QSize CompareView::exportSize() const {
    return plot_->isVisible() ? plot_->size() : QSize(900, 480);
}

}  // namespace headscope::widgets
