// The comparison every parity check relies on must not pass a broken output: a NaN, an infinity, a shorter
// or longer array, or one of another shape is infinitely far from the reference.
#include <QtTest/QtTest>

#include <cmath>
#include <limits>

#include "reference.h"

using headscope::FloatArray;
using headscope::testing::maxAbsDiff;

class ComparisonHelpersTest : public QObject {
    Q_OBJECT

private slots:
    void measuresTheLargestDifference() {
        QCOMPARE(maxAbsDiff(std::vector<float>{1, 2, 3}, std::vector<double>{1, 2.5, 2}), 1.0);
        QCOMPARE(maxAbsDiff(std::vector<float>{}, std::vector<float>{}), 0.0);
    }

    void brokenOutputsAreInfinitelyFar() {
        const double inf = std::numeric_limits<double>::infinity();
        const float nan = std::numeric_limits<float>::quiet_NaN();
        QCOMPARE(maxAbsDiff(std::vector<float>{1, nan}, std::vector<float>{1, 2}), inf);
        QCOMPARE(maxAbsDiff(std::vector<float>{1, 2}, std::vector<float>{nan, 2}), inf);
        QCOMPARE(maxAbsDiff(std::vector<float>{1, std::numeric_limits<float>::infinity()}, std::vector<float>{1, 2}), inf);
        QCOMPARE(maxAbsDiff(std::vector<float>{}, std::vector<float>{1}), inf);  // an empty output
        QCOMPARE(maxAbsDiff(std::vector<float>{1, 2}, std::vector<float>{1}), inf);  // a truncated one
        QVERIFY(!(maxAbsDiff(std::vector<float>{}, std::vector<float>{1}) <= 1e-5));
    }

    void shapedArraysMustAgreeInShape() {
        const FloatArray a({2, 3}, {1, 2, 3, 4, 5, 6});
        const FloatArray b({3, 2}, {1, 2, 3, 4, 5, 6});
        QCOMPARE(maxAbsDiff(a, a), 0.0);
        QCOMPARE(maxAbsDiff(a, b), std::numeric_limits<double>::infinity());
    }
};

QTEST_GUILESS_MAIN(ComparisonHelpersTest)
#include "test_comparison_helpers.moc"
