// Maps from attention rows: head aggregation, the merged image-token grid and the stretch to pixels, checked
// against values worked out by hand in the comments.
#include <QtTest/QtTest>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "expect_error.h"
#include "headscope/error.h"
#include "headscope/head_classes.h"
#include "headscope/maps.h"

using namespace headscope;

namespace {

// 2 layers x 2 heads x 5 keys:
//   (0,0) 1 2 3 4 5
//   (0,1) 5 4 3 2 1
//   (1,0) 0 0 10 0 0
//   (1,1) 2 2 2 2 2
FloatArray handMadeRows() {
    return FloatArray({2, 2, 5}, {
                                     1, 2, 3, 4, 5,   // layer 0, head 0
                                     5, 4, 3, 2, 1,   // layer 0, head 1
                                     0, 0, 10, 0, 0,  // layer 1, head 0
                                     2, 2, 2, 2, 2,   // layer 1, head 1
                                 });
}

void expectValues(const std::vector<float>& actual, const std::vector<float>& expected) {
    QCOMPARE(actual.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i)
        QVERIFY2(std::fabs(actual[i] - expected[i]) <= 1e-5f,
                 qPrintable(QStringLiteral("value %1 is %2, expected %3")
                                .arg(i)
                                .arg(actual[i])
                                .arg(expected[i])));
}

using headscope::testing::expectInvalid;

bool sameHeads(const std::vector<HeadRef>& actual, const std::vector<HeadRef>& expected) {
    if (actual.size() != expected.size()) return false;
    for (size_t i = 0; i < actual.size(); ++i)
        if (actual[i].layer != expected[i].layer || actual[i].head != expected[i].head) return false;
    return true;
}

}  // namespace

class TestMaps : public QObject {
    Q_OBJECT

private slots:
    void meanOverAllHeads() {
        // Column sums 8 8 18 8 8, divided by 4 heads.
        const FloatArray row = aggregateRows(handMadeRows(), allHeads(2, 2), HeadAggregation::Mean);
        QCOMPARE(row.shape, (std::vector<int64_t>{5}));
        expectValues(row.data, {2.0f, 2.0f, 4.5f, 2.0f, 2.0f});
    }

    void meanOverChosenHeads() {
        // (0,0) and (1,1): (1+2)/2, (2+2)/2, (3+2)/2, (4+2)/2, (5+2)/2.
        const FloatArray row = aggregateRows(handMadeRows(), {{0, 0}, {1, 1}}, HeadAggregation::Mean);
        expectValues(row.data, {1.5f, 2.0f, 2.5f, 3.0f, 3.5f});
    }

    void weightedByAbsoluteContribution() {
        // C = [[1, -3], [0, 4]]: |C| sums to 8, weights 1/8, 3/8, 0, 4/8.
        //   key 0: 1/8 + 15/8 + 0 + 8/8 = 3      key 1: 2/8 + 12/8 + 8/8 = 2.75
        //   key 2: 3/8 + 9/8 + 0 + 8/8 = 2.5     key 3: 4/8 + 6/8 + 8/8 = 2.25
        //   key 4: 5/8 + 3/8 + 8/8 = 2
        const FloatArray contribution({2, 2}, {1.0f, -3.0f, 0.0f, 4.0f});
        const FloatArray row = aggregateRows(handMadeRows(), allHeads(2, 2),
                                             HeadAggregation::ContributionWeighted, contribution);
        expectValues(row.data, {3.0f, 2.75f, 2.5f, 2.25f, 2.0f});
    }

