// Image decoding, the Pillow-compatible bicubic resize and the Qwen2-VL image processor, checked against
// hand-computed values and the transformers 4.50 reference output of the shared fixture.
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <sys/resource.h>

#include <cmath>
#include <fstream>
#include <functional>

#include "fixtures.h"
#include "test_helpers.h"
#include "headscope/error.h"
#include "headscope/image.h"
#include "headscope/safetensors.h"
#include "../../core/src/image_header.h"

using namespace headscope;

namespace {

using headscope::testing::makeImage;

uint8_t pixel(const RgbImage& image, int c, int y, int x) {
    return image.pixels[(size_t(y) * image.width + x) * 3 + c];
}

void writeBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// The processor settings of a preprocessor_config.json.
ImageProcessorConfig readProcessorConfig(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot open " + path.toStdString());
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    ImageProcessorConfig config;
    config.minPixels = json.value("min_pixels").toInteger();
    config.maxPixels = json.value("max_pixels").toInteger();
    config.patchSize = json.value("patch_size").toInteger();
    config.mergeSize = json.value("merge_size").toInteger();
    config.temporalPatchSize = json.value("temporal_patch_size").toInteger();
    config.rescaleFactor = json.value("rescale_factor").toDouble();
    config.doResize = json.value("do_resize").toBool();
    config.doRescale = json.value("do_rescale").toBool();
    config.doNormalize = json.value("do_normalize").toBool();
    for (int c = 0; c < 3; ++c) {
        config.mean[c] = float(json.value("image_mean").toArray().at(c).toDouble());
        config.std[c] = float(json.value("image_std").toArray().at(c).toDouble());
    }
    return config;
}

// An APP1 segment holding a big-endian TIFF block with one IFD entry: Orientation (0x0112), SHORT.
std::vector<uint8_t> exifOrientationSegment(uint16_t orientation) {
    const std::vector<uint8_t> payload = {
        'E', 'x', 'i', 'f', 0, 0,                          // APP1 identifier
        'M', 'M', 0, 42, 0, 0, 0, 8,                       // TIFF header, IFD0 at offset 8
        0, 1,                                              // one entry
        0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, uint8_t(orientation), 0, 0,  // tag, type, count, value
        0, 0, 0, 0};                                       // no next IFD
    const size_t length = payload.size() + 2;
    std::vector<uint8_t> segment = {0xFF, 0xE1, uint8_t(length >> 8), uint8_t(length & 0xFF)};
    segment.insert(segment.end(), payload.begin(), payload.end());
    return segment;
}

long peakRssMegabytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;  // Linux reports kilobytes
}

// An 8x4 CMYK JPEG as Pillow 13 writes it (Image.new("CMYK"), quality 95, no subsampling; Adobe marker,
// inverted samples), and what Image.open(...).convert("RGB") gives for it, row by row.
const std::vector<uint8_t> kCmykJpeg = {
    0xFF, 0xD8, 0xFF, 0xEE, 0x00, 0x0E, 0x41, 0x64, 0x6F, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01,
    0x01, 0x02, 0x02, 0x02, 0x02, 0x02, 0x04, 0x03, 0x02, 0x02, 0x02, 0x02, 0x05, 0x04, 0x04, 0x03,
    0x04, 0x06, 0x05, 0x06, 0x06, 0x06, 0x05, 0x06, 0x06, 0x06, 0x07, 0x09, 0x08, 0x06, 0x07, 0x09,
    0x07, 0x06, 0x06, 0x08, 0x0B, 0x08, 0x09, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x06, 0x08, 0x0B, 0x0C,
    0x0B, 0x0A, 0x0C, 0x09, 0x0A, 0x0A, 0x0A, 0xFF, 0xC0, 0x00, 0x14, 0x08, 0x00, 0x04, 0x00, 0x08,
    0x04, 0x43, 0x11, 0x00, 0x4D, 0x11, 0x00, 0x59, 0x11, 0x00, 0x4B, 0x11, 0x00, 0xFF, 0xC4, 0x00,
    0x1F, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0xFF, 0xC4,
    0x00, 0xB5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00,
    0x00, 0x01, 0x7D, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13,
    0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15,
    0x52, 0xD1, 0xF0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46,
    0x47, 0x48, 0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66,
    0x67, 0x68, 0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83, 0x84, 0x85, 0x86,
    0x87, 0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4,
    0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2,
    0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9,
    0xDA, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5,
    0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFF, 0xDA, 0x00, 0x0E, 0x04, 0x43, 0x00, 0x4D, 0x00, 0x59, 0x00,
    0x4B, 0x00, 0x00, 0x3F, 0x00, 0xF7, 0x6F, 0xF8, 0x29, 0xFF, 0x00, 0xFC, 0xA5, 0x3F, 0xE0, 0x67,
    0xFD, 0x9C, 0x07, 0x84, 0xBF, 0xF4, 0xF9, 0x69, 0x53, 0xFF, 0x00, 0xC1, 0x2A, 0x3E, 0x2D, 0x7E,
    0xD2, 0xDF, 0xF0, 0x58, 0x5F, 0xF8, 0x5E, 0x5F, 0xF0, 0xD3, 0x1F, 0xB5, 0x7F, 0xC4, 0x0D, 0x0F,
    0xFE, 0x15, 0xDF, 0xFC, 0x23, 0xFF, 0x00, 0xD8, 0x9F, 0xF0, 0x82, 0xEA, 0x16, 0xD6, 0xDE, 0x7F,
    0xDB, 0xFF, 0x00, 0xB5, 0x3C, 0xEF, 0x3F, 0xED, 0x56, 0xF7, 0x3B, 0xB1, 0xF6, 0x28, 0xB6, 0xED,
    0xD9, 0x8D, 0xCF, 0x9D, 0xD9, 0x1B, 0x7C, 0x57, 0xFE, 0x0D, 0xEE, 0xFF, 0x00, 0x98, 0x1F, 0xFD,
    0xB3, 0xFE, 0x95, 0x4F, 0xE2, 0xDF, 0xFC, 0x15, 0xB7, 0xF6, 0xDF, 0xFD, 0xEF, 0xFC, 0x5D, 0x0F,
    0x5F, 0xF9, 0x66, 0xFF, 0x00, 0xFC, 0x5D, 0x7F, 0xFF, 0xD9,
};
const std::vector<int> kCmykJpegAsRgbByPillow = {
    255, 255, 0, 214, 236, 28, 174, 221, 56, 136, 203, 82, 99, 187, 107, 63, 170, 131, 29, 158, 154, 217, 140, 175,
    205, 147, 0, 171, 135, 23, 138, 121, 44, 108, 109, 65, 78, 96, 84, 50, 84, 103, 23, 72, 120, 168, 63, 135,
    155, 68, 0, 127, 60, 17, 102, 49, 33, 79, 40, 48, 56, 33, 61, 36, 25, 74, 16, 16, 85, 119, 11, 96,
    105, 17, 0, 85, 11, 11, 67, 6, 22, 51, 0, 31, 36, 83, 39, 22, 73, 45, 10, 65, 51, 69, 57, 56,
};

}  // namespace

