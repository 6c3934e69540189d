// headscope-cli eval, eval-merge and make-demo-data on the bundled demo model: an end-to-end run on 100 held-out
// questions whose plain answers agree with the model's own evaluation.json, runs stopped with Ctrl-C (and
// cut mid-line) or killed with SIGKILL that resume to the same results as an uninterrupted run, shards merged into the same
// results as one run, and the refusals (other settings in the same folder, unfinished shards, bad rows).
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <signal.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_run.h"
#include "headscope/eval_dataset.h"
#include "headscope/eval_records.h"

using namespace headscope;

using headscope::testing::CliRun;
using headscope::testing::runCli;

namespace {

const QString kModel = QStringLiteral(HEADSCOPE_RESOURCES_DIR "/models/shapes-demo");

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The records without their timings, which are the only fields that differ between two runs of the same work.
std::vector<std::string> recordsWithoutTimings(const QString& path) {
    std::vector<std::string> lines;
    for (EvalRecord r : readEvalRecords(path.toStdString()).records) {
        r.latencySeconds = 0;
        lines.push_back(evalRecordJson(r));
    }
    return lines;
}

QStringList evalArguments(const QString& data, const QString& out, int limit) {
    return {"eval", "--model", kModel, "--data", data, "--out", out, "--modes", "vanilla,fac,vcd", "--limit",
            QString::number(limit), "--threads", "1"};
}

}  // namespace

class EvalCliTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString data_;

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const CliRun made = runCli({"make-demo-data", "--out", dir_.filePath("demo-data"), "--count", "100"});
        QVERIFY2(made.exitCode == 0, made.err.constData());
        data_ = dir_.filePath("demo-data/questions.jsonl");
        const EvalDataset dataset = readEvalDataset(data_.toStdString());
        QCOMPARE(dataset.samples.size(), size_t(100));
        QVERIFY(dataset.skipped.empty());
        for (const EvalSample& s : dataset.samples)
            QVERIFY2(QFile::exists(QString::fromStdString(resolveSampleImage(dataset, s))), s.image.c_str());
        // A second export into the same folder is refused rather than mixed.
        QCOMPARE(runCli({"make-demo-data", "--out", dir_.filePath("demo-data"), "--count", "3"}).exitCode, 1);
    }

    void hundredQuestionsEndToEnd() {
        const QString out = dir_.filePath("full");
        const CliRun run = runCli(evalArguments(data_, out, 100));
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(run.out.contains("| vanilla | 100 |"));
        QVERIFY(run.out.contains("| fac | 100 |"));
        QVERIFY(run.out.contains("| vcd | 100 |"));

        const auto records = readEvalRecords((out + "/results.jsonl").toStdString()).records;
        QCOMPARE(records.size(), size_t(300));
        // The plain answers agree with the model's own evaluation of the same questions (same seed, same
        // order), up to the two answers in a hundred that may differ across CPUs.
        const auto evaluation = nlohmann::json::parse(readAll(kModel + "/evaluation.json").toStdString());
        const auto& cases = evaluation.at("baseline_cases");
        int64_t vanillaCorrect = 0, disagreements = 0;
        for (const EvalRecord& r : records) {
            QVERIFY2(!r.rule.empty(), r.id.c_str());
            QCOMPARE(r.correct, !r.extracted.empty() && r.correct);
            if (r.mode != "vanilla") continue;
            vanillaCorrect += r.correct;
            disagreements += r.correct != cases.at(size_t(r.index)).at("correct").get<bool>();
            QCOMPARE(r.maxNewTokens, int64_t(128));
            QVERIFY(!r.sampled);
        }
        QVERIFY2(disagreements <= 2, qPrintable(QString("%1 answers differ from evaluation.json").arg(disagreements)));
        for (const EvalRecord& r : records)
            if (r.mode == "fac") QVERIFY2(r.modeSettings.count("rule") == 1, r.id.c_str());
            else if (r.mode == "vcd") QVERIFY2(r.modeSettings.at("alpha") == "1" && r.modeSettings.at("noise_step") == "500" &&
                                                   r.modeSettings.at("noise_seed") == std::to_string(r.index), r.id.c_str());

        const auto summary = nlohmann::json::parse(readAll(out + "/summary.json").toStdString());
        QCOMPARE(summary.size(), size_t(3));
        QCOMPARE(summary[0].at("mode").get<std::string>(), std::string("vanilla"));
        QCOMPARE(summary[0].at("correct").get<int64_t>(), vanillaCorrect);
        QCOMPARE(summary[1].at("versus_reference").at("paired").get<int64_t>(), int64_t(100));
        QVERIFY(readAll(out + "/summary.md").startsWith("| Mode |"));
    }

    void galleryListsTheDisagreements() {
        const QString run = dir_.filePath("full");  // from the end-to-end test
        const auto records = readEvalRecords((run + "/results.jsonl").toStdString()).records;
        std::map<int64_t, bool> vanilla, fac;
        for (const EvalRecord& r : records) {
            if (r.mode == "vanilla") vanilla[r.index] = r.correct;
            if (r.mode == "fac") fac[r.index] = r.correct;
        }
        int64_t fixed = 0, broken = 0;
        for (const auto& [index, right] : vanilla) {
            fixed += !right && fac.at(index);
            broken += right && !fac.at(index);
        }
        const QString out = dir_.filePath("gallery");
        const CliRun made = runCli({"eval-gallery", "--run", run, "--out", out});
        QVERIFY2(made.exitCode == 0, made.err.constData());
        QVERIFY2(made.out.startsWith(QByteArray::number(qlonglong(fixed)) + " questions right only with fac, " +
                                     QByteArray::number(qlonglong(broken)) + " right only with vanilla"),
                 made.out.constData());
        const QByteArray cases = readAll(out + "/cases.jsonl");
        QCOMPARE(int64_t(cases.count('\n')), fixed + broken);
        const QByteArray html = readAll(out + "/index.html");
        QVERIFY(!html.contains("<think>"));  // generated text is escaped
        for (const QByteArray& line : cases.split('\n')) {
            if (line.isEmpty()) continue;
            const auto entry = nlohmann::json::parse(line.toStdString());
            const QString image = QString::fromStdString(entry.at("image").get<std::string>());
            QVERIFY(QFile::exists(out + "/" + image));
            QVERIFY(html.contains(image.toUtf8()));
            QCOMPARE(entry.at("change").get<std::string>() == "fixed",
                     !entry.at("first").at("correct").get<bool>() && entry.at("second").at("correct").get<bool>());
        }
        if (fixed + broken > 0) QVERIFY(html.contains("&lt;think&gt;"));
        // An existing folder is never overwritten.
        QCOMPARE(runCli({"eval-gallery", "--run", run, "--out", out}).exitCode, 1);
    }

    void interruptedRunResumesToTheSameResults() {
        const QString whole = dir_.filePath("whole");
        QVERIFY(runCli(evalArguments(data_, whole, 12)).exitCode == 0);

        const QString split = dir_.filePath("split");
        QProcess first;
        first.start(QStringLiteral(HEADSCOPE_CLI_PATH), evalArguments(data_, split, 12));
        QVERIFY(first.waitForStarted());
        // Interrupt once a few results are on disk.
        const QString results = split + "/results.jsonl";
        for (int i = 0; i < 600 && readAll(results).count('\n') < 3 && first.state() == QProcess::Running; ++i)
            QTest::qWait(100);
        ::kill(static_cast<pid_t>(first.processId()), SIGINT);
        QVERIFY(first.waitForFinished(120000));
        QCOMPARE(first.exitCode(), 130);
        QVERIFY(first.readAllStandardError().contains("run the same command again to resume"));
        const int64_t kept = readAll(results).count('\n');
        QVERIFY(kept >= 3 && kept < 36);

        // A run killed while writing leaves half a line: it is dropped and redone.
        {
            QFile file(results);
            QVERIFY(file.open(QIODevice::Append));
            file.write("{\"index\": 5, \"id\": \"test-00");
        }
        const CliRun resumed = runCli(evalArguments(data_, split, 12));
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        QVERIFY(resumed.err.contains("cut short"));
        QVERIFY(resumed.err.contains(QByteArray("resuming: ") + QByteArray::number(qlonglong(kept)) + " results kept"));
        QCOMPARE(recordsWithoutTimings(results), recordsWithoutTimings(whole + "/results.jsonl"));

        // The same folder with other settings is refused, and nothing in it changes.
        const QByteArray before = readAll(results);
        QStringList other = evalArguments(data_, split, 12);
        other << "--max-new-tokens" << "16";
        const CliRun refused = runCli(other);
        QCOMPARE(refused.exitCode, 2);
        QVERIFY(refused.err.contains("other settings"));
        QCOMPARE(readAll(results), before);
    }

    void killedRunResumesToTheSameResults() {
        // SIGKILL: no handler runs, so only what was flushed survives.
        const QString killed = dir_.filePath("killed");
        QProcess first;
        first.start(QStringLiteral(HEADSCOPE_CLI_PATH), evalArguments(data_, killed, 12));
        QVERIFY(first.waitForStarted());
        const QString results = killed + "/results.jsonl";
        for (int i = 0; i < 600 && readAll(results).count('\n') < 5 && first.state() == QProcess::Running; ++i)
            QTest::qWait(50);
        ::kill(static_cast<pid_t>(first.processId()), SIGKILL);
        QVERIFY(first.waitForFinished(60000));
        QCOMPARE(first.exitStatus(), QProcess::CrashExit);
        const int64_t kept = readEvalRecords(results.toStdString()).records.size();
        QVERIFY(kept >= 5 && kept < 36);
        const CliRun resumed = runCli(evalArguments(data_, killed, 12));
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        QCOMPARE(recordsWithoutTimings(results), recordsWithoutTimings(dir_.filePath("whole") + "/results.jsonl"));
    }

    void shardsMergeIntoOneRun() {
        const QString whole = dir_.filePath("whole");  // from the resume test
        QVERIFY(QFile::exists(whole + "/results.jsonl"));
        const QString sharded = dir_.filePath("sharded");
        QStringList second = evalArguments(data_, sharded, 12);
        second << "--shard" << "2/3";
        QVERIFY(runCli(second).exitCode == 0);
        // Merging before every shard has run names what is missing.
        const CliRun early = runCli({"eval-merge", "--out", sharded});
        QCOMPARE(early.exitCode, 2);
        QVERIFY2(early.err.contains("shard 1 of 3 has no results") && early.err.contains("shard 3 of 3 has no results"),
                 early.err.constData());
        for (const char* shard : {"1/3", "3/3"}) {
            QStringList args = evalArguments(data_, sharded, 12);
            args << "--shard" << shard;
            QVERIFY(runCli(args).exitCode == 0);
        }
        QVERIFY(QFile::exists(sharded + "/results.shard-2-of-3.jsonl"));
        const CliRun merged = runCli({"eval-merge", "--out", sharded});
        QVERIFY2(merged.exitCode == 0, merged.err.constData());
        QCOMPARE(recordsWithoutTimings(sharded + "/results.jsonl"), recordsWithoutTimings(whole + "/results.jsonl"));
        QCOMPARE(readAll(sharded + "/summary.md").split('\n')[2].left(40), readAll(whole + "/summary.md").split('\n')[2].left(40));

        // Merged into a folder of its own, the result opens like any run (here in eval-gallery).
        const QString elsewhere = dir_.filePath("merged-elsewhere");
        const CliRun apart = runCli({"eval-merge", "--out", elsewhere, "--from", sharded});
        QVERIFY2(apart.exitCode == 0, apart.err.constData());
        QCOMPARE(recordsWithoutTimings(elsewhere + "/results.jsonl"), recordsWithoutTimings(whole + "/results.jsonl"));
        const CliRun gallery = runCli({"eval-gallery", "--run", elsewhere, "--out", dir_.filePath("merged-gallery")});
        QVERIFY2(gallery.exitCode == 0, gallery.err.constData());
    }

    void vanillaIsTheReferenceWhereverItIsListed() {
        const QString out = dir_.filePath("order");
        const CliRun run = runCli({"eval", "--model", kModel, "--data", data_, "--out", out, "--modes", "fac,vanilla",
                                   "--limit", "2", "--threads", "1"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const auto summary = nlohmann::json::parse(readAll(out + "/summary.json").toStdString());
        QCOMPARE(summary[0].at("mode").get<std::string>(), std::string("vanilla"));
        QVERIFY(!summary[0].contains("versus_reference"));
        QCOMPARE(summary[1].at("versus_reference").at("paired").get<int64_t>(), int64_t(2));
    }

    void badRowsAreReportedWithTheirLines() {
        QFile in(data_);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = in.readAll().split('\n');
        const QString bad = dir_.filePath("demo-data/bad.jsonl");
        QFile out(bad);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(lines[0] + "\n{broken\n" + lines[1] + "\n");
        out.write(R"({"id": "x", "image": "images/missing.png", "question": "How many?", "answer": "1", "answer_type": "number"})" "\n");
        // Longer than the model's context (32,768 positions): this question cannot run, the others still do.
        out.write(R"({"id": "long", "question": ")" + QByteArray("many words ").repeated(20000) +
                  R"(", "answer": "1", "answer_type": "number"})" "\n");
        out.close();
        const CliRun run = runCli({"eval", "--model", kModel, "--data", bad, "--out", dir_.filePath("bad"), "--modes", "vanilla",
                                "--threads", "1"});
        QCOMPARE(run.exitCode, 1);  // a question was skipped: the run says so
        QVERIFY2(run.err.contains("bad.jsonl:2: skipped: not valid JSON"), run.err.constData());
        QVERIFY2(run.err.contains("bad.jsonl:4: question 'x' skipped") && run.err.contains("missing.png"), run.err.constData());
        QVERIFY2(run.err.contains("bad.jsonl:5: question 'long' (vanilla) skipped") && run.err.contains("context holds 32768"),
                 run.err.constData());
        QVERIFY(run.err.contains("2 questions were skipped"));
        QCOMPARE(readEvalRecords(dir_.filePath("bad/results.jsonl").toStdString()).records.size(), size_t(2));
    }
};

QTEST_GUILESS_MAIN(EvalCliTest)
#include "test_eval.moc"
