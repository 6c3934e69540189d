#include "eval_case_browser.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace headscope::widgets {

namespace {

QString mark(bool correct) { return correct ? QStringLiteral("✓") : QStringLiteral("✗"); }

QString answerBlock(const QString& mode, const QString& answer, bool correct, const QString& text) {
    return QStringLiteral("<h4>%1 %2: %3</h4><pre style=\"white-space: pre-wrap\">%4</pre>")
        .arg(mark(correct), mode.toHtmlEscaped(),
             answer.isEmpty() ? EvalCaseBrowser::tr("(no answer found)") : answer.toHtmlEscaped(), text.toHtmlEscaped());
}

}  // namespace

EvalCaseBrowser::EvalCaseBrowser(QWidget* parent) : QWidget(parent) {
    filter_ = new QComboBox(this);
    filter_->setObjectName("evalFilter");
    list_ = new QListWidget(this);
    list_->setObjectName("evalCases");
    previous_ = new QPushButton(tr("&Previous"), this);
    previous_->setObjectName("evalPrevious");
    next_ = new QPushButton(tr("&Next"), this);
    next_->setObjectName("evalNext");
    position_ = new QLabel(this);
    details_ = new QTextBrowser(this);
    details_->setObjectName("evalDetails");

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(previous_);
    buttons->addWidget(position_, 1, Qt::AlignCenter);
    buttons->addWidget(next_);
    // Cases on the left, the chosen one on the right: the browser lives in a wide, low dock.
    auto* cases = new QVBoxLayout;
    cases->addWidget(filter_);
    cases->addWidget(list_, 1);
    cases->addLayout(buttons);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(cases, 1);
    layout->addWidget(details_, 2);

    connect(filter_, &QComboBox::currentIndexChanged, this, [this] { rebuildList(); });
    connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
        updateDetails();
        if (const EvalCaseView* c = row >= 0 ? currentCase() : nullptr) emit caseActivated(c->imagePath, c->prompt);
    });
    connect(previous_, &QPushButton::clicked, this, &EvalCaseBrowser::previous);
    connect(next_, &QPushButton::clicked, this, &EvalCaseBrowser::next);
    setCases({}, {}, {});
}

void EvalCaseBrowser::setCases(const QString& firstMode, const QString& secondMode, std::vector<EvalCaseView> cases) {
    firstMode_ = firstMode;
    secondMode_ = secondMode;
    cases_ = std::move(cases);
    const QSignalBlocker block(filter_);
    filter_->clear();
    if (!secondMode_.isEmpty()) {
        filter_->addItem(tr("Right only with %1").arg(secondMode_), int(Filter::OnlySecondRight));
        filter_->addItem(tr("Right only with %1").arg(firstMode_), int(Filter::OnlyFirstRight));
    }
    filter_->addItem(tr("Wrong with %1").arg(firstMode_.isEmpty() ? tr("the first mode") : firstMode_), int(Filter::FirstWrong));
    filter_->addItem(tr("All questions"), int(Filter::All));
    rebuildList();
}

void EvalCaseBrowser::setFilter(Filter filter) {
    const int index = filter_->findData(int(filter));
    if (index >= 0) filter_->setCurrentIndex(index);
}

EvalCaseBrowser::Filter EvalCaseBrowser::filter() const { return Filter(filter_->currentData().toInt()); }

int EvalCaseBrowser::visibleCount() const { return int(visible_.size()); }

int EvalCaseBrowser::currentRow() const { return list_->currentRow(); }

const EvalCaseView* EvalCaseBrowser::currentCase() const {
    const int row = list_->currentRow();
    return row >= 0 && row < int(visible_.size()) ? &cases_[size_t(visible_[size_t(row)])] : nullptr;
}

void EvalCaseBrowser::showRow(int row) {
    if (row >= 0 && row < visibleCount()) list_->setCurrentRow(row);
}

void EvalCaseBrowser::next() { showRow(currentRow() + 1); }

void EvalCaseBrowser::previous() { showRow(currentRow() - 1); }

bool EvalCaseBrowser::passes(const EvalCaseView& c) const {
    switch (filter()) {
    case Filter::OnlySecondRight: return !c.firstCorrect && c.secondCorrect;
    case Filter::OnlyFirstRight: return c.firstCorrect && !c.secondCorrect;
    case Filter::FirstWrong: return !c.firstCorrect;
    case Filter::All: return true;
    }
    return true;
}

void EvalCaseBrowser::rebuildList() {
    const QSignalBlocker block(list_);
    list_->clear();
    visible_.clear();
    for (size_t i = 0; i < cases_.size(); ++i) {
        const EvalCaseView& c = cases_[i];
        if (!passes(c)) continue;
        visible_.push_back(int(i));
        QString label = mark(c.firstCorrect) + " " + c.id + "  (" + c.reference + ")";
        if (!secondMode_.isEmpty()) label = mark(c.firstCorrect) + mark(c.secondCorrect) + " " + c.id + "  (" + c.reference + ")";
        list_->addItem(label);
    }
    list_->setCurrentRow(-1);
    updateDetails();
}

void EvalCaseBrowser::updateDetails() {
    const int row = currentRow();
    position_->setText(visible_.empty() ? tr("no questions") : tr("%1 of %2").arg(row + 1).arg(visibleCount()));
    previous_->setEnabled(row > 0);
    next_->setEnabled(row + 1 < visibleCount());
    const EvalCaseView* c = currentCase();
    if (!c) {
        details_->clear();
        return;
    }
    QString html = QStringLiteral("<h3>%1</h3><p>%2</p><p>%3 <b>%4</b></p>")
                       .arg(c->id.toHtmlEscaped(), c->prompt.toHtmlEscaped().replace("\n", "<br>"), tr("Reference:"),
                            c->reference.toHtmlEscaped());
    html += answerBlock(firstMode_, c->firstAnswer, c->firstCorrect, c->firstText);
    if (!secondMode_.isEmpty()) html += answerBlock(secondMode_, c->secondAnswer, c->secondCorrect, c->secondText);
    details_->setHtml(html);
}

}  // namespace headscope::widgets
