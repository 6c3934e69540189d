// The CLIPImageProcessor reproduction (LLaVA-1.5): output geometry, which pixels survive the centre crop,
// zero padding of small images, the rescale/normalise arithmetic, the preprocessor_config.json reader, and
// parity with the transformers 4.50 output stored in the llava-tiny fixture.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <string>

#include "fixtures.h"
#include "test_helpers.h"
#include "headscope/error.h"
#include "headscope/image.h"
#include "headscope/safetensors.h"

using namespace headscope;

namespace {

using headscope::testing::makeImage;

// Channel 0 holds x + 1, channel 1 holds y + 1 (so 0 can only come from padding), channel 2 is constant.
RgbImage positionImage(int width, int height) {
    return makeImage(width, height, [](int c, int y, int x) {
        return uint8_t(c == 0 ? x + 1 : c == 1 ? y + 1 : 9);
    });
}

// Raw 8-bit levels out: no rescale, no normalise.
ClipProcessorConfig levelsOnly() {
    ClipProcessorConfig config;
    config.doRescale = false;
    config.doNormalize = false;
    return config;
}

float at(const FloatArray& out, int c, int64_t y, int64_t x) {
    return out.data[size_t((c * out.dim(2) + y) * out.dim(3) + x)];
}

std::vector<int64_t> shapeOf(int64_t height, int64_t width) { return {1, 3, height, width}; }

void writeText(const QString& path, const std::string& text) {
    std::ofstream file(path.toStdString(), std::ios::binary);
    file << text;
}

const std::string kFixtureConfig =
    R"({"crop_size": {"height": 84, "width": 84}, "do_center_crop": true, "do_normalize": true,
        "do_rescale": true, "do_resize": true, "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_processor_type": "CLIPImageProcessor", "image_std": [0.26862954, 0.26130258, 0.27577711],
        "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 84}})";

// `base` (a flat copy of the fixture's preprocessor_config.json) with one top-level entry replaced, added,
// or removed when `value` is empty. Values there are scalars, flat lists or flat objects.
std::string configWith(const std::string& key, const std::string& value,
                       const std::string& base = kFixtureConfig) {
    const std::string quoted = "\"" + key + "\": ";
    const size_t begin = base.find(quoted);
    if (begin == std::string::npos) return base.substr(0, base.size() - 1) + ", " + quoted + value + "}";
    size_t end = begin + quoted.size();
    const char open = base[end];
    end = open == '{' || open == '[' ? base.find(open == '{' ? '}' : ']', end) + 1
                                     : base.find_first_of(",}", end);
    if (!value.empty()) return base.substr(0, begin) + quoted + value + base.substr(end);
    if (base[end] == ',') return base.substr(0, begin) + base.substr(end + 2);
    return base.substr(0, begin - 2) + base.substr(end);  // the last entry: drop the comma before it
}

}  // namespace

class TestImageClip : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tempDir_;

    QString writeConfig(const QString& name, const std::string& text) {
        const QString path = tempDir_.filePath(name);
        writeText(path, text);
        return path;
    }

    template <typename ErrorType>
    void expectConfigError(const std::string& text, const QString& expectedField) {
        const QString path = writeConfig(QStringLiteral("bad.json"), text);
        try {
            loadClipProcessorConfig(path.toStdString());
            QFAIL(qPrintable("accepted: " + QString::fromStdString(text)));
        } catch (const ErrorType& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(path), qPrintable(message));
            QVERIFY2(message.contains(expectedField), qPrintable(message));
        }
    }