class TestImage : public QObject {
    Q_OBJECT

private slots:
    void smartResizeKeepsFixtureSize();
    void smartResizeShrinksToMaxPixels();
    void smartResizeGrowsToMinPixels();
    void smartResizeRoundsHalfToEven();
    void smartResizeReproducesFloatRounding();
    void smartResizeRejectsExtremeAspectAndTinyImages();

    void resizeKeepsConstantImage();
    void resizeIdentityReturnsSamePixels();
    void resizeShrinksStepEdge();
    void resizeEnlargesStepEdge();

    void patchOrderMatchesProcessorLayout();
    void normalisedValueOfWhite();
    void preprocessRejectsEmptyImage();

    void decodeGreyPng();
    void decodeRgbaPngOnWhite();
    void decodeSixteenBitPng();
    void decodeAppliesExifOrientation();
    void decodeCmykJpegAsPillowDoes();
    void cmykJpegTakesItsOrientationAndRefusesDamage();
    void decodeErrorsNameTheFile();
    void decompressionBombsAreRefusedBeforeDecoding();
    void bombsInEveryOtherFormatAreRefusedBeforeDecoding();
    void unusablePixelFormatsAreRefusedBeforeDecoding();
    void everyFormatDeclaresItsRealSize();

    void fixtureMatchesTransformers();
    void hugeImageStaysBounded();
};

void TestImage::smartResizeKeepsFixtureSize() {
    // 600 / 28 = 21.43 -> 21 * 28 = 588; 512 / 28 = 18.29 -> 18 * 28 = 504;
    // 588 * 504 = 296352 lies within [3136, 12845056], so no further scaling.
    const ResizedSize size = smartResize(600, 512, 28, 3136, 12845056);
    QCOMPARE(size.height, int64_t(588));
    QCOMPARE(size.width, int64_t(504));
}

void TestImage::smartResizeShrinksToMaxPixels() {
    // 2000x3000 rounds to 1988x2996 = 5956048 > 1003520 (28*28*1280), so
    // beta = sqrt(6000000 / 1003520) = 2.44519; 2000 / beta / 28 = 29.21 -> 29 * 28 = 812;
    // 3000 / beta / 28 = 43.82 -> 43 * 28 = 1204; 812 * 1204 = 977648 <= 1003520.
    const ResizedSize size = smartResize(2000, 3000, 28, 56 * 56, 28 * 28 * 1280);
    QCOMPARE(size.height, int64_t(812));
    QCOMPARE(size.width, int64_t(1204));
}

void TestImage::smartResizeGrowsToMinPixels() {
    // 30x40 rounds to 28x28 = 784 < 3136, so beta = sqrt(3136 / 1200) = 1.61658;
    // 30 * beta / 28 = 1.73 -> ceil 2 -> 56; 40 * beta / 28 = 2.31 -> ceil 3 -> 84.
    const ResizedSize size = smartResize(30, 40, 28, 3136, 12845056);
    QCOMPARE(size.height, int64_t(56));
    QCOMPARE(size.width, int64_t(84));
}

void TestImage::smartResizeRoundsHalfToEven() {
    // 70 = 2 * 28 + 14: 70 / 28 = 2.5 rounds to 2 (even) -> 56, not 84.
    // 98 = 3 * 28 + 14: 98 / 28 = 3.5 rounds to 4 (even) -> 112. 56 * 112 = 6272 >= 3136.
    const ResizedSize size = smartResize(70, 98, 28, 3136, 12845056);
    QCOMPARE(size.height, int64_t(56));
    QCOMPARE(size.width, int64_t(112));
}

void TestImage::smartResizeReproducesFloatRounding() {
    // 20000x20000 with max 12845056 = 3584^2: beta = sqrt(4e8 / 12845056) = 5.580357142857143 and
    // 20000 / beta / 28 evaluates to 127.99999999999999 in doubles, so floor gives 127 -> 3556, not 3584.
    const ResizedSize size = smartResize(20000, 20000, 28, 3136, 12845056);
    QCOMPARE(size.height, int64_t(3556));
    QCOMPARE(size.width, int64_t(3556));
}

