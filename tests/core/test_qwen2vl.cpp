// The Qwen2-VL flavour (LayerNorm + QuickGELU vision blocks, full attention everywhere) on a generated
// checkpoint: every tensor is read, and decoding with the KV cache agrees with full forwards.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>

#include "test_helpers.h"
#include "headscope/random_model.h"
#include "headscope/safetensors.h"
#include "headscope/session.h"

using namespace headscope;

namespace {

using headscope::testing::logSoftmaxAt;

RgbImage gradientImage(int width, int height) {
    RgbImage image;
    image.width = width;
    image.height = height;
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            image.pixels.push_back(uint8_t(x * 255 / width));
            image.pixels.push_back(uint8_t(y * 255 / height));
            image.pixels.push_back(uint8_t((x + y) % 256));
        }
    return image;
}

}  // namespace

class Qwen2VLTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string folder_;

private slots:
    void initTestCase() {
        folder_ = dir_.filePath("qwen2-vl").toStdString();
        writeRandomQwenModel(folder_, randomModelPreset("tiny-qwen2-vl"), 99);
    }

    void writesTheQwen2VLLayout() {
        SafetensorsFile weights(folder_ + "/model.safetensors");
        for (const char* name : {"visual.blocks.0.norm1.bias", "visual.blocks.3.mlp.fc1.weight",
                                 "visual.blocks.3.mlp.fc2.bias", "visual.merger.ln_q.bias", "visual.patch_embed.proj.weight"})
            QVERIFY2(weights.find(name), name);
        QVERIFY(!weights.find("visual.blocks.0.mlp.gate_proj.weight"));
        QCOMPARE(weights.find("visual.patch_embed.proj.weight")->shape, (std::vector<int64_t>{32, 3, 2, 14, 14}));
    }

    void loadsAndDecodesConsistently() {
        LoadOptions options;
        options.device = DeviceChoice::Cpu;
        auto session = Session::load(folder_, options);
        QCOMPARE(session->config().family, ModelFamily::Qwen2VL);
        QVERIFY(session->info().unusedTensors.empty());
        const RgbImage image = gradientImage(150, 100);
        ChatPrompt prompt;
        prompt.userText = "What do you see?";
        const PreparedInput input = session->prepare(prompt, &image);
        // 150 x 100 -> smart_resize 140 x 112 -> 10 x 8 patches -> 20 merged tokens.
        QCOMPARE(input.image->grid.h, int64_t(8));
        QCOMPARE(input.image->grid.w, int64_t(10));
        QCOMPARE(std::count(input.inputIds.begin(), input.inputIds.end(), session->config().imageTokenId), 20L);

        GenerationOptions generation;
        generation.maxNewTokens = 5;
        generation.stopTokenIds = {-1};  // never stop early
        const GenerationResult result = session->generate(input, generation);
        QCOMPARE(result.ids.size(), size_t(5));
        // Each cached step's log-probability equals the one a full forward over prompt + earlier tokens gives.
        PreparedInput growing = input;
        for (size_t step = 0; step < result.ids.size(); ++step) {
            const PrefillOutput full = session->prefill(growing, 0);
            const double expected = logSoftmaxAt(full.lastLogits.data, result.ids[step]);
            QVERIFY2(std::abs(expected - result.logprobs[step]) < 1e-4, qPrintable(QString::number(step)));
            growing.inputIds.push_back(result.ids[step]);
            growing.positionIds = computeMropePositions(growing.inputIds, {input.image->grid},
                                                        session->config().imageTokenId, 2, nullptr);
        }
    }
};

QTEST_GUILESS_MAIN(Qwen2VLTest)
#include "test_qwen2vl.moc"
