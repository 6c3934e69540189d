// Answer extraction and grading against hand-written generations of reasoning models: where the answer is
// read from, which rule fires, and how each answer type is compared.
#include <QtTest>

#include "headscope/answer_extraction.h"

using namespace headscope;

namespace {

EvalSample sampleOf(AnswerType type, const std::string& answer, std::vector<std::string> choices = {}) {
    EvalSample s;
    s.id = "q";
    s.question = "?";
    s.answerType = type;
    s.answer = answer;
    s.choices = std::move(choices);
    return s;
}

const std::vector<std::string> kOptions = {"a circle", "a square", "a triangle", "nothing"};

}  // namespace

class AnswerExtractionTest : public QObject {
    Q_OBJECT

private slots:
    void extractsTheAnswer_data() {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("generated");
        QTest::addColumn<QString>("answer");
        QTest::addColumn<QString>("rule");
        // Numbers.
        QTest::newRow("demo model") << "number" << "<think>red circles: 2, red squares: 1. 2 + 1 = 3.</think>\nAnswer: 3"
                                    << "3" << "answer-line/number";
        QTest::newRow("boxed beats answer line") << "number" << "Answer: 4\nso \\boxed{12}" << "12" << "boxed/number";
        QTest::newRow("last boxed") << "number" << "\\boxed{1} then \\boxed{2}" << "2" << "boxed/number";
        QTest::newRow("nested braces") << "number" << "\\boxed{\\frac{3}{4}}" << "3/4" << "boxed/number";
        QTest::newRow("units") << "number" << "The answer is 12.5 cm." << "12.5" << "answer-line/number";
        QTest::newRow("thousands") << "number" << "Answer: $1,234.50" << "1,234.50" << "answer-line/number";
        QTest::newRow("negative") << "number" << "Answer: -7 degrees" << "-7" << "answer-line/number";
        QTest::newRow("first in answer line") << "number" << "Answer: 5 (not 6)" << "5" << "answer-line/number";
        QTest::newRow("last in free text") << "number" << "2 apples and 3 pears make 5" << "5" << "text/number";
        QTest::newRow("thinking ignored") << "number" << "<think>maybe 9? Answer: 9</think>It is 4." << "4"
                                          << "text/number";
        QTest::newRow("number word") << "number" << "Answer: three" << "3" << "answer-line/number-word";
        QTest::newRow("no number") << "number" << "I cannot tell." << "" << "none";
        QTest::newRow("word inside token") << "number" << "Answer: x2" << "" << "none";
        // Yes / no.
        QTest::newRow("yes line") << "yes_no" << "<think>3 > 2.</think>\nAnswer: Yes." << "yes" << "answer-line/yes-no";
        QTest::newRow("last yes-no in text") << "yes_no" << "No doubt about it: yes" << "yes" << "text/yes-no";
        QTest::newRow("not a word part") << "yes_no" << "Answer: nope" << "" << "none";
        // Choices.
        QTest::newRow("letter") << "choice" << "Answer: (B)" << "B" << "answer-line/letter";
        QTest::newRow("boxed letter") << "choice" << "\\boxed{C}" << "C" << "boxed/letter";
        QTest::newRow("lowercase letter") << "choice" << "Answer: b" << "B" << "answer-line/letter";
        QTest::newRow("option text") << "choice" << "Answer: a triangle" << "C" << "answer-line/option-text";
        QTest::newRow("option text with article A") << "choice" << "Answer: A square." << "B" << "answer-line/option-text";
        QTest::newRow("letter on its own line") << "choice" << "A circle has no corners.\nD." << "D" << "text/letter";
        QTest::newRow("article is not a letter") << "choice" << "A circle it is not." << "A" << "text/option-text";
        QTest::newRow("parenthesised in text") << "choice" << "I pick (B) here" << "B" << "text/letter";
        QTest::newRow("out of range") << "choice" << "Answer: F" << "" << "none";
        QTest::newRow("two option texts") << "choice" << "a circle or a square" << "" << "none";
        // Text.
        QTest::newRow("text line") << "text" << "<think>only one.</think>\nAnswer: Red." << "Red." << "answer-line/text";
        QTest::newRow("last line") << "text" << "Looking closely\n\n**blue**\n" << "blue" << "text/text";
    }

    void extractsTheAnswer() {
        QFETCH(QString, type);
        QFETCH(QString, generated);
        QFETCH(QString, answer);
        QFETCH(QString, rule);
        const EvalSample sample = sampleOf(*parseAnswerType(type.toStdString()), "x",
                                           type == "choice" ? kOptions : std::vector<std::string>{});
        const ExtractedAnswer got = extractAnswer(generated.toStdString(), sample);
        QCOMPARE(QString::fromStdString(got.answer), answer);
        QCOMPARE(QString::fromStdString(got.rule), rule);
        QCOMPARE(got.found(), !answer.isEmpty());
    }

    void gradesByAnswerType_data() {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("reference");
        QTest::addColumn<QString>("extracted");
        QTest::addColumn<bool>("correct");
        QTest::newRow("same integer") << "number" << "3" << "3" << true;
        QTest::newRow("integer vs decimal") << "number" << "3" << "3.0" << true;
        QTest::newRow("rounds to reference places") << "number" << "3.5" << "3.46" << true;
        QTest::newRow("rounds away") << "number" << "3.5" << "3.4" << false;
        QTest::newRow("integer reference rounds the prediction") << "number" << "3" << "3.4" << true;
        QTest::newRow("integer off") << "number" << "3" << "3.6" << false;
        QTest::newRow("commas") << "number" << "1234" << "1,234" << true;
        QTest::newRow("fraction exact") << "number" << "3/4" << "0.75" << true;
        QTest::newRow("fraction inexact") << "number" << "1/3" << "0.333" << false;
        QTest::newRow("letters") << "choice" << "B" << "B" << true;
        QTest::newRow("other letter") << "choice" << "B" << "C" << false;
        QTest::newRow("yes") << "yes_no" << "yes" << "yes" << true;
        QTest::newRow("text case and period") << "text" << "Red" << "red." << true;
        QTest::newRow("text article and spaces") << "text" << "red  circle" << "A red circle" << true;
        QTest::newRow("text differs") << "text" << "red" << "blue" << false;
        QTest::newRow("nothing found") << "text" << "red" << "" << false;
    }

    void gradesByAnswerType() {
        QFETCH(QString, type);
        QFETCH(QString, reference);
        QFETCH(QString, extracted);
        QFETCH(bool, correct);
        const EvalSample sample = sampleOf(*parseAnswerType(type.toStdString()), reference.toStdString(),
                                           type == "choice" ? kOptions : std::vector<std::string>{});
        QCOMPARE(isCorrectAnswer(ExtractedAnswer{extracted.toStdString(), "test"}, sample), correct);
    }
};

QTEST_GUILESS_MAIN(AnswerExtractionTest)
#include "test_answer_extraction.moc"