void TestImage::smartResizeRejectsExtremeAspectAndTinyImages() {
    try {
        smartResize(28, 5629, 28, 3136, 12845056);  // 5629 / 28 = 201.04 > 200
        QFAIL("an aspect ratio above 200 was accepted");
    } catch (const InvalidInputError& e) {
        QVERIFY2(std::string(e.what()).find("absolute aspect ratio must be smaller than 200, got 201.0357") !=
                     std::string::npos,
                 e.what());
    }
    QCOMPARE(smartResize(28, 5600, 28, 3136, 12845056).width, int64_t(5600));  // exactly 200 is allowed
    // transformers 4.50 refuses sides shorter than the factor (later versions round them up).
    QVERIFY_THROWS_EXCEPTION(InvalidInputError, smartResize(20, 100, 28, 3136, 12845056));
    QVERIFY_THROWS_EXCEPTION(InvalidInputError, smartResize(0, 100, 28, 3136, 12845056));
}

void TestImage::resizeKeepsConstantImage() {
    const uint8_t colour[3] = {10, 200, 77};
    const RgbImage image = makeImage(37, 23, [&](int c, int, int) { return colour[c]; });
    for (auto [w, h] : {std::pair{100, 9}, std::pair{5, 50}, std::pair{37, 61}, std::pair{3, 23}}) {
        const RgbImage out = resizeBicubicPillow(image, w, h);
        QCOMPARE(out.width, w);
        QCOMPARE(out.height, h);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                for (int c = 0; c < 3; ++c) QCOMPARE(pixel(out, c, y, x), colour[c]);
            }
    }
}

void TestImage::resizeIdentityReturnsSamePixels() {
    const RgbImage image =
        makeImage(13, 7, [](int c, int y, int x) { return uint8_t((x * 37 + y * 91 + c * 53) % 256); });
    const RgbImage out = resizeBicubicPillow(image, 13, 7);
    QVERIFY(out.pixels == image.pixels);
}

// Shrinking 4 -> 2 samples: scale 2, support 2 * 2 = 4. Weights f(d / 2), f = Keys cubic with a = -0.5:
// f(0.25) = 111/128, f(0.75) = 29/128, f(1.25) = -9/128; their sum is 242/128.
// Output 0 (centre 1.0) uses inputs 0..3 at distances -0.25, 0.25, 0.75, 1.25 (in filter units);
// output 1 (centre 3.0) the same mirrored. In 22-bit fixed point (x 4194304, rounded away from 0):
// 111/242 -> 1923834, 29/242 -> 502623, -9/242 -> -155987.
// For [0, 0, 255, 255]: out0 = (2^21 + 255 * (502623 - 155987)) >> 22 = 90489332 >> 22 = 21,
//                       out1 = (2^21 + 255 * 2 * 1923834) >> 22 = 983252492 >> 22 = 234.
void TestImage::resizeShrinksStepEdge() {
    const RgbImage row = makeImage(4, 1, [](int, int, int x) { return uint8_t(x < 2 ? 0 : 255); });
    const RgbImage narrow = resizeBicubicPillow(row, 2, 1);
    const RgbImage column = makeImage(1, 4, [](int, int y, int) { return uint8_t(y < 2 ? 0 : 255); });
    const RgbImage shortColumn = resizeBicubicPillow(column, 1, 2);
    for (int c = 0; c < 3; ++c) {
        QCOMPARE(int(pixel(narrow, c, 0, 0)), 21);
        QCOMPARE(int(pixel(narrow, c, 0, 1)), 234);
        QCOMPARE(int(pixel(shortColumn, c, 0, 0)), 21);
        QCOMPARE(int(pixel(shortColumn, c, 1, 0)), 234);
    }
}

// Enlarging 4 -> 8 samples: scale 0.5, support 2, centre of output i = (i + 0.5) / 2, taps from
// int(centre - 1.5) (clamped to 0) to int(centre + 2.5) (clamped to 4). For [0, 0, 255, 255]:
//   out0..2: the weights on the 255 samples sum to <= 0 (e.g. out1: -3/137 -> -91846, 2^21 - 255 * 91846 < 0)
//            -> 0;
//   out3 (centre 1.75, taps 0..3 at -1.25, -0.25, 0.75, 1.75; weights already sum to 1):
//            29/128 -> 950272, -3/128 -> -98304: (2^21 + 255 * 851968) >> 22 = 219348992 >> 22 = 52;
//   out4 (centre 2.25, mirrored): (2^21 + 255 * (3637248 - 294912)) >> 22 = 854392832 >> 22 = 203;
//   out5..7: the weights on the 255 samples sum to >= 1 -> 255.
void TestImage::resizeEnlargesStepEdge() {
    const RgbImage row = makeImage(4, 1, [](int, int, int x) { return uint8_t(x < 2 ? 0 : 255); });
    const RgbImage wide = resizeBicubicPillow(row, 8, 1);
    const int expected[8] = {0, 0, 0, 52, 203, 255, 255, 255};
    for (int c = 0; c < 3; ++c)
        for (int x = 0; x < 8; ++x) QCOMPARE(int(pixel(wide, c, 0, x)), expected[x]);
}

