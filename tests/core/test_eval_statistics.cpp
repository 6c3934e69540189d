// The evaluation table's statistics against values computed by hand: Wilson intervals, the exact McNemar
// test, the paired difference and its interval, and the per-mode summary of a small set of records.
#include <QtTest>

#include <cmath>

#include "headscope/eval_records.h"
#include "headscope/eval_statistics.h"

using namespace headscope;

namespace {

bool near(double a, double b, double tolerance = 1e-6) { return std::abs(a - b) <= tolerance; }

EvalRecord record(int64_t index, const std::string& mode, bool correct, double latency, int64_t tokens,
                  const std::string& extracted = "x") {
    EvalRecord r;
    r.index = index;
    r.id = "q" + std::to_string(index);
    r.mode = mode;
    r.correct = correct;
    r.latencySeconds = latency;
    r.generatedTokens = tokens;
    r.extracted = extracted;
    return r;
}

}  // namespace

class EvalStatisticsTest : public QObject {
    Q_OBJECT

private slots:
    void wilsonIntervalByHand() {
        // 8 of 10: centre (0.8 + z^2/20) / (1 + z^2/10) = 0.716740, half-width
        // z sqrt(0.016 + z^2/400) / (1 + z^2/10) = 0.226578 (tables give 0.4902-0.9433).
        const Interval eight = wilsonInterval(8, 10);
        QVERIFY2(near(eight.low, 0.490162) && near(eight.high, 0.943318),
                 qPrintable(QString("%1 %2").arg(eight.low).arg(eight.high)));
        // 0 of 10 starts at exactly 0 and reaches (z^2/10) / (1 + z^2/10) = 0.277533.
        const Interval none = wilsonInterval(0, 10);
        QCOMPARE(none.low, 0.0);
        QVERIFY(near(none.high, 0.277533));
        // Symmetric: 10 of 10 mirrors 0 of 10.
        const Interval all = wilsonInterval(10, 10);
        QVERIFY(near(all.low, 1 - none.high) && near(all.high, 1.0));
        QCOMPARE(wilsonInterval(0, 0).high, 0.0);
    }

    void mcnemarExactByHand() {
        QVERIFY(near(mcnemarExactP(1, 9), 22.0 / 1024, 1e-12));  // 2 * (C(10,0) + C(10,1)) / 2^10
        QVERIFY(near(mcnemarExactP(9, 1), 22.0 / 1024, 1e-12));
        QVERIFY(near(mcnemarExactP(3, 0), 0.25, 1e-12));        // 2 * 1/8
        QCOMPARE(mcnemarExactP(5, 5), 1.0);          // capped
        QCOMPARE(mcnemarExactP(0, 0), 1.0);          // no discordant pairs
        // Large counts stay finite (log-space sums): 400 vs 600 of 1000 is far beyond chance.
        const double p = mcnemarExactP(400, 600);
        QVERIFY2(p > 0 && p < 1e-8, qPrintable(QString::number(p)));
        QVERIFY(near(p, mcnemarExactP(600, 400), 1e-20));
    }

    void pairedDifferenceByHand() {
        // 20 questions, b = 2 (only the reference right), c = 6: difference 4/20 = 0.2;
        // se = sqrt(8 - 16/20) / 20 = 0.1341641, so 0.2 -+ 1.959964 * se.
        const PairedComparison p = comparePaired(20, 2, 6);
        QVERIFY(near(p.difference, 0.2));
        QVERIFY(near(p.differenceInterval.low, -0.062957));
        QVERIFY(near(p.differenceInterval.high, 0.462957));
        QVERIFY(near(p.mcnemarP, 2 * (1 + 8 + 28) / 256.0));  // n = 8, k = 2
    }

    void summaryPairsModesOnTheSameQuestions() {
        // vanilla right on 0, 1, 2; fac right on 1, 2, 3 and also ran question 4, which vanilla did not.
        std::vector<EvalRecord> records = {
            record(0, "vanilla", true, 1.0, 10), record(1, "vanilla", true, 1.0, 10), record(2, "vanilla", true, 2.0, 20),
            record(3, "vanilla", false, 2.0, 20, ""), record(0, "fac", false, 1.5, 12), record(1, "fac", true, 1.5, 12),
            record(2, "fac", true, 3.0, 24), record(3, "fac", true, 3.0, 24), record(4, "fac", false, 9.0, 90)};
        const auto rows = summarizeEval(records, {"vanilla", "fac"});
        QCOMPARE(rows.size(), size_t(2));
        QCOMPARE(rows[0].total, int64_t(4));
        QCOMPARE(rows[0].correct, int64_t(3));
        QCOMPARE(rows[0].unanswered, int64_t(1));
        QVERIFY(!rows[0].hasReference);
        QVERIFY(near(rows[0].meanLatencySeconds, 1.5));
        QCOMPARE(rows[1].total, int64_t(5));
        QCOMPARE(rows[1].correct, int64_t(3));
        QVERIFY(rows[1].hasReference);
        QCOMPARE(rows[1].versusReference.total, int64_t(4));  // question 4 is unpaired
        QCOMPARE(rows[1].versusReference.onlyFirstRight, int64_t(1));
        QCOMPARE(rows[1].versusReference.onlySecondRight, int64_t(1));
        QVERIFY(near(rows[1].latencyRatio, 9.0 / 6.0));  // paired questions only
        QVERIFY(near(rows[1].meanGeneratedTokens, (12 + 12 + 24 + 24 + 90) / 5.0));
        const std::string table = evalSummaryMarkdown(rows);
        QVERIFY(table.find("| fac | 5 | 3 | 60.0 (") != std::string::npos);
        QVERIFY(table.find("| 1 / 1 | 1 |") != std::string::npos);  // b / c and McNemar p
    }
};

QTEST_GUILESS_MAIN(EvalStatisticsTest)
#include "test_eval_statistics.moc"
