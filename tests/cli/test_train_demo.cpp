// train-demo and eval-demo as a user runs them: a short training interrupted with Ctrl-C keeps its
// checkpoint and resumes when the same command runs again; eval-demo then writes the model card, the
// evaluation and the hallucination gallery into the folder.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <csignal>
#include <nlohmann/json.hpp>

using namespace std::chrono_literals;

namespace {

QStringList trainArguments(const QString& out) {
    return {"train-demo", "--out", out, "--steps", "40", "--batch", "4", "--questions-per-scene", "2",
            "--warmup", "2", "--vision-warmup", "4", "--vision-scenes", "2", "--threads", "1", "--no-eval"};
}

QByteArray readFile(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace

class TrainDemoCliTest : public QObject {
    Q_OBJECT

private slots:
    void interruptedTrainingResumes() {
        QTemporaryDir dir;
        const QString out = dir.filePath("demo");
        QProcess first;
        first.start(QStringLiteral(HEADSCOPE_CLI_PATH), trainArguments(out));
        QVERIFY(first.waitForStarted());
        // Interrupt once training is under way.
        QByteArray err;
        while (!err.contains("training [") && first.state() == QProcess::Running) {
            first.waitForReadyRead(1000);
            err += first.readAllStandardError();
        }
        QVERIFY2(first.state() == QProcess::Running, err.constData());
        QVERIFY2(err.contains("vision warm-up, probe loss"), err.constData());  // the first steps train the vision tower alone
        ::kill(static_cast<pid_t>(first.processId()), SIGINT);
        QVERIFY(first.waitForFinished(120000));
        err += first.readAllStandardError();
        QCOMPARE(first.exitCode(), 130);
        QVERIFY2(err.contains("run the same command again to resume"), err.constData());
        QVERIFY(!QFileInfo::exists(out));
        const auto state = nlohmann::json::parse(readFile(out + ".checkpoint/state/state.json").toStdString());
        const int64_t stoppedAt = state.at("step").get<int64_t>();
        QVERIFY(stoppedAt >= 1 && stoppedAt < 44);

        QProcess second;
        second.start(QStringLiteral(HEADSCOPE_CLI_PATH), trainArguments(out));
        QVERIFY(second.waitForFinished(300000));
        const QByteArray secondErr = second.readAllStandardError();
        QCOMPARE(second.exitCode(), 0);
        QVERIFY2(secondErr.contains("resuming from the checkpoint"), secondErr.constData());
        QVERIFY2(secondErr.contains(QByteArray("resumed from step ") + QByteArray::number(qlonglong(stoppedAt))),
                 secondErr.constData());
        QVERIFY(QFileInfo::exists(out + "/model.safetensors"));

        // A second run over a finished folder refuses instead of overwriting it.
        QProcess third;
        third.start(QStringLiteral(HEADSCOPE_CLI_PATH), trainArguments(out));
        QVERIFY(third.waitForFinished(60000));
        QCOMPARE(third.exitCode(), 1);
        QVERIFY(third.readAllStandardError().contains("already exists"));

        // eval-demo on the (barely trained) model: every file appears and the numbers agree with each other.
        QProcess eval;
        eval.start(QStringLiteral(HEADSCOPE_CLI_PATH),
                   {"eval-demo", "--model", out, "--count", "6", "--fac-count", "2", "--calibration-count", "2",
                    "--gallery", "3", "--threads", "1"});
        QVERIFY(eval.waitForFinished(600000));
        const QByteArray evalErr = eval.readAllStandardError();
        QVERIFY2(eval.exitCode() == 0, evalErr.constData());
        const auto evaluation = nlohmann::json::parse(readFile(out + "/evaluation.json").toStdString());
        QCOMPARE(evaluation.at("test_questions").get<int64_t>(), int64_t(6));
        const auto& baseline = evaluation.at("baseline");
        int64_t total = 0, correct = 0;
        for (const auto& t : baseline.at("per_template")) {
            total += t.at("total").get<int64_t>();
            correct += t.at("correct").get<int64_t>();
        }
        QCOMPARE(total, int64_t(6));
        QCOMPARE(correct, baseline.at("correct").get<int64_t>());
        // Every wrong answer is classed once: perception, reasoning or unparsed.
        QCOMPARE(baseline.at("perception_errors").get<int64_t>() + baseline.at("reasoning_errors").get<int64_t>() +
                     baseline.at("unparsed").get<int64_t>(),
                 total - correct);
        QCOMPARE(evaluation.at("baseline_cases").size(), size_t(6));
        QCOMPARE(evaluation.at("fac").size(), size_t(8));
        QCOMPARE(evaluation.at("visual_share_by_layer").size(), size_t(8));
        const QByteArray card = readFile(out + "/README.md");
        QVERIFY(card.startsWith("---\nlibrary_name: transformers"));
        QVERIFY(card.contains("## Accuracy"));
        QVERIFY(card.contains("First the vision tower alone learns the scenes"));
        // The default training-only task is the inventory, and the card says so; the description is off.
        QVERIFY(card.contains("One of them is a training-only task"));
        QVERIFY(card.contains("\"Count the shapes of each color and kind.\""));
        QVERIFY(!card.contains("List the shapes in the picture."));
        QVERIFY(card.contains("## Functional Attention Control"));
        const int64_t wrong = total - correct;
        const QByteArray gallery = readFile(out + "/gallery/gallery.jsonl");
        QCOMPARE(int64_t(gallery.count('\n')), std::min<int64_t>(wrong, 3));
        for (const QByteArray& line : gallery.split('\n')) {
            if (line.isEmpty()) continue;
            const auto entry = nlohmann::json::parse(line.toStdString());
            QVERIFY(QFileInfo::exists(out + "/gallery/" + QString::fromStdString(entry.at("image").get<std::string>())));
        }
    }

    void badOptionsAreUsageErrors() {
        QTemporaryDir dir;
        QProcess process;
        process.start(QStringLiteral(HEADSCOPE_CLI_PATH),
                      {"train-demo", "--out", dir.filePath("x"), "--batch", "6", "--questions-per-scene", "4"});
        QVERIFY(process.waitForFinished(60000));
        QCOMPARE(process.exitCode(), 1);
        QVERIFY(process.readAllStandardError().contains("multiple of the questions per scene"));
        QVERIFY(!QFileInfo::exists(dir.filePath("x")));
        QVERIFY(!QFileInfo::exists(dir.filePath("x.checkpoint")));
    }
};

QTEST_GUILESS_MAIN(TrainDemoCliTest)
#include "test_train_demo.moc"
