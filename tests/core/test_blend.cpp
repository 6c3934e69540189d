// Blending a pixel map onto its picture, checked against hand-computed pixels and OpenCV's documented viridis
// end points: level 0 is RGB (68, 1, 84), level 255 is RGB (253, 231, 37).
#include <QtTest/QtTest>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "expect_error.h"
#include "headscope/error.h"
#include "headscope/image.h"
#include "headscope/maps.h"

using namespace headscope;

namespace {

struct Rgb {
    int r, g, b;
};

const Rgb lowestViridis{68, 1, 84};
const Rgb highestViridis{253, 231, 37};

// 2 x 2 pixels, row-major: white, black / (10, 20, 30), (100, 150, 200).
RgbImage handMadeImage() {
    RgbImage image;
    image.width = 2;
    image.height = 2;
    image.pixels = {255, 255, 255, 0, 0, 0, 10, 20, 30, 100, 150, 200};
    return image;
}

// Minimum -2 at (0, 0) and (1, 1), maximum 6 at (0, 1) and (1, 0): the two viridis end points.
FloatArray extremesMap() { return FloatArray({2, 2}, {-2.0f, 6.0f, 6.0f, -2.0f}); }

RgbImage uniformImage(int width, int height, uint8_t grey) {
    RgbImage image;
    image.width = width;
    image.height = height;
    image.pixels.assign(static_cast<size_t>(width) * height * 3, grey);
    return image;
}

void expectPixel(const RgbImage& image, int x, int y, Rgb expected) {
    const size_t at = (static_cast<size_t>(y) * image.width + x) * 3;
    const Rgb actual{image.pixels.at(at), image.pixels.at(at + 1), image.pixels.at(at + 2)};
    QVERIFY2(actual.r == expected.r && actual.g == expected.g && actual.b == expected.b,
             qPrintable(QStringLiteral("pixel (%1, %2) is (%3, %4, %5), expected (%6, %7, %8)")
                            .arg(x)
                            .arg(y)
                            .arg(actual.r)
                            .arg(actual.g)
                            .arg(actual.b)
                            .arg(expected.r)
                            .arg(expected.g)
                            .arg(expected.b)));
}

using headscope::testing::expectInvalid;

}  // namespace

class TestBlend : public QObject {
    Q_OBJECT

private slots:
    void opacityZeroReturnsTheImage() {
        const RgbImage image = handMadeImage();
        const RgbImage blended = blendMapOntoImage(image, extremesMap(), 0.0);
        QCOMPARE(blended.width, 2);
        QCOMPARE(blended.height, 2);
        QCOMPARE(blended.pixels, image.pixels);
    }

    void opacityOneGivesTheViridisEndsInRgbOrder() {
        // In BGR order the lowest colour would read (84, 1, 68): this tells the channel order apart.
        const RgbImage blended = blendMapOntoImage(handMadeImage(), extremesMap(), 1.0);
        expectPixel(blended, 0, 0, lowestViridis);
        expectPixel(blended, 1, 0, highestViridis);
        expectPixel(blended, 0, 1, highestViridis);
        expectPixel(blended, 1, 1, lowestViridis);
    }

    void halfOpacityAveragesAndRoundsTiesToEven() {
        const RgbImage blended = blendMapOntoImage(handMadeImage(), extremesMap(), 0.5);
        // White under the lowest colour: (255 + 68) / 2 = 161.5 -> 162, (255 + 1) / 2 = 128,
        // (255 + 84) / 2 = 169.5 -> 170.
        expectPixel(blended, 0, 0, {162, 128, 170});
        // Black under the highest colour: 253 / 2 = 126.5 -> 126, 231 / 2 = 115.5 -> 116, 37 / 2 = 18.5 -> 18
        // (ties go to the even neighbour, as cvRound does; rounding half up would give 127, 116, 19).
        expectPixel(blended, 1, 0, {126, 116, 18});
        // (10, 20, 30) under the highest colour: (10 + 253) / 2 = 131.5 -> 132,
        // (20 + 231) / 2 = 125.5 -> 126, (30 + 37) / 2 = 33.5 -> 34.
        expectPixel(blended, 0, 1, {132, 126, 34});
        // (100, 150, 200) under the lowest colour: (100 + 68) / 2 = 84, (150 + 1) / 2 = 75.5 -> 76,
        // (200 + 84) / 2 = 142.
        expectPixel(blended, 1, 1, {84, 76, 142});
    }

    void quarterOpacityWeighsTheImageThreeToOne() {
        const RgbImage blended = blendMapOntoImage(handMadeImage(), extremesMap(), 0.25);
        // White under the lowest colour: 0.75 * 255 + 0.25 * 68 = 191.25 + 17 = 208.25 -> 208,
        // 191.25 + 0.25 = 191.5 -> 192, 191.25 + 21 = 212.25 -> 212.
        expectPixel(blended, 0, 0, {208, 192, 212});
        // (100, 150, 200) under the lowest colour: 75 + 17 = 92, 112.5 + 0.25 = 112.75 -> 113,
        // 150 + 21 = 171.
        expectPixel(blended, 1, 1, {92, 113, 171});
    }

