// headscope-cli sweep on the bundled demo model: the CSV holds one row per setting, invariants hold across
// settings (selecting no heads reproduces vanilla answer for answer; the same rule reached from the layer
// grid and from the gain grid gives the same answers), the plots are real PNG and SVG files, a second run
// resumes without redoing anything, and other settings in the same folder are refused.
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <map>

#include "cli_run.h"
#include "headscope/eval_records.h"

using namespace headscope;

using headscope::testing::CliRun;
using headscope::testing::runCli;

namespace {

const QString kModel = QStringLiteral(HEADSCOPE_RESOURCES_DIR "/models/shapes-demo");

// Width and height from a PNG's IHDR chunk (big-endian at bytes 16 and 20); 0 x 0 when it is not a PNG.
std::pair<int, int> pngSize(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {0, 0};
    const QByteArray head = file.read(24);
    if (head.size() < 24 || !head.startsWith("\x89PNG\r\n\x1a\n") || head.mid(12, 4) != "IHDR") return {0, 0};
    auto be32 = [&](int at) {
        int value = 0;
        for (int i = 0; i < 4; ++i) value = (value << 8) | uint8_t(head[at + i]);
        return value;
    };
    return {be32(16), be32(20)};
}

// generated text per (mode, question)
std::map<std::pair<std::string, int64_t>, std::string> answers(const QString& path) {
    std::map<std::pair<std::string, int64_t>, std::string> out;
    for (const EvalRecord& r : readEvalRecords(path.toStdString()).records) out[{r.mode, r.index}] = r.generated;
    return out;
}

}  // namespace

class SweepCliTest : public QObject {
    Q_OBJECT

private slots:
    void sweepsWritesPlotsAndResumes() {
        QTemporaryDir dir;
        const QString data = dir.filePath("data");
        QVERIFY(runCli({"make-demo-data", "--out", data, "--count", "6"}).exitCode == 0);
        const QString out = dir.filePath("sweep");
        const QStringList args = {"sweep", "--model", kModel, "--data", data + "/questions.jsonl", "--out", out,
                                  "--l-perc-values", "3,7", "--l-reas-values", "3", "--g-perc-values", "1.16",
                                  "--g-reas-values", "1.3", "--fractions", "0,0.1", "--threads", "1"};
        const CliRun run = runCli(args);
        QVERIFY2(run.exitCode == 0, run.err.constData());

        const QList<QByteArray> lines = run.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 7);  // header, vanilla, 2 layer settings, 1 gain setting, 2 fractions
        QVERIFY(lines[0].startsWith("kind,l_perc,l_reas,g_perc,g_reas,fraction,questions,correct,accuracy"));
        QVERIFY(lines[1].startsWith("vanilla,,,,,,6,"));
        QVERIFY(lines[2].startsWith("layers,3,3,1.16,1.3,,6,"));
        QVERIFY(lines[5].startsWith("fraction,7,3,1.16,1.3,0,6,"));
        QVERIFY(lines[5].endsWith(",0"));  // no head selected
        QFile csv(out + "/sweep.csv");
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll(), run.out);  // the printed table is the file

        const auto generated = answers(out + "/sweep.jsonl");
        QCOMPARE(generated.size(), size_t(6 * 6));
        for (int64_t q = 0; q < 6; ++q) {
            // Gains of 1 everywhere change nothing, answer for answer.
            QCOMPARE(generated.at({"fraction:0", q}), generated.at({"vanilla", q}));
            // l_perc 7, l_reas 3 with gains 1.16 / 1.3 is one rule, whichever grid reaches it.
            QCOMPARE(generated.at({"gains:1.16:1.3", q}), generated.at({"layers:7:3", q}));
        }

        for (const char* plot : {"sweep-layers", "sweep-gains", "sweep-fraction"}) {
            QVERIFY2(pngSize(out + "/" + plot + ".png") == std::make_pair(720, 480), plot);
            QFile svg(out + "/" + plot + ".svg");
            QVERIFY(svg.open(QIODevice::ReadOnly));
            QVERIFY2(svg.readAll().contains("<svg"), plot);
        }

        // Everything is already done: a second run redoes nothing and writes the same table.
        const CliRun again = runCli(args);
        QVERIFY2(again.exitCode == 0, again.err.constData());
        QVERIFY(again.err.contains("resuming with 36 results kept"));
        QCOMPARE(again.out, run.out);

        QStringList other = args;
        other << "--max-new-tokens" << "8";
        const CliRun refused = runCli(other);
        QCOMPARE(refused.exitCode, 2);
        QVERIFY(refused.err.contains("other settings"));
    }
};

QTEST_GUILESS_MAIN(SweepCliTest)
#include "test_sweep.moc"