    void weightsAreNormalisedOverChosenHeads() {
        // Heads (0,0) and (0,1) with |C| 1 and 3 -> weights 1/4 and 3/4 (the 4 of (1,1) plays no part):
        //   1/4 + 15/4 = 4, 2/4 + 12/4 = 3.5, 3/4 + 9/4 = 3, 4/4 + 6/4 = 2.5, 5/4 + 3/4 = 2.
        const FloatArray contribution({2, 2}, {1.0f, -3.0f, 0.0f, 4.0f});
        const FloatArray row = aggregateRows(handMadeRows(), {{0, 0}, {0, 1}},
                                             HeadAggregation::ContributionWeighted, contribution);
        expectValues(row.data, {4.0f, 3.5f, 3.0f, 2.5f, 2.0f});
    }

    void zeroContributionsFallBackToMean() {
        const FloatArray zeros({2, 2}, {0.0f, 0.0f, 0.0f, 0.0f});
        const FloatArray all = aggregateRows(handMadeRows(), allHeads(2, 2),
                                             HeadAggregation::ContributionWeighted, zeros);
        expectValues(all.data, {2.0f, 2.0f, 4.5f, 2.0f, 2.0f});
        // Only head (1,0) chosen, whose C is 0 although others are not: its own row.
        const FloatArray contribution({2, 2}, {1.0f, -3.0f, 0.0f, 4.0f});
        const FloatArray single = aggregateRows(handMadeRows(), {{1, 0}},
                                                HeadAggregation::ContributionWeighted, contribution);
        expectValues(single.data, {0.0f, 0.0f, 10.0f, 0.0f, 0.0f});
    }

    void aggregationRefusals() {
        const FloatArray rows = handMadeRows();
        expectInvalid([&] { aggregateRows(rows, {}, HeadAggregation::Mean); }, "no heads");
        expectInvalid([&] { aggregateRows(rows, {{2, 0}}, HeadAggregation::Mean); }, "layer 2, head 0");
        expectInvalid([&] { aggregateRows(rows, {{0, -1}}, HeadAggregation::Mean); }, "head -1");
        expectInvalid([&] { aggregateRows(FloatArray({2, 5}), {{0, 0}}, HeadAggregation::Mean); },
                      "3 dimension(s)");
        const FloatArray wrongShape({2, 3}, std::vector<float>(6, 1.0f));
        expectInvalid(
            [&] { aggregateRows(rows, {{0, 0}}, HeadAggregation::ContributionWeighted, wrongShape); },
            "[2, 3]");
        expectInvalid([&] { aggregateRows(rows, {{0, 0}}, HeadAggregation::ContributionWeighted); },
                      "contribution map");
    }

