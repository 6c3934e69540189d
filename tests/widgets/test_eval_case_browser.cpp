// EvalCaseBrowser: the filters pick the right questions, Previous / Next clicked with the mouse step through
// them and announce each one, the details show both thoughts as text, and a run of one mode offers only the
// filters that make sense for it.
#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTextBrowser>

#include "eval_case_browser.h"

using headscope::widgets::EvalCaseBrowser;
using headscope::widgets::EvalCaseView;

namespace {

EvalCaseView makeCase(const QString& id, bool first, bool second) {
    EvalCaseView c;
    c.id = id;
    c.imagePath = "/data/" + id + ".png";
    c.prompt = "How many in " + id + "?";
    c.reference = "3";
    c.firstAnswer = first ? "3" : "2";
    c.secondAnswer = second ? "3" : "";
    c.firstCorrect = first;
    c.secondCorrect = second;
    c.firstText = "<think>a</think>\nAnswer: " + c.firstAnswer;
    c.secondText = "<think>b</think>";
    return c;
}

std::vector<EvalCaseView> fourCases() {
    return {makeCase("fixed", false, true), makeCase("broken", true, false), makeCase("bothWrong", false, false),
            makeCase("bothRight", true, true)};
}

}  // namespace

class EvalCaseBrowserTest : public QObject {
    Q_OBJECT

private slots:
    void stepsThroughTheDisagreements() {
        EvalCaseBrowser browser;
        browser.setCases("vanilla", "fac", fourCases());
        browser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&browser));
        auto* next = browser.findChild<QPushButton*>("evalNext");
        auto* previous = browser.findChild<QPushButton*>("evalPrevious");
        auto* details = browser.findChild<QTextBrowser*>("evalDetails");
        QSignalSpy activated(&browser, &EvalCaseBrowser::caseActivated);

        // Default: the questions only the second mode gets right.
        QCOMPARE(browser.filter(), EvalCaseBrowser::Filter::OnlySecondRight);
        QCOMPARE(browser.visibleCount(), 1);
        QVERIFY(!previous->isEnabled());
        QTest::mouseClick(next, Qt::LeftButton);
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.at(0).at(0).toString(), QString("/data/fixed.png"));
        QCOMPARE(activated.at(0).at(1).toString(), QString("How many in fixed?"));
        const QString text = details->toPlainText();
        QVERIFY2(text.contains("<think>a</think>") && text.contains("✓ fac: 3") && text.contains("✗ vanilla: 2"),
                 qPrintable(text));  // thoughts shown as text, not markup
        QVERIFY(!next->isEnabled());

        // All questions, forward to the end and back.
        auto* filter = browser.findChild<QComboBox*>("evalFilter");
        filter->setCurrentIndex(filter->findData(int(EvalCaseBrowser::Filter::All)));
        QCOMPARE(browser.visibleCount(), 4);
        for (int i = 0; i < 4; ++i) QTest::mouseClick(next, Qt::LeftButton);
        QCOMPARE(browser.currentCase()->id, QString("bothRight"));
        QVERIFY(!next->isEnabled());
        QTest::mouseClick(previous, Qt::LeftButton);
        QCOMPARE(browser.currentCase()->id, QString("bothWrong"));
        QCOMPARE(activated.count(), 6);
        QCOMPARE(activated.last().at(0).toString(), QString("/data/bothWrong.png"));

        browser.setFilter(EvalCaseBrowser::Filter::OnlyFirstRight);
        QCOMPARE(browser.visibleCount(), 1);
        browser.next();
        QCOMPARE(browser.currentCase()->id, QString("broken"));
        QVERIFY(details->toPlainText().contains("✗ fac: (no answer found)"));
        browser.setFilter(EvalCaseBrowser::Filter::FirstWrong);
        QCOMPARE(browser.visibleCount(), 2);
        // Clicking a row announces it too.
        auto* list = browser.findChild<QListWidget*>("evalCases");
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(list->item(1)).center());
        QCOMPARE(browser.currentCase()->id, QString("bothWrong"));
        QCOMPARE(activated.last().at(1).toString(), QString("How many in bothWrong?"));
    }

    void aRunOfOneMode() {
        EvalCaseBrowser browser;
        browser.setCases("vanilla", "", fourCases());
        auto* filter = browser.findChild<QComboBox*>("evalFilter");
        QCOMPARE(filter->count(), 2);  // wrong answers, all questions
        QCOMPARE(browser.filter(), EvalCaseBrowser::Filter::FirstWrong);
        QCOMPARE(browser.visibleCount(), 2);
        browser.setCases("vanilla", "", {});
        QCOMPARE(browser.visibleCount(), 0);
        QVERIFY(!browser.currentCase());
    }
};

QTEST_MAIN(EvalCaseBrowserTest)
#include "test_eval_case_browser.moc"
