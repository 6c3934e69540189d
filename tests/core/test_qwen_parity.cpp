// The engine against Hugging Face transformers on the shared qwen25vl-tiny fixture: input ids, grid,
// pixel values, M-RoPE positions, logits and greedy tokens, all read from the reference files.
#include <QtTest/QtTest>

#include "fixtures.h"
#include "headscope/session.h"
#include "reference.h"

using namespace headscope;
using namespace headscope::testing;

class QwenParityTest : public QObject {
    Q_OBJECT

    QwenFixture f_;
    std::string dir_;
    Session* session_ = nullptr;
    SafetensorsFile* reference_ = nullptr;
    nlohmann::json referenceJson_;

    ChatPrompt prompt() const { return f_.prompt(); }

private slots:
    void initTestCase() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        f_ = loadQwenFixture();
        dir_ = f_.dir;
        session_ = f_.session.get();
        reference_ = f_.reference.get();
        referenceJson_ = f_.json;
    }

    void loadsTheCheckpointCompletely() {
        const ModelInfo& info = session_->info();
        QCOMPARE(info.config.family, ModelFamily::Qwen25VL);
        QCOMPARE(info.config.text.numLayers, int64_t(4));
        QCOMPARE(info.config.text.numHeads, int64_t(4));
        QCOMPARE(info.config.text.numKeyValueHeads, int64_t(2));
        QCOMPARE(info.parameterCount, int64_t(19701152));  // the fixture README's count
        QVERIFY2(info.unusedTensors.empty(), "every checkpoint tensor should be read");
        QCOMPARE(QString::fromStdString(info.dtype), QStringLiteral("float32"));
    }

    void preprocessingMatchesTheReference() {
        const RgbImage image = loadImageFile(dir_ + "/image.jpg");
        const PreparedInput input = session_->prepare(prompt(), &image);
        QCOMPARE(input.inputIds, referenceInts(*reference_, "input_ids").data);
        QVERIFY(input.image.has_value());
        const Int64Array grid = referenceInts(*reference_, "image_grid_thw");
        QCOMPARE((std::vector<int64_t>{input.image->grid.t, input.image->grid.h, input.image->grid.w}), grid.data);
        const FloatArray pixels = referenceFloats(*reference_, "pixel_values");
        QCOMPARE(input.image->pixelValues.shape, pixels.shape);
        const double diff = maxAbsDiff(input.image->pixelValues, pixels);
        qInfo("pixel_values max abs diff %.3g", diff);
        QVERIFY2(diff <= 1e-5, "pixel values must match Pillow's resampling");
        QCOMPARE(input.positionIds.data, referenceInts(*reference_, "position_ids").data);
        QCOMPARE(input.ropeDelta, referenceJson_.at("rope_deltas")[0].get<int64_t>());
    }

    void logitsMatchGivenTheReferencePixels() {
        const PrefillOutput out = session_->prefill(f_.input, 8);

        const FloatArray last = referenceFloats(*reference_, "logits_last");
        QCOMPARE(out.lastLogits.shape, last.shape);
        const double lastDiff = maxAbsDiff(out.lastLogits, last);
        const FloatArray first8 = referenceFloats(*reference_, "logits_first8");
        QCOMPARE(out.leadingLogits.shape, first8.shape);
        const double firstDiff = maxAbsDiff(out.leadingLogits, first8);
        qInfo("logits_last max abs diff %.3g, logits_first8 max abs diff %.3g", lastDiff, firstDiff);
        QVERIFY(lastDiff <= 1e-4);
        QVERIFY(firstDiff <= 1e-4);
        const auto argmax = std::max_element(out.lastLogits.data.begin(), out.lastLogits.data.end()) -
                            out.lastLogits.data.begin();
        QCOMPARE(int64_t(argmax), referenceJson_.at("logits_last_argmax").get<int64_t>());
    }

    void greedyGenerationMatches() {
        const RgbImage image = loadImageFile(dir_ + "/image.jpg");
        const PreparedInput input = session_->prepare(prompt(), &image);
        const auto& greedy = referenceJson_.at("greedy");
        GenerationOptions options;
        options.maxNewTokens = greedy.at("max_new_tokens").get<int64_t>();
        options.stopTokenIds = greedy.at("eos_token_ids").get<std::vector<int64_t>>();
        std::vector<int64_t> streamed;
        std::string streamedText;
        const GenerationResult result = session_->generate(input, options, [&](int64_t id, const std::string& piece) {
            streamed.push_back(id);
            streamedText += piece;
        });
        QCOMPARE(result.ids, greedy.at("ids").get<std::vector<int64_t>>());
        QCOMPARE(streamed, result.ids);
        QCOMPARE(QString::fromStdString(result.text), QString::fromStdString(greedy.at("text").get<std::string>()));
        QCOMPARE(QString::fromStdString(streamedText), QString::fromStdString(result.text));
        QCOMPARE(result.promptTokens, int64_t(input.inputIds.size()));
        QVERIFY(!result.cancelled);
        // The first log-probability is the gate-gradient target's, recorded by the reference run.
        QVERIFY(std::abs(result.logprobs.at(0) - referenceJson_.at("grad_gate").at("logp_target").get<float>()) < 1e-4);
    }
};

QTEST_GUILESS_MAIN(QwenParityTest)
#include "test_qwen_parity.moc"