    void headLists() {
        // Classes [[P, O, R], [R, P, O]].
        HeadClassification classification;
        classification.classes = Int64Array({2, 3}, {1, 0, 2, 2, 1, 0});
        QVERIFY(sameHeads(headsOfClass(classification, HeadClass::Perception), {{0, 0}, {1, 1}}));
        QVERIFY(sameHeads(headsOfClass(classification, HeadClass::Reasoning), {{0, 2}, {1, 0}}));
        QVERIFY(sameHeads(headsOfClass(classification, HeadClass::Other), {{0, 1}, {1, 2}}));
        QVERIFY(sameHeads(allHeads(2, 3), {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}}));
        QVERIFY(allHeads(0, 3).empty());
    }

    void imageTokensOnTheMergedGrid() {
        // Grid h 4, w 6, merge 2 -> 2 x 3 merged cells = 6 tokens at keys 4..9 of a 14-key row. Key k holds
        // 100 + k inside the span and -1 outside, so each cell shows which key it came from:
        //   cell (0,0) key 4, (0,1) key 5, (0,2) key 6, (1,0) key 7, (1,1) key 8, (1,2) key 9.
        FloatArray row({14}, std::vector<float>(14, -1.0f));
        for (int k = 4; k < 10; ++k) row.data[size_t(k)] = 100.0f + float(k);
        const FloatArray map = imageGridMap(row, {"image", 4, 10}, GridTHW{1, 4, 6}, 2);
        QCOMPARE(map.shape, (std::vector<int64_t>{2, 3}));
        QCOMPARE(map.data, (std::vector<float>{104, 105, 106, 107, 108, 109}));
    }

    void temporalSlicesAreAveraged() {
        // Grid t 2, h 2, w 4, merge 2 -> 1 x 2 cells per slice, 4 tokens at keys 1..4: slice 0 is [1, 2],
        // slice 1 is [3, 5], so the cells are (1 + 3) / 2 = 2 and (2 + 5) / 2 = 3.5.
        const FloatArray row({6}, {9, 1, 2, 3, 5, 9});
        const FloatArray map = imageGridMap(row, {"image", 1, 5}, GridTHW{2, 2, 4}, 2);
        QCOMPARE(map.shape, (std::vector<int64_t>{1, 2}));
        expectValues(map.data, {2.0f, 3.5f});
    }

    void gridRefusals() {
        const FloatArray row({14}, std::vector<float>(14, 0.0f));
        expectInvalid([&] { imageGridMap(row, {"image", 4, 9}, GridTHW{1, 4, 6}, 2); },
                      "holds 5 tokens; the image grid has 6");
        expectInvalid([&] { imageGridMap(row, {"image", 10, 16}, GridTHW{1, 4, 6}, 2); }, "14 keys");
        expectInvalid([&] { imageGridMap(row, {"image", 4, 10}, GridTHW{1, 5, 6}, 2); }, "not divisible");
        expectInvalid([&] { imageGridMap(row, {"image", 4, 10}, GridTHW{1, 4, 6}, 0); }, "merge size");
    }

    void constantMapStaysConstant() {
        const FloatArray map({2, 3}, std::vector<float>(6, 0.7f));
        const FloatArray pixels = mapToPixels(map, 7, 5);
        QCOMPARE(pixels.shape, (std::vector<int64_t>{5, 7}));  // [height, width]
        expectValues(pixels.data, std::vector<float>(35, 0.7f));
    }

    void bilinearBetweenCellCentres() {
        // [0, 1] to 4 pixels: pixel x samples (x + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75,
        // 1.25 (clamped to 1), giving 0, 0.25, 0.75, 1. One source row: every output row is the same.
        const FloatArray pixels = mapToPixels(FloatArray({1, 2}, {0.0f, 1.0f}), 4, 3);
        QCOMPARE(pixels.shape, (std::vector<int64_t>{3, 4}));
        expectValues(pixels.data, {0, 0.25f, 0.75f, 1, 0, 0.25f, 0.75f, 1, 0, 0.25f, 0.75f, 1});
    }

    void bilinearInBothDirections() {
        // [[0, 1], [2, 3]] is 0 + x + 2y on the cell centres; with the per-axis positions 0, 0.25, 0.75, 1
        // from above, pixel (y, x) is pos(x) + 2 pos(y).
        const FloatArray pixels = mapToPixels(FloatArray({2, 2}, {0, 1, 2, 3}), 4, 4);
        QCOMPARE(pixels.shape, (std::vector<int64_t>{4, 4}));
        expectValues(pixels.data, {
                                      0.0f, 0.25f, 0.75f, 1.0f,  // y 0: + 0
                                      0.5f, 0.75f, 1.25f, 1.5f,  // y 1: + 2 * 0.25
                                      1.5f, 1.75f, 2.25f, 2.5f,  // y 2: + 2 * 0.75
                                      2.0f, 2.25f, 2.75f, 3.0f,  // y 3: + 2 * 1
                                  });
    }

    void pixelRefusals() {
        const FloatArray map({2, 2}, {0, 1, 2, 3});
        expectInvalid([&] { mapToPixels(map, 0, 4); }, "must be positive");
        expectInvalid([&] { mapToPixels(map, 4, -1); }, "must be positive");
        expectInvalid([] { mapToPixels(FloatArray({4}, {0, 1, 2, 3}), 4, 4); }, "2 dimension(s)");
    }
};

QTEST_APPLESS_MAIN(TestMaps)
#include "test_maps.moc"