// Patch size 2, merge 2, two frames, no resize/rescale/normalise; pixel value = 100 c + 10 y + x on an
// 8x4 image: grid 2x4 patches, merge blocks 1x2. Rows go block by block (block x 0, then 1), inside a
// block row-major over its 2x2 patches; columns are (channel, frame, py, px).
void TestImage::patchOrderMatchesProcessorLayout() {
    ImageProcessorConfig config;
    config.patchSize = 2;
    config.mergeSize = 2;
    config.temporalPatchSize = 2;
    config.doResize = false;
    config.doRescale = false;
    config.doNormalize = false;
    const RgbImage image = makeImage(8, 4, [](int c, int y, int x) { return uint8_t(100 * c + 10 * y + x); });
    const ProcessedImage out = preprocessImage(image, config);
    QCOMPARE(out.grid.t, int64_t(1));
    QCOMPARE(out.grid.h, int64_t(2));
    QCOMPARE(out.grid.w, int64_t(4));
    QCOMPARE(out.mergedTokenCount(), int64_t(2));
    QCOMPARE(out.pixelValues.shape, (std::vector<int64_t>{8, 24}));

    // Row 0 = patch (row 0, col 0), written out in full: per channel two identical frames of 2x2.
    const std::vector<float> row0 = {0,   1,   10,  11,  0,   1,   10,  11,  100, 101, 110, 111,
                                     100, 101, 110, 111, 200, 201, 210, 211, 200, 201, 210, 211};
    for (size_t i = 0; i < row0.size(); ++i) QCOMPARE(out.pixelValues.data[i], row0[i]);
    // First 2x2 of channel 0 for every row: patches (0,0) (0,1) (1,0) (1,1) | (0,2) (0,3) (1,2) (1,3).
    const float firstValues[8][4] = {{0, 1, 10, 11},   {2, 3, 12, 13},   {20, 21, 30, 31}, {22, 23, 32, 33},
                                     {4, 5, 14, 15},   {6, 7, 16, 17},   {24, 25, 34, 35}, {26, 27, 36, 37}};
    for (int r = 0; r < 8; ++r)
        for (int i = 0; i < 4; ++i) QCOMPARE(out.pixelValues.data[size_t(r) * 24 + i], firstValues[r][i]);
    // Channel 2, frame 1 of the last row: patch (1,3) -> 200 + {26, 27, 36, 37}.
    const float lastValues[4] = {226, 227, 236, 237};
    for (int i = 0; i < 4; ++i) QCOMPARE(out.pixelValues.data[7 * 24 + 20 + i], lastValues[i]);
}

void TestImage::normalisedValueOfWhite() {
    // 255 * (1/255) is 1.0 in float64; (1.0f - 0.48145466f) / 0.26862954f in float32.
    ImageProcessorConfig config;
    config.doResize = false;
    const RgbImage image = makeImage(28, 28, [](int, int, int) { return uint8_t(255); });
    const ProcessedImage out = preprocessImage(image, config);
    const float expected = (1.0f - 0.48145466f) / 0.26862954f;
    QCOMPARE(out.pixelValues.data[0], expected);
}

void TestImage::preprocessRejectsEmptyImage() {
    QVERIFY_THROWS_EXCEPTION(InvalidInputError, preprocessImage(RgbImage{}, ImageProcessorConfig{}));
    ImageProcessorConfig noResize;
    noResize.doResize = false;
    const RgbImage notMultiple = makeImage(30, 28, [](int, int, int) { return uint8_t(0); });
    QVERIFY_THROWS_EXCEPTION(InvalidInputError, preprocessImage(notMultiple, noResize));
}

void TestImage::decodeGreyPng() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("grey.png").toStdString();
    cv::Mat grey(3, 5, CV_8UC1);
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 5; ++x) grey.at<uint8_t>(y, x) = uint8_t(y * 50 + x * 7);
    QVERIFY(cv::imwrite(path, grey));
    const RgbImage image = loadImageFile(path);
    QCOMPARE(image.width, 5);
    QCOMPARE(image.height, 3);
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 5; ++x)
            for (int c = 0; c < 3; ++c) QCOMPARE(int(pixel(image, c, y, x)), y * 50 + x * 7);
}

// Pillow's alpha_composite over opaque white: coef = 128 * a, value =
// div255(128 * (v * a + 255 * (255 - a)) + 128 * 128) >> 7 with div255(t) = ((t >> 8) + t) >> 8.
//   black, a = 128: 128 * 32385 = 4145280; + 16384 = 4161664; div255 -> 16320; >> 7 -> 127.
//   v = 200, a = 64: 128 * 61505 = 7872640; + 16384 = 7889024; div255 -> 30936; >> 7 -> 241.
//   v = 0, a = 64: 128 * 48705 = 6234240; + 16384 = 6250624; div255 -> 24511; >> 7 -> 191.
void TestImage::decodeRgbaPngOnWhite() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("rgba.png").toStdString();
    cv::Mat bgra(1, 4, CV_8UC4);
    bgra.at<cv::Vec4b>(0, 0) = {0, 0, 0, 128};      // half-transparent black
    bgra.at<cv::Vec4b>(0, 1) = {0, 0, 200, 64};     // red 200 at quarter opacity
    bgra.at<cv::Vec4b>(0, 2) = {10, 20, 30, 0};     // fully transparent
    bgra.at<cv::Vec4b>(0, 3) = {10, 20, 30, 255};   // opaque
    QVERIFY(cv::imwrite(path, bgra));
    const RgbImage image = loadImageFile(path);
    const int expected[4][3] = {{127, 127, 127}, {241, 191, 191}, {255, 255, 255}, {30, 20, 10}};
    for (int x = 0; x < 4; ++x)
        for (int c = 0; c < 3; ++c) QCOMPARE(int(pixel(image, c, 0, x)), expected[x][c]);
}