private slots:
    void fixtureMatchesTransformers() {
        HEADSCOPE_REQUIRE_FIXTURE("llava-tiny");
        const std::string dir = headscope::testing::fixtureDir("llava-tiny");
        const RgbImage image = loadImageFile(dir + "/image.jpg");
        QCOMPARE(image.width, 512);
        QCOMPARE(image.height, 600);
        const ClipProcessorConfig config = loadClipProcessorConfig(dir + "/preprocessor_config.json");
        const FloatArray pixels = preprocessImageClip(image, config);

        SafetensorsFile reference(dir + "/reference.safetensors");
        const TensorView* view = reference.find("pixel_values");
        QVERIFY(view);
        QCOMPARE(pixels.shape, view->shape);
        QCOMPARE(pixels.shape, shapeOf(84, 84));
        const std::vector<float> expected = toFloatVector(*view);
        QCOMPARE(pixels.data.size(), expected.size());
        double worst = 0;
        for (size_t i = 0; i < expected.size(); ++i)
            worst = std::max(worst, std::abs(double(pixels.data[i]) - double(expected[i])));
        qInfo("pixel_values max abs diff vs transformers: %g", worst);
        QVERIFY2(worst <= 1e-5, qPrintable(QString::number(worst)));
    }

    // The fixture's steps by hand: 84 x 98 after the resize, rows 7..90 kept.
    void fixtureGeometryByHand() {
        HEADSCOPE_REQUIRE_FIXTURE("llava-tiny");
        const RgbImage image = loadImageFile(headscope::testing::fixtureDir("llava-tiny") + "/image.jpg");
        const RgbImage resized = resizeBicubicPillow(image, 84, 98);
        ClipProcessorConfig config = levelsOnly();
        config.shortestEdge = 84;
        config.cropHeight = config.cropWidth = 84;
        const FloatArray out = preprocessImageClip(image, config);
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 84; ++y)
                for (int x = 0; x < 84; ++x)
                    QCOMPARE(at(out, c, y, x), float(resized.pixels[(size_t(y + 7) * 84 + x) * 3 + c]));
    }

    void resizeKeepsAspectWithTruncation_data() {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("edge");
        QTest::addColumn<int>("outWidth");
        QTest::addColumn<int>("outHeight");
        QTest::newRow("landscape 10x4 -> 5x2") << 10 << 4 << 2 << 5 << 2;
        QTest::newRow("portrait 4x10 -> 2x5") << 4 << 10 << 2 << 2 << 5;
        QTest::newRow("3x10 edge 2: 6.67 -> 6") << 3 << 10 << 2 << 2 << 6;
        QTest::newRow("10x3 edge 2: 6.67 -> 6") << 10 << 3 << 2 << 6 << 2;
        QTest::newRow("square 7x7 -> 3x3") << 7 << 7 << 3 << 3 << 3;
        QTest::newRow("fixture 512x600 -> 84x98") << 512 << 600 << 84 << 84 << 98;
        QTest::newRow("upscale 5x7 -> 10x14") << 5 << 7 << 10 << 10 << 14;
        QTest::newRow("unchanged 6x9") << 6 << 9 << 6 << 6 << 9;
    }

    void resizeKeepsAspectWithTruncation() {
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, edge);
        QFETCH(int, outWidth);
        QFETCH(int, outHeight);
        const RgbImage image =
            makeImage(width, height, [](int c, int y, int x) { return uint8_t(c * 50 + y * 7 + x * 3); });
        ClipProcessorConfig config = levelsOnly();
        config.shortestEdge = edge;
        config.doCenterCrop = false;
        const FloatArray out = preprocessImageClip(image, config);
        QCOMPARE(out.shape, shapeOf(outHeight, outWidth));
        const RgbImage resized = resizeBicubicPillow(image, outWidth, outHeight);
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < outHeight; ++y)
                for (int x = 0; x < outWidth; ++x)
                    QCOMPARE(at(out, c, y, x), float(resized.pixels[(size_t(y) * outWidth + x) * 3 + c]));
    }

    // top = (h - crop_h) // 2 and left = (w - crop_w) // 2: an odd surplus drops one more row or column at
    // the bottom/right than at the top/left.
    void cropKeepsTheCentre_data() {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("cropWidth");
        QTest::addColumn<int>("cropHeight");
        QTest::addColumn<int>("left");
        QTest::addColumn<int>("top");
        QTest::newRow("odd surplus 7x6 -> 4x3") << 7 << 6 << 4 << 3 << 1 << 1;
        QTest::newRow("even surplus 8x10 -> 4x4") << 8 << 10 << 4 << 4 << 2 << 3;
        QTest::newRow("one extra 5x5 -> 4x4") << 5 << 5 << 4 << 4 << 0 << 0;
        QTest::newRow("exact 4x3") << 4 << 3 << 4 << 3 << 0 << 0;
        QTest::newRow("fixture rows 84x98 -> 84x84") << 84 << 98 << 84 << 84 << 0 << 7;
    }

    void cropKeepsTheCentre() {
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, cropWidth);
        QFETCH(int, cropHeight);
        QFETCH(int, left);
        QFETCH(int, top);
        ClipProcessorConfig config = levelsOnly();
        config.doResize = false;
        config.cropWidth = cropWidth;
        config.cropHeight = cropHeight;
        const FloatArray out = preprocessImageClip(positionImage(width, height), config);
        QCOMPARE(out.shape, shapeOf(cropHeight, cropWidth));
        for (int y = 0; y < cropHeight; ++y)
            for (int x = 0; x < cropWidth; ++x) {
                QCOMPARE(at(out, 0, y, x), float(left + x + 1));
                QCOMPARE(at(out, 1, y, x), float(top + y + 1));
                QCOMPARE(at(out, 2, y, x), 9.0f);
            }
    }

    // resize 10x4 to 5x2 and crop 3x2: columns 1..3 of the resized image.
    void resizeThenCrop() {
        const RgbImage image =
            makeImage(10, 4, [](int c, int y, int x) { return uint8_t(c * 60 + y * 20 + x * 5); });
        ClipProcessorConfig config = levelsOnly();
        config.shortestEdge = 2;
        config.cropWidth = 3;
        config.cropHeight = 2;
        const FloatArray out = preprocessImageClip(image, config);
        QCOMPARE(out.shape, shapeOf(2, 3));
        const RgbImage resized = resizeBicubicPillow(image, 5, 2);
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 2; ++y)
                for (int x = 0; x < 3; ++x)
                    QCOMPARE(at(out, c, y, x), float(resized.pixels[(size_t(y) * 5 + x + 1) * 3 + c]));
    }

    // center_crop pads a too-small side with zeros, ceil(missing / 2) of them before the image: a 3x2 image
    // cropped to 6x4 sits at columns 2..4 and rows 1..2.
    void smallImageIsZeroPadded() {
        ClipProcessorConfig config = levelsOnly();
        config.doResize = false;
        config.cropWidth = 6;
        config.cropHeight = 4;
        const FloatArray out = preprocessImageClip(positionImage(3, 2), config);
        QCOMPARE(out.shape, shapeOf(4, 6));
        for (int y = 0; y < 4; ++y)
            for (int x = 0; x < 6; ++x) {
                const bool inside = y >= 1 && y <= 2 && x >= 2 && x <= 4;
                QCOMPARE(at(out, 0, y, x), inside ? float(x - 2 + 1) : 0.0f);
                QCOMPARE(at(out, 1, y, x), inside ? float(y - 1 + 1) : 0.0f);
                QCOMPARE(at(out, 2, y, x), inside ? 9.0f : 0.0f);
            }
    }

    // Narrower than the crop but taller: padded across, cropped down.
    void mixedPadAndCrop() {
        ClipProcessorConfig config = levelsOnly();
        config.doResize = false;
        config.cropWidth = 4;
        config.cropHeight = 3;
        const FloatArray out = preprocessImageClip(positionImage(1, 8), config);
        QCOMPARE(out.shape, shapeOf(3, 4));
        for (int y = 0; y < 3; ++y)
            for (int x = 0; x < 4; ++x) {
                const bool inside = x == 2;  // left = (1 - 4) // 2 = -2
                QCOMPARE(at(out, 0, y, x), inside ? 1.0f : 0.0f);
                QCOMPARE(at(out, 1, y, x), inside ? float(y + 2 + 1) : 0.0f);  // top = (8 - 3) // 2 = 2
            }
    }

    // A shortest edge below the crop: the resized image is padded, and the padding is normalised as level 0.
    void paddingIsNormalisedLikeBlack() {
        ClipProcessorConfig config;
        config.shortestEdge = 2;
        config.cropWidth = config.cropHeight = 4;
        const FloatArray out =
            preprocessImageClip(makeImage(6, 6, [](int, int, int) { return uint8_t(255); }), config);
        QCOMPARE(out.shape, shapeOf(4, 4));
        for (int c = 0; c < 3; ++c) {
            const float black = (0.0f - config.mean[c]) / config.std[c];
            const float white = float(255.0 * config.rescaleFactor);
            const float normalisedWhite = (white - config.mean[c]) / config.std[c];
            for (int y = 0; y < 4; ++y)
                for (int x = 0; x < 4; ++x) {
                    const bool inside = y >= 1 && y <= 2 && x >= 1 && x <= 2;
                    QCOMPARE(at(out, c, y, x), inside ? normalisedWhite : black);
                }
        }
    }

    // Rescale in float64 then float32, normalise in float32: (float(c / 255) - mean) / std everywhere.
    void constantImageNormalises() {
        const uint8_t level = 200;
        const RgbImage image = makeImage(9, 5, [&](int, int, int) { return level; });
        ClipProcessorConfig config;
        config.shortestEdge = 4;
        config.cropWidth = config.cropHeight = 3;
        const FloatArray out = preprocessImageClip(image, config);
        QCOMPARE(out.shape, shapeOf(3, 3));
        for (int c = 0; c < 3; ++c) {
            const float expected = (float(double(level) / 255.0) - config.mean[c]) / config.std[c];
            for (int y = 0; y < 3; ++y)
                for (int x = 0; x < 3; ++x) QCOMPARE(at(out, c, y, x), expected);
        }
        config.doNormalize = false;
        QCOMPARE(preprocessImageClip(image, config).data.front(), float(200.0 / 255.0));
    }

    void refusesBadInput() {
        const RgbImage image = positionImage(4, 4);
        const auto refuses = [](const RgbImage& input, const ClipProcessorConfig& config,
                                const char* keyword) {
            try {
                preprocessImageClip(input, config);
            } catch (const InvalidInputError& e) {
                return QString::fromUtf8(e.what()).contains(QLatin1String(keyword));
            }
            return false;
        };
        QVERIFY(refuses(RgbImage{}, ClipProcessorConfig{}, "empty"));
        RgbImage shortBuffer = image;
        shortBuffer.pixels.pop_back();
        QVERIFY(refuses(shortBuffer, ClipProcessorConfig{}, "buffer"));
        ClipProcessorConfig config;
        config.shortestEdge = 0;
        QVERIFY(refuses(image, config, "shortest_edge"));
        config.shortestEdge = -3;
        QVERIFY(refuses(image, config, "shortest_edge"));
        config = ClipProcessorConfig{};
        config.cropHeight = 0;
        QVERIFY(refuses(image, config, "crop_size"));
        config = ClipProcessorConfig{};
        config.cropWidth = -1;
        QVERIFY(refuses(image, config, "crop_size"));
        config = ClipProcessorConfig{};
        config.std[1] = 0.0f;
        QVERIFY(refuses(image, config, "image_std"));
        // Settings of a step that is off are not used, so they are not refused.
        config = levelsOnly();
        config.doResize = false;
        config.doCenterCrop = false;
        config.shortestEdge = 0;
        config.cropWidth = 0;
        QCOMPARE(preprocessImageClip(image, config).shape, shapeOf(4, 4));
    }

    void parsesFixtureConfig() {
        HEADSCOPE_REQUIRE_FIXTURE("llava-tiny");
        const ClipProcessorConfig config = loadClipProcessorConfig(
            headscope::testing::fixtureDir("llava-tiny") + "/preprocessor_config.json");
        QCOMPARE(config.shortestEdge, int64_t(84));
        QCOMPARE(config.cropHeight, int64_t(84));
        QCOMPARE(config.cropWidth, int64_t(84));
        const float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
        const float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
        for (int c = 0; c < 3; ++c) {
            QCOMPARE(config.mean[c], mean[c]);
            QCOMPARE(config.std[c], std[c]);
        }
        QCOMPARE(config.rescaleFactor, 1.0 / 255.0);
        QVERIFY(config.doResize && config.doCenterCrop && config.doRescale && config.doNormalize);
    }

    // Older CLIP configs write bare ints (size = shortest edge, crop_size = square) and a single mean/std.
    void parsesLegacyForms() {
        QVERIFY(tempDir_.isValid());
        const QString path = writeConfig(QStringLiteral("legacy.json"), configWith("crop_size", "224"));
        ClipProcessorConfig config = loadClipProcessorConfig(path.toStdString());
        QCOMPARE(config.cropHeight, int64_t(224));
        QCOMPARE(config.cropWidth, int64_t(224));
        writeText(path, configWith("size", "336"));
        QCOMPARE(loadClipProcessorConfig(path.toStdString()).shortestEdge, int64_t(336));
        writeText(path, configWith("image_mean", "0.5"));
        config = loadClipProcessorConfig(path.toStdString());
        for (float mean : config.mean) QCOMPARE(mean, 0.5f);
        writeText(path, configWith("do_center_crop", "false"));
        QVERIFY(!loadClipProcessorConfig(path.toStdString()).doCenterCrop);
        // Absent flags and rescale factor take transformers' defaults.
        writeText(path, R"({"size": {"shortest_edge": 8}, "crop_size": {"height": 6, "width": 7},
                            "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.25, 0.25]})");
        config = loadClipProcessorConfig(path.toStdString());
        QCOMPARE(config.shortestEdge, int64_t(8));
        QCOMPARE(config.cropHeight, int64_t(6));
        QCOMPARE(config.cropWidth, int64_t(7));
        QCOMPARE(config.rescaleFactor, 1.0 / 255.0);
        QVERIFY(config.doResize && config.doCenterCrop && config.doRescale && config.doNormalize);
        // Without the crop, crop_size is not needed.
        writeText(path, configWith("crop_size", "", configWith("do_center_crop", "false")));
        QVERIFY(!loadClipProcessorConfig(path.toStdString()).doCenterCrop);
    }

    void refusesBadConfig() {
        QVERIFY(tempDir_.isValid());
        expectConfigError<FormatError>(configWith("size", ""), QStringLiteral("size"));
        expectConfigError<FormatError>(configWith("size", R"({"height": 84, "width": 84})"),
                                       QStringLiteral("size.shortest_edge"));
        expectConfigError<FormatError>(configWith("size", R"({"shortest_edge": "84"})"),
                                       QStringLiteral("size.shortest_edge"));
        expectConfigError<FormatError>(configWith("size", R"({"shortest_edge": 0})"),
                                       QStringLiteral("size.shortest_edge"));
        expectConfigError<FormatError>(configWith("size", "[84]"), QStringLiteral("size"));
        expectConfigError<FormatError>(configWith("crop_size", ""), QStringLiteral("crop_size"));
        expectConfigError<FormatError>(configWith("crop_size", R"({"height": 84})"),
                                       QStringLiteral("crop_size.width"));
        expectConfigError<FormatError>(configWith("crop_size", R"({"height": -84, "width": 84})"),
                                       QStringLiteral("crop_size.height"));
        expectConfigError<FormatError>(configWith("image_mean", ""), QStringLiteral("image_mean"));
        expectConfigError<FormatError>(configWith("image_mean", "[0.5, 0.5]"), QStringLiteral("image_mean"));
        expectConfigError<FormatError>(configWith("image_std", "[0.5, \"x\", 0.5]"),
                                       QStringLiteral("image_std[1]"));
        expectConfigError<FormatError>(configWith("rescale_factor", "\"1/255\""),
                                       QStringLiteral("rescale_factor"));
        expectConfigError<FormatError>(configWith("do_resize", "\"yes\""), QStringLiteral("do_resize"));
        expectConfigError<FormatError>(configWith("do_normalize", "1"), QStringLiteral("do_normalize"));
        expectConfigError<FormatError>("[1, 2, 3]", QStringLiteral("top level"));
        expectConfigError<FormatError>("{\"size\": ", QStringLiteral("malformed JSON"));
        expectConfigError<InvalidInputError>(configWith("resample", "2"), QStringLiteral("resample"));
        expectConfigError<InvalidInputError>(configWith("image_processor_type", "\"Qwen2VLImageProcessor\""),
                                             QStringLiteral("Qwen2VLImageProcessor"));
        QVERIFY_THROWS_EXCEPTION(Error,
                                 loadClipProcessorConfig(tempDir_.filePath("absent.json").toStdString()));
    }
};

QTEST_APPLESS_MAIN(TestImageClip)
#include "test_image_clip.moc"
