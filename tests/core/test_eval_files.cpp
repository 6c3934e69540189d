// The evaluation files: the native JSONL dataset (valid rows, every kind of bad row reported with its line,
// images resolved against the file, the prompt of a choice question, writing and reading back) and the
// results file (a record round trip, a line cut short by a killed run).
#include <QtTest>

#include <fstream>

#include "headscope/error.h"
#include "headscope/eval_dataset.h"
#include "headscope/eval_records.h"

using namespace headscope;

namespace {

void writeFile(const QString& path, const std::string& text) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out << text;
}

}  // namespace

class EvalFilesTest : public QObject {
    Q_OBJECT

private slots:
    void readsValidRowsAndReportsBadOnes() {
        QTemporaryDir dir;
        const QString path = dir.filePath("data.jsonl");
        writeFile(path,
                  R"({"id": "a", "image": "img/a.png", "question": "How many?", "answer": 3, "answer_type": "number", "tags": ["count"]})" "\n"
                  "\n"
                  R"({"id": "b", "question": "Which?", "choices": ["red", "blue"], "answer": "blue", "answer_type": "choice"})" "\n"
                  R"({"id": "c", "question": "Is it?", "answer": "Yes", "answer_type": "yes_no"})" "\n"
                  "not json\n"
                  R"({"id": "d", "question": "Is it?", "answer": "maybe", "answer_type": "yes_no"})" "\n"
                  R"({"id": "e", "question": "Which?", "choices": ["x", "y"], "answer": "C", "answer_type": "choice"})" "\n"
                  R"({"id": "f", "question": "?", "answer": "1", "answer_type": "essay"})" "\n"
                  R"({"id": "a", "question": "again", "answer": "1", "answer_type": "number"})" "\n"
                  R"({"question": "no id", "answer": "1", "answer_type": "number"})" "\n"
                  R"({"id": "g", "question": "n?", "answer": "three", "answer_type": "number"})" "\n"
                  R"({"id": "h", "image": "/abs/h.png", "question": "What colour?", "answer": " Red ", "answer_type": "text"})" "\n"
                  R"({"id": "i", "question": "  ", "answer": "1", "answer_type": "number"})");
        const EvalDataset data = readEvalDataset(path.toStdString());
        QCOMPARE(data.samples.size(), size_t(4));
        QCOMPARE(data.samples[0].id, std::string("a"));
        QCOMPARE(data.samples[0].answer, std::string("3"));  // a JSON number is read as written
        QCOMPARE(data.samples[0].line, int64_t(1));
        QCOMPARE(data.samples[0].tags, std::vector<std::string>{"count"});
        QCOMPARE(data.samples[1].answer, std::string("B"));  // the option's text becomes its letter
        QCOMPARE(data.samples[1].line, int64_t(3));
        QCOMPARE(data.samples[2].answer, std::string("yes"));
        QCOMPARE(data.samples[3].answer, std::string("Red"));
        QCOMPARE(resolveSampleImage(data, data.samples[0]), dir.filePath("img/a.png").toStdString());
        QCOMPARE(resolveSampleImage(data, data.samples[3]), std::string("/abs/h.png"));
        QCOMPARE(resolveSampleImage(data, data.samples[1]), std::string());

        const std::vector<std::pair<int64_t, std::string>> expected = {
            {5, "not valid JSON"}, {6, "\"yes\" or \"no\""}, {7, "neither the letter nor the text"},
            {8, "unknown answer_type \"essay\""}, {9, "id \"a\" appears on an earlier line"},
            {10, "missing field \"id\""}, {11, "must be a number"}, {13, "the question is empty"}};
        QCOMPARE(data.skipped.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            QCOMPARE(data.skipped[i].line, expected[i].first);
            QVERIFY2(data.skipped[i].message.find(expected[i].second) != std::string::npos, data.skipped[i].message.c_str());
        }
    }

    void aNumberBeyondADoubleIsABadLine() {
        QTemporaryDir dir;
        const QString path = dir.filePath("data.jsonl");
        writeFile(path, R"({"id": "a", "question": "How many?", "answer": 1e999, "answer_type": "number"})" "\n"
                        R"({"id": "b", "question": "How many?", "answer": 2, "answer_type": "number"})" "\n");
        const EvalDataset data = readEvalDataset(path.toStdString());
        QCOMPARE(data.samples.size(), size_t(1));
        QCOMPARE(data.samples[0].id, std::string("b"));
        QCOMPARE(data.skipped.size(), size_t(1));
        QCOMPARE(data.skipped[0].line, int64_t(1));
        QVERIFY2(data.skipped[0].message.find("not valid JSON") != std::string::npos &&
                     data.skipped[0].message.find("number overflow") != std::string::npos,
                 data.skipped[0].message.c_str());
    }