// Pillow keeps the high byte of 16-bit colour PNG samples and clips 16-bit grey (mode I;16) at 255.
void TestImage::decodeSixteenBitPng() {
    QTemporaryDir dir;
    const std::string colourPath = dir.filePath("rgb16.png").toStdString();
    cv::Mat colour(1, 1, CV_16UC3, cv::Scalar(0x1234, 0xABCD, 0x00FF));  // B, G, R
    QVERIFY(cv::imwrite(colourPath, colour));
    const RgbImage rgb = loadImageFile(colourPath);
    QCOMPARE(int(pixel(rgb, 0, 0, 0)), 0x00);
    QCOMPARE(int(pixel(rgb, 1, 0, 0)), 0xAB);
    QCOMPARE(int(pixel(rgb, 2, 0, 0)), 0x12);

    const std::string greyPath = dir.filePath("grey16.png").toStdString();
    cv::Mat grey(1, 2, CV_16UC1);
    grey.at<uint16_t>(0, 0) = 100;
    grey.at<uint16_t>(0, 1) = 300;
    QVERIFY(cv::imwrite(greyPath, grey));
    const RgbImage clipped = loadImageFile(greyPath);
    QCOMPARE(int(pixel(clipped, 0, 0, 0)), 100);
    QCOMPARE(int(pixel(clipped, 2, 0, 1)), 255);
}

// Stored 32x16 with a white top-left 16x8 quarter; orientation 6 means "rotate 90 degrees clockwise to
// display", so the result is 16x32 with the white quarter at the top right.
void TestImage::decodeAppliesExifOrientation() {
    cv::Mat stored(16, 32, CV_8UC3, cv::Scalar(0, 0, 0));
    stored(cv::Rect(0, 0, 16, 8)).setTo(cv::Scalar(255, 255, 255));
    std::vector<uint8_t> jpeg;
    QVERIFY(cv::imencode(".jpg", stored, jpeg, {cv::IMWRITE_JPEG_QUALITY, 100}));
    const std::vector<uint8_t> app1 = exifOrientationSegment(6);
    jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());

    const RgbImage image = decodeImage(jpeg, "rotated.jpg");
    QCOMPARE(image.width, 16);
    QCOMPARE(image.height, 32);
    QVERIFY(pixel(image, 0, 4, 12) > 200);  // top right: white
    QVERIFY(pixel(image, 0, 4, 3) < 50);    // top left: black
    QVERIFY(pixel(image, 0, 28, 12) < 50);  // bottom right: black
}

// transformers reads a CMYK JPEG through Pillow's inverted-CMYK convention and its rounded division by
// 255; OpenCV's own conversion divides by 256 and lands up to two levels away. Every sample must match.
void TestImage::decodeCmykJpegAsPillowDoes() {
    const RgbImage image = decodeImage(kCmykJpeg, "cmyk.jpg");
    QCOMPARE(image.width, 8);
    QCOMPARE(image.height, 4);
    QCOMPARE(image.pixels.size(), kCmykJpegAsRgbByPillow.size());
    for (size_t i = 0; i < image.pixels.size(); ++i) {
        if (int(image.pixels[i]) != kCmykJpegAsRgbByPillow[i])
            QFAIL(qPrintable(QString("sample %1 (x %2, y %3, channel %4) is %5, Pillow gives %6")
                                 .arg(i).arg(i / 3 % 8).arg(i / 24).arg(i % 3).arg(int(image.pixels[i]))
                                 .arg(kCmykJpegAsRgbByPillow[i])));
    }
}

void TestImage::cmykJpegTakesItsOrientationAndRefusesDamage() {
    // Orientation 6: the stored 8x4 picture is shown 4x8, the stored top-left pixel at the top right.
    std::vector<uint8_t> rotated = kCmykJpeg;
    const std::vector<uint8_t> app1 = exifOrientationSegment(6);
    rotated.insert(rotated.begin() + 2, app1.begin(), app1.end());
    const RgbImage image = decodeImage(rotated, "rotated-cmyk.jpg");
    QCOMPARE(image.width, 4);
    QCOMPARE(image.height, 8);
    for (int c = 0; c < 3; ++c) QCOMPARE(int(pixel(image, c, 0, 3)), kCmykJpegAsRgbByPillow[size_t(c)]);

    // The frame's first component names quantization table 3, which the file never defines: libjpeg's
    // complaint reaches the user with the file's name.
    std::vector<uint8_t> damaged = kCmykJpeg;
    bool found = false;
    for (size_t i = 2; i + 12 < damaged.size() && !found; ++i) {
        if (damaged[i] == 0xFF && damaged[i + 1] == 0xC0) {
            QCOMPARE(int(damaged[i + 9]), 4);  // four components
            damaged[i + 12] = 3;               // component 1: id, sampling, table
            found = true;
        }
    }
    QVERIFY(found);
    try {
        decodeImage(damaged, "damaged-cmyk.jpg");
        QFAIL("a CMYK JPEG naming an undefined quantization table decoded");
    } catch (const FormatError& e) {
        QVERIFY2(QString(e.what()).contains("damaged-cmyk.jpg"), e.what());
    }
}

