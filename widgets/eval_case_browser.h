// Steps through the questions of an evaluation run: a filter (where two modes disagree, or every wrong
// answer, or all questions), the list, Previous / Next, and the selected question with both modes' thoughts
// and answers. Choosing a question emits caseActivated so that the window can load it for inspection.
#pragma once
#include <QString>
#include <QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;
class QTextBrowser;

namespace headscope::widgets {

// One question as the browser shows it; the second mode's fields stay empty for a run of one mode.
struct EvalCaseView {
    QString id;
    QString imagePath;  // resolved; empty without an image
    QString prompt;
    QString reference;
    QString firstAnswer, secondAnswer;  // extracted answers ("" when none was found)
    bool firstCorrect = false, secondCorrect = false;
    QString firstText, secondText;  // generated texts
};

class EvalCaseBrowser : public QWidget {
    Q_OBJECT

public:
    enum class Filter { OnlySecondRight, OnlyFirstRight, FirstWrong, All };

    explicit EvalCaseBrowser(QWidget* parent = nullptr);

    // `secondMode` empty: a run of one mode (the disagreement filters are then not offered).
    void setCases(const QString& firstMode, const QString& secondMode, std::vector<EvalCaseView> cases);
    void setFilter(Filter filter);
    Filter filter() const;
    int visibleCount() const;
    int currentRow() const;  // among the visible cases; -1 when none
    const EvalCaseView* currentCase() const;
    void showRow(int row);
    void next();
    void previous();

signals:
    void caseActivated(const QString& imagePath, const QString& prompt);

private:
    void rebuildList();
    void updateDetails();
    bool passes(const EvalCaseView& c) const;

    QString firstMode_, secondMode_;
    std::vector<EvalCaseView> cases_;
    std::vector<int> visible_;  // indices into cases_
    QComboBox* filter_ = nullptr;
    QListWidget* list_ = nullptr;
    QPushButton* previous_ = nullptr;
    QPushButton* next_ = nullptr;
    QLabel* position_ = nullptr;
    QTextBrowser* details_ = nullptr;
};

}  // namespace headscope::widgets