    void missingFileIsAnError() {
        try {
            readEvalDataset("/nonexistent/data.jsonl");
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY(std::string(e.what()).find("/nonexistent/data.jsonl") != std::string::npos);
        }
    }

    void choicePromptListsTheOptions() {
        EvalSample s;
        s.question = "Which shape is red?";
        s.answerType = AnswerType::Choice;
        s.choices = {"circle", "square", "triangle"};
        QCOMPARE(samplePrompt(s), std::string("Which shape is red?\nOptions:\nA. circle\nB. square\nC. triangle"));
        s.answerType = AnswerType::Text;
        s.choices.clear();
        QCOMPARE(samplePrompt(s), std::string("Which shape is red?"));
    }

    void writtenDatasetReadsBack() {
        QTemporaryDir dir;
        EvalSample a;
        a.id = "1";
        a.image = "images/1.png";
        a.question = "Pick \"one\"\nnow";
        a.choices = {"x", "y"};
        a.answer = "B";
        a.answerType = AnswerType::Choice;
        a.tags = {"t"};
        EvalSample b;
        b.id = "2";
        b.question = "How many?";
        b.answer = "4";
        b.answerType = AnswerType::Number;
        const std::string path = dir.filePath("out.jsonl").toStdString();
        writeEvalDataset(path, {a, b});
        const EvalDataset back = readEvalDataset(path);
        QVERIFY(back.skipped.empty());
        QCOMPARE(back.samples.size(), size_t(2));
        QCOMPARE(back.samples[0].question, a.question);
        QCOMPARE(back.samples[0].choices, a.choices);
        QCOMPARE(back.samples[0].answer, a.answer);
        QCOMPARE(back.samples[0].image, a.image);
        QVERIFY(back.samples[1].answerType == AnswerType::Number);
        QCOMPARE(back.samples[1].image, std::string());
        // Fields in the documented order.
        QVERIFY(evalSampleJson(b).rfind(R"({"id":"2","question":"How many?","answer":"4","answer_type":"number"})", 0) == 0);
    }

    void recordsRoundTripAndACutLineIsIgnored() {
        EvalRecord r;
        r.index = 7;
        r.id = "q7";
        r.mode = "vcd";
        r.image = "a.png";
        r.prompt = "How many?\nOptions:";
        r.reference = "3";
        r.answerType = "number";
        r.tags = {"count"};
        r.maxNewTokens = 64;
        r.sampled = true;
        r.temperature = 0.7;
        r.topK = 5;
        r.topP = 0.9;
        r.seed = 18446744073709551615ULL;
        r.profileHash = "00ff";
        r.modeSettings = {{"alpha", "1"}, {"beta", "0.1"}};
        r.generated = "<think>ok</think>\nAnswer: 3";
        r.extracted = "3";
        r.rule = "answer-line/number";
        r.correct = true;
        r.promptTokens = 80;
        r.generatedTokens = 12;
        r.latencySeconds = 0.25;
        const std::string line = evalRecordJson(r);
        QVERIFY(line.find('\n') == std::string::npos);
        const EvalRecord back = parseEvalRecord(line, "test");
        QCOMPARE(evalRecordJson(back), line);
        QCOMPARE(back.seed, r.seed);
        QCOMPARE(back.modeSettings, r.modeSettings);

        QTemporaryDir dir;
        const QString path = dir.filePath("results.jsonl");
        writeFile(path, line + "\n" + line + "\n" + line.substr(0, 40));
        const EvalRecordFile file = readEvalRecords(path.toStdString());
        QCOMPARE(file.records.size(), size_t(2));
        QVERIFY(file.truncatedTail);
        QCOMPARE(file.completeBytes, int64_t(2 * (line.size() + 1)));
        QVERIFY(readEvalRecords(dir.filePath("none.jsonl").toStdString()).records.empty());

        writeFile(path, line + "\n{\"index\": 1}\n");
        try {
            readEvalRecords(path.toStdString());
            QFAIL("a damaged record was accepted");
        } catch (const FormatError& e) {
            QVERIFY2(std::string(e.what()).find("results.jsonl:2") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(EvalFilesTest)
#include "test_eval_files.moc"