// A few hundred bytes may declare a canvas of gigabytes. PNG and JPEG sizes are read from the header and
// refused above Pillow's limit before anything is decoded; images just under it still decode.
void TestImage::decompressionBombsAreRefusedBeforeDecoding() {
    const auto be32 = [](uint32_t v) {
        return std::vector<uint8_t>{uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    };
    std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    for (uint8_t b : be32(32000)) png.push_back(b);
    for (uint8_t b : be32(32000)) png.push_back(b);
    png.insert(png.end(), {8, 2, 0, 0, 0, 0, 0, 0, 0});  // 8-bit RGB, then a CRC never read
    // SOI, a baseline frame of 32000 x 32000 with three components, EOI: 25 bytes.
    const std::vector<uint8_t> jpeg = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x7D, 0x00, 0x7D, 0x00, 0x03, 0x01,
                                       0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9};
    const std::vector<std::pair<std::vector<uint8_t>, std::string>> bombs = {{png, "bomb.png"}, {jpeg, "bomb.jpg"}};
    for (const auto& [bytes, name] : bombs) {
        try {
            decodeImage(bytes, name);
            QFAIL(qPrintable(QString::fromStdString("no error for " + name)));
        } catch (const FormatError& e) {
            const std::string message = e.what();
            QVERIFY2(message.find(name) != std::string::npos, e.what());
            QVERIFY2(message.find("32000 x 32000 = 1024000000 pixels") != std::string::npos, e.what());
            QVERIFY2(message.find("refused before decoding") != std::string::npos, e.what());
        }
    }
    // 13000 x 13000 = 169 megapixels is below the limit: refused for its broken data, not for its size.
    std::vector<uint8_t> large = jpeg;
    large[7] = large[9] = 0x32;
    large[8] = large[10] = 0xC8;  // 0x32C8 = 13000
    try {
        decodeImage(large, "large.jpg");
        QFAIL("a frame header without scan data should not decode");
    } catch (const FormatError& e) {
        QVERIFY2(std::string(e.what()).find("pixels, more than") == std::string::npos, e.what());
    }
}

namespace {

std::vector<uint8_t> bytesOf(const std::string& text) { return std::vector<uint8_t>(text.begin(), text.end()); }

void append(std::vector<uint8_t>& out, uint64_t value, int bytes, bool bigEndian) {
    for (int i = 0; i < bytes; ++i) out.push_back(uint8_t(value >> (8 * (bigEndian ? bytes - 1 - i : i))));
}

// Headers of 20 to 60 bytes that declare a 30000 x 30000 picture (16383 x 16383 for lossy WebP, 14 bits).
std::vector<std::pair<std::string, std::vector<uint8_t>>> bombHeaders() {
    std::vector<std::pair<std::string, std::vector<uint8_t>>> bombs;
    bombs.push_back({"bomb.ppm", bytesOf("P6\n# a comment\n30000 30000\n255\n")});
    bombs.push_back({"bomb.pgm", bytesOf("P5 30000\t30000 255 ")});
    bombs.push_back({"bomb.pam", bytesOf("P7\nWIDTH 30000\nHEIGHT 30000\nDEPTH 3\nMAXVAL 255\nENDHDR\n")});
    std::vector<uint8_t> bmp = bytesOf("BM");
    append(bmp, 0, 12, false);        // file size, reserved, pixel offset
    append(bmp, 40, 4, false);        // BITMAPINFOHEADER
    append(bmp, 30000, 4, false);
    append(bmp, uint32_t(-30000), 4, false);  // top-down rows
    append(bmp, 1, 2, false);
    append(bmp, 24, 2, false);
    append(bmp, 0, 24, false);
    bombs.push_back({"bomb.bmp", bmp});
    std::vector<uint8_t> sun;
    append(sun, 0x59A66A95u, 4, true);
    append(sun, 30000, 4, true);
    append(sun, 30000, 4, true);
    append(sun, 24, 4, true);
    append(sun, 0, 16, true);
    bombs.push_back({"bomb.ras", sun});
    std::vector<uint8_t> webpX = bytesOf("RIFF");
    append(webpX, 22, 4, false);
    for (uint8_t c : bytesOf("WEBPVP8X")) webpX.push_back(c);
    append(webpX, 10, 4, false);
    append(webpX, 0, 4, false);       // flags
    append(webpX, 29999, 3, false);   // canvas width - 1
    append(webpX, 29999, 3, false);
    bombs.push_back({"bomb.webp", webpX});
    std::vector<uint8_t> tiff = bytesOf("II*");
    tiff.push_back(0);
    append(tiff, 8, 4, false);        // first IFD
    append(tiff, 2, 2, false);        // two entries: ImageWidth and ImageLength, LONG
    for (uint16_t tag : {256, 257}) {
        append(tiff, tag, 2, false);
        append(tiff, 4, 2, false);
        append(tiff, 1, 4, false);
        append(tiff, 30000, 4, false);
    }
    append(tiff, 0, 4, false);
    bombs.push_back({"bomb.tiff", tiff});
    std::vector<uint8_t> bigTiff = bytesOf("MM");
    append(bigTiff, 43, 2, true);
    append(bigTiff, 8, 2, true);
    append(bigTiff, 0, 2, true);
    append(bigTiff, 16, 8, true);
    append(bigTiff, 2, 8, true);
    for (uint16_t tag : {256, 257}) {
        append(bigTiff, tag, 2, true);
        append(bigTiff, 16, 2, true);   // LONG8
        append(bigTiff, 1, 8, true);
        append(bigTiff, 30000, 8, true);
    }
    bombs.push_back({"bomb-big.tif", bigTiff});
    std::vector<uint8_t> j2k;
    append(j2k, 0xFF4FFF51u, 4, true);
    append(j2k, 41, 2, true);         // Lsiz
    append(j2k, 0, 2, true);
    append(j2k, 30000, 4, true);      // Xsiz, Ysiz, XOsiz, YOsiz
    append(j2k, 30000, 4, true);
    append(j2k, 0, 4, true);
    append(j2k, 0, 4, true);
    append(j2k, 30000, 4, true);      // tile size, tile offsets
    append(j2k, 30000, 4, true);
    append(j2k, 0, 8, true);
    append(j2k, 3, 2, true);          // three 8-bit components
    for (int c = 0; c < 3; ++c) {
        j2k.push_back(7);
        j2k.push_back(1);
        j2k.push_back(1);
    }
    bombs.push_back({"bomb.j2k", j2k});
    std::vector<uint8_t> jp2 = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
    append(jp2, 20, 4, true);
    for (uint8_t c : bytesOf("ftypjp2 ")) jp2.push_back(c);
    append(jp2, 0, 4, true);
    for (uint8_t c : bytesOf("jp2 ")) jp2.push_back(c);
    append(jp2, 8 + 22, 4, true);
    for (uint8_t c : bytesOf("jp2h")) jp2.push_back(c);
    append(jp2, 22, 4, true);
    for (uint8_t c : bytesOf("ihdr")) jp2.push_back(c);
    append(jp2, 30000, 4, true);      // height, width, components, bits - 1, compression, flags
    append(jp2, 30000, 4, true);
    append(jp2, 3, 2, true);
    jp2.insert(jp2.end(), {7, 7, 0, 0});
    bombs.push_back({"bomb.jp2", jp2});
    return bombs;
}

}  // namespace