    void constantMapBlendsTheLowestColour() {
        const FloatArray constant({2, 2}, {5.0f, 5.0f, 5.0f, 5.0f});
        const RgbImage blended = blendMapOntoImage(handMadeImage(), constant, 1.0);
        for (int y = 0; y < 2; ++y)
            for (int x = 0; x < 2; ++x) expectPixel(blended, x, y, lowestViridis);
    }

    void mapIsScaledOverItsOwnRange() {
        // 3 * m + 100 spans its own min..max exactly as m does, so both draw the same colours.
        const FloatArray map({2, 2}, {0.0f, 1.0f, 2.0f, 3.0f});
        const FloatArray shifted({2, 2}, {100.0f, 103.0f, 106.0f, 109.0f});
        const RgbImage image = handMadeImage();
        QCOMPARE(blendMapOntoImage(image, shifted, 0.7).pixels, blendMapOntoImage(image, map, 0.7).pixels);
        // A tiny range on top of a large offset still reaches both ends.
        const FloatArray offset({2, 2}, {1.0e6f, 1.0e6f + 0.125f, 1.0e6f + 0.125f, 1.0e6f});
        const RgbImage blended = blendMapOntoImage(image, offset, 1.0);
        expectPixel(blended, 0, 0, lowestViridis);
        expectPixel(blended, 1, 0, highestViridis);
    }

    void refusals() {
        const RgbImage image = handMadeImage();
        const FloatArray map = extremesMap();
        expectInvalid([&] { blendMapOntoImage(image, FloatArray({2, 3}, std::vector<float>(6, 0.0f)), 0.5); },
                      "[2, 3]");
        expectInvalid([&] { blendMapOntoImage(image, FloatArray({4}, {0, 1, 2, 3}), 0.5); }, "[2, 2]");
        expectInvalid([&] { blendMapOntoImage(image, map, 1.5); }, "[0, 1]");
        expectInvalid([&] { blendMapOntoImage(image, map, -0.1); }, "[0, 1]");
        expectInvalid([&] { blendMapOntoImage(image, map, std::nan("")); }, "[0, 1]");
        const float nan = std::numeric_limits<float>::quiet_NaN();
        expectInvalid([&] { blendMapOntoImage(image, FloatArray({2, 2}, {0.0f, 1.0f, nan, 2.0f}), 0.5); },
                      "row 1, column 0");
        const float infinity = std::numeric_limits<float>::infinity();
        const FloatArray infinite({2, 2}, {0.0f, infinity, 1.0f, 2.0f});
        expectInvalid([&] { blendMapOntoImage(image, infinite, 0.5); }, "non-finite");
        expectInvalid([&] { blendMapOntoImage(RgbImage{}, FloatArray{}, 0.5); }, "empty image");
        RgbImage truncated = image;
        truncated.pixels.pop_back();
        expectInvalid([&] { blendMapOntoImage(truncated, map, 0.5); }, "11 bytes");
    }

    void gridMapStretchedAndBlendedEndToEnd() {
        // A 4 x 4 grid 0 .. 15 (row-major) stretched to 56 x 56: each cell covers 14 x 14 pixels and the
        // pixels up to the first cell centre (7.5 pixels in) clamp to the cell's own value, so the top-left
        // 7 x 7 corner is 0 (the minimum) and the bottom-right one 15 (the maximum).
        FloatArray grid({4, 4});
        for (int i = 0; i < 16; ++i) grid.data[static_cast<size_t>(i)] = static_cast<float>(i);
        const FloatArray pixels = mapToPixels(grid, 56, 56);
        QCOMPARE(pixels.shape, (std::vector<int64_t>{56, 56}));

        const RgbImage grey = uniformImage(56, 56, 100);
        const RgbImage full = blendMapOntoImage(grey, pixels, 1.0);
        QCOMPARE(full.width, 56);
        QCOMPARE(full.height, 56);
        for (int at : {0, 3, 6}) {
            expectPixel(full, at, at, lowestViridis);
            expectPixel(full, 55 - at, 55 - at, highestViridis);
        }
        // Grey 100 under the lowest colour at half opacity: (100 + 68) / 2 = 84, (100 + 1) / 2 = 50.5 -> 50,
        // (100 + 84) / 2 = 92. Under the highest: 176.5 -> 176, 165.5 -> 166, 68.5 -> 68.
        const RgbImage half = blendMapOntoImage(grey, pixels, 0.5);
        expectPixel(half, 0, 0, {84, 50, 92});
        expectPixel(half, 55, 55, {176, 166, 68});
    }
};

QTEST_APPLESS_MAIN(TestBlend)
#include "test_blend.moc"