// A header of a few bytes must not make a decoder allocate the picture it declares (900 megapixels: gigabytes).
void TestImage::bombsInEveryOtherFormatAreRefusedBeforeDecoding() {
    for (const auto& [name, bytes] : bombHeaders()) {
        try {
            decodeImage(bytes, name);
            QFAIL(qPrintable(QString::fromStdString("no error for " + name)));
        } catch (const FormatError& e) {
            const std::string message = e.what();
            QVERIFY2(message.find(name) != std::string::npos, e.what());
            QVERIFY2(message.find("30000 x 30000 = 900000000 pixels") != std::string::npos, e.what());
            QVERIFY2(message.find("refused before decoding") != std::string::npos, e.what());
        }
    }
    std::vector<uint8_t> lossy = bytesOf("RIFF");
    append(lossy, 22, 4, false);
    for (uint8_t c : bytesOf("WEBPVP8 ")) lossy.push_back(c);
    append(lossy, 10, 4, false);
    lossy.insert(lossy.end(), {0, 0, 0, 0x9D, 0x01, 0x2A});
    append(lossy, 16383, 2, false);
    append(lossy, 16383, 2, false);
    try {
        decodeImage(lossy, "lossy.webp");
        QFAIL("no error for a 16383 x 16383 WebP header");
    } catch (const FormatError& e) {
        QVERIFY2(std::string(e.what()).find("16383 x 16383 = 268402689 pixels") != std::string::npos, e.what());
    }
}

// Floating-point samples and more than four channels never decode to RGB; the header says so up front.
void TestImage::unusablePixelFormatsAreRefusedBeforeDecoding() {
    std::vector<uint8_t> floatTiff = bytesOf("II*");
    floatTiff.push_back(0);
    append(floatTiff, 8, 4, false);
    append(floatTiff, 3, 2, false);
    for (const auto& [tag, value] : {std::pair{256, 4}, {257, 4}, {339, 3}}) {
        append(floatTiff, tag, 2, false);
        append(floatTiff, 3, 2, false);  // SHORT
        append(floatTiff, 1, 4, false);
        append(floatTiff, value, 4, false);
    }
    append(floatTiff, 0, 4, false);
    const std::vector<std::tuple<std::string, std::vector<uint8_t>, std::string>> cases = {
        {"big.pfm", bytesOf("PF\n30000 30000\n-1.0\n"), "a PFM image with floating-point samples"},
        {"big.hdr", bytesOf("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 20000 +X 20000\n"),
         "a Radiance HDR image with floating-point samples"},
        {"float.tiff", floatTiff, "a TIFF image with floating-point samples"},
        {"many.pam", bytesOf("P7\nWIDTH 2\nHEIGHT 2\nDEPTH 500\nMAXVAL 65535\nENDHDR\n"), "a PAM image with 500 channels"},
    };
    for (const auto& [name, bytes, expected] : cases) {
        try {
            decodeImage(bytes, name);
            QFAIL(qPrintable(QString::fromStdString("no error for " + name)));
        } catch (const FormatError& e) {
            const std::string message = e.what();
            QVERIFY2(message.find(name) != std::string::npos && message.find(expected) != std::string::npos &&
                         message.find("refused before decoding") != std::string::npos,
                     e.what());
        }
    }
}

// The header readers agree with what OpenCV writes, and the pictures still decode.
void TestImage::everyFormatDeclaresItsRealSize() {
    cv::Mat colour(37, 45, CV_8UC3, cv::Scalar(10, 120, 230));
    cv::Mat grey(37, 45, CV_8UC1, cv::Scalar(77));
    const std::vector<std::pair<std::string, cv::Mat>> files = {
        {".png", colour}, {".jpg", colour}, {".bmp", colour}, {".ppm", colour}, {".pgm", grey}, {".pbm", grey},
        {".pam", colour}, {".ras", colour}, {".tiff", colour}, {".webp", colour}, {".jp2", colour}};
    for (const auto& [extension, image] : files) {
        std::vector<uint8_t> bytes;
        QVERIFY2(cv::imencode(extension, image, bytes), extension.c_str());
        detail::DeclaredImage declared;
        QVERIFY2(detail::readDeclaredImage(bytes.data(), bytes.size(), &declared), extension.c_str());
        QCOMPARE(declared.width, uint64_t(45));
        QCOMPARE(declared.height, uint64_t(37));
        QVERIFY2(declared.unsupported.empty(), declared.unsupported.c_str());
        const RgbImage decoded = decodeImage(bytes, "image" + extension);
        QCOMPARE(decoded.width, 45);
        QCOMPARE(decoded.height, 37);
    }
    std::vector<uint8_t> lossless;
    QVERIFY(cv::imencode(".webp", colour, lossless, {cv::IMWRITE_WEBP_QUALITY, 101}));
    detail::DeclaredImage declared;
    QVERIFY(detail::readDeclaredImage(lossless.data(), lossless.size(), &declared));
    QCOMPARE(std::string(declared.format), std::string("WebP"));
    QCOMPARE(declared.width, uint64_t(45));
    QCOMPARE(declared.height, uint64_t(37));
}

void TestImage::decodeErrorsNameTheFile() {
    QTemporaryDir dir;
    const std::string text = dir.filePath("notes.txt").toStdString();
    writeBytes(text, {'h', 'e', 'l', 'l', 'o', '\n'});
    const std::string empty = dir.filePath("empty.png").toStdString();
    writeBytes(empty, {});
    const std::string truncated = dir.filePath("cut.jpg").toStdString();
    cv::Mat noise(64, 64, CV_8UC3);
    cv::randu(noise, 0, 255);
    std::vector<uint8_t> jpeg;
    QVERIFY(cv::imencode(".jpg", noise, jpeg));
    jpeg.resize(jpeg.size() / 2);
    writeBytes(truncated, jpeg);
    const std::string missing = dir.filePath("missing.jpg").toStdString();

    for (const std::string& path : {text, empty, truncated, missing, dir.path().toStdString()}) {
        try {
            loadImageFile(path);
            QFAIL(qPrintable(QString::fromStdString("no error for " + path)));
        } catch (const FormatError& e) {
            qInfo("%s", e.what());
            QVERIFY2(std::string(e.what()).find(path) != std::string::npos, e.what());
        }
    }
}

void TestImage::fixtureMatchesTransformers() {
    HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
    const QString dir = testing::fixturePath("qwen25vl-tiny");
    const ImageProcessorConfig config = readProcessorConfig(dir + "/preprocessor_config.json");
    const RgbImage image = loadImageFile((dir + "/image.jpg").toStdString());
    QCOMPARE(image.width, 512);
    QCOMPARE(image.height, 600);

    QElapsedTimer timer;
    timer.start();
    const ProcessedImage out = preprocessImage(image, config);
    const qint64 elapsedMs = timer.elapsed();
    qInfo("preprocessing 512x600 took %lld ms", elapsedMs);
    QVERIFY2(elapsedMs < 500, "preprocessing the fixture image is far too slow");

    QCOMPARE(out.resizedWidth, int64_t(504));
    QCOMPARE(out.resizedHeight, int64_t(588));
    SafetensorsFile reference((dir + "/reference.safetensors").toStdString());
    const TensorView* gridView = reference.find("image_grid_thw");
    const TensorView* valuesView = reference.find("pixel_values");
    QVERIFY(gridView && valuesView);
    const std::vector<int64_t> grid = toInt64Vector(*gridView);
    QCOMPARE(grid, (std::vector<int64_t>{1, 42, 36}));
    QCOMPARE(out.grid.t, grid[0]);
    QCOMPARE(out.grid.h, grid[1]);
    QCOMPARE(out.grid.w, grid[2]);
    QCOMPARE(out.pixelValues.shape, valuesView->shape);

    const std::vector<float> expected = toFloatVector(*valuesView);
    QCOMPARE(out.pixelValues.data.size(), expected.size());
    double maxAbs = 0;
    size_t differing = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        const double diff = std::fabs(double(out.pixelValues.data[i]) - double(expected[i]));
        maxAbs = std::max(maxAbs, diff);
        differing += diff != 0.0;
    }
    qInfo("pixel_values vs transformers: max abs diff %.3g, %zu of %zu values differ", maxAbs, differing,
          expected.size());
    QVERIFY2(maxAbs <= 1e-5, "pixel values differ from the transformers reference");
}

void TestImage::hugeImageStaysBounded() {
    const RgbImage image =
        makeImage(20000, 20000, [](int c, int y, int x) { return uint8_t((x ^ y) + 85 * c); });
    const long rssBefore = peakRssMegabytes();
    ImageProcessorConfig config;
    config.minPixels = 3136;
    config.maxPixels = 12845056;
    QElapsedTimer timer;
    timer.start();
    const ProcessedImage out = preprocessImage(image, config);
    const qint64 elapsedMs = timer.elapsed();
    qInfo("20000x20000 -> %lldx%lld in %lld ms; peak RSS %ld MB (%ld MB before, the input alone is 1144 MB)",
          static_cast<long long>(out.resizedWidth), static_cast<long long>(out.resizedHeight), elapsedMs,
          peakRssMegabytes(), rssBefore);
    QCOMPARE(out.resizedWidth, int64_t(3556));
    QCOMPARE(out.resizedHeight, int64_t(3556));
    QVERIFY(out.resizedWidth * out.resizedHeight <= config.maxPixels);
    QCOMPARE(out.pixelValues.shape, (std::vector<int64_t>{254 * 254, 1176}));
    QVERIFY2(peakRssMegabytes() < 4096, "preprocessing a huge image used more than 4 GB");
}

QTEST_APPLESS_MAIN(TestImage)
#include "test_image.moc"
