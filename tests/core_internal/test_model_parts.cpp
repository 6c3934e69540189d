// Pieces of the model checked against hand-built examples: Qwen2.5-VL's window partition, the vision
// rotary angles in merge-block order, and the incremental decoder against a full forward.
#include <QtTest/QtTest>

#include "fixtures.h"
#include "headscope/error.h"
#include "headscope/session.h"
#include "models/qwen_vision.h"
#include "session_impl.h"

using namespace headscope;
using namespace headscope::models;

namespace {

// The tiny Qwen2.5-VL fixture on the CPU in float32 (callers check that it is present).
std::unique_ptr<Session> loadTinyFixture() {
    LoadOptions options;
    options.device = DeviceChoice::Cpu;
    options.dtype = DTypeChoice::Float32;
    return Session::load(testing::fixtureDir("qwen25vl-tiny"), options);
}

// The fixture's picture with a question about it.
PreparedInput prepareTinyPrompt(Session& session) {
    const RgbImage image = loadImageFile(testing::fixtureDir("qwen25vl-tiny") + "/image.jpg");
    ChatPrompt prompt;
    prompt.userText = "What is in the picture?";
    return session.prepare(prompt, &image);
}

}  // namespace

class ModelPartsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void windowPartitionOfASmallGrid() {
        // Grid 1 x 6 x 10 patches, merge 2 -> 3 x 5 merged tokens, numbered row-major:
        //    0  1  2  3  4
        //    5  6  7  8  9
        //   10 11 12 13 14
        // Windows of 2 x 2 merged tokens, scanned row by row, the last row and column partial:
        //   [0 1 5 6] [2 3 7 8] [4 9] [10 11] [12 13] [14]
        // Each merged token is 4 patches, so the segment ends are 16, 32, 40, 48, 56, 60.
        const WindowPartition p = partitionIntoWindows({GridTHW{1, 6, 10}}, 2, 2);
        QCOMPARE(p.mergedOrder, (std::vector<int64_t>{0, 1, 5, 6, 2, 3, 7, 8, 4, 9, 10, 11, 12, 13, 14}));
        QCOMPARE(p.cuWindowSeqlens, (std::vector<int64_t>{0, 16, 32, 40, 48, 56, 60}));
    }

    void windowPartitionWithExactFitAndTwoImages() {
        // 4 x 4 patches -> 2 x 2 merged tokens: one full window of size 2; a second image continues the
        // numbering after the first one's 4 tokens.
        const WindowPartition p = partitionIntoWindows({GridTHW{1, 4, 4}, GridTHW{1, 2, 4}}, 2, 2);
        QCOMPARE(p.mergedOrder, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
        QCOMPARE(p.cuWindowSeqlens, (std::vector<int64_t>{0, 16, 24}));
    }

    void mropePositionsOfTextImageText() {
        // 3 text tokens, an image of grid (1, 4, 6) -> 2 x 3 merged tokens, then 2 text tokens.
        const int64_t I = 99;
        const std::vector<int64_t> ids = {1, 2, 3, I, I, I, I, I, I, 4, 5};
        int64_t delta = 0;
        const Int64Array pos = computeMropePositions(ids, {GridTHW{1, 4, 6}}, I, 2, &delta);
        QCOMPARE(pos.shape, (std::vector<int64_t>{3, 11}));
        // Text 0..2; image at offset 3: t = 3, h = 3 + row, w = 3 + col; text resumes at max(3+1, 3+2) + 1 = 6.
        const std::vector<int64_t> t = {0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7};
        const std::vector<int64_t> h = {0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7};
        const std::vector<int64_t> w = {0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7};
        QCOMPARE(std::vector<int64_t>(pos.data.begin(), pos.data.begin() + 11), t);
        QCOMPARE(std::vector<int64_t>(pos.data.begin() + 11, pos.data.begin() + 22), h);
        QCOMPARE(std::vector<int64_t>(pos.data.begin() + 22, pos.data.end()), w);
        QCOMPARE(delta, int64_t(8 - 11));
    }

    void mropePositionsRejectAMismatchedImageBlock() {
        const int64_t I = 99;
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, computeMropePositions({1, I, I, 2}, {GridTHW{1, 4, 6}}, I, 2, nullptr));
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, computeMropePositions({1, I, 2}, {}, I, 2, nullptr));
    }

    void incrementalDecodingEqualsAFullForward() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const auto session = loadTinyFixture();
        PreparedInput input = prepareTinyPrompt(*session);
        auto& impl = session->impl();
        torch::NoGradGuard noGrad;

        // Prefill in one pass, then append 12 tokens one at a time with the cache.
        const int64_t n = static_cast<int64_t>(input.inputIds.size()), steps = 12;
        models::KVCache cache = impl.model->decoder().makeCache(1, n + steps, torch::TensorOptions().dtype(torch::kFloat32));
        auto hidden = impl.prefillHidden(input, &cache, {});
        std::vector<torch::Tensor> incremental{impl.model->logits(hidden[0][-1])};
        std::vector<int64_t> ids = input.inputIds;
        for (int64_t s = 0; s < steps; ++s) {
            const int64_t next = incremental.back().argmax().item<int64_t>();
            ids.push_back(next);
            auto positions = torch::full({3, 1, 1}, cache.length + input.ropeDelta, torch::kInt64);
            auto h = impl.model->decoder().forward(impl.model->decoder().embedTokens(torch::tensor({next}).view({1, 1})),
                                                positions, &cache, {});
            incremental.push_back(impl.model->logits(h[0][-1]));
        }

        // The whole sequence at once, without a cache; small query chunks exercise the chunked attention too.
        PreparedInput full = input;
        full.inputIds = ids;
        full.positionIds = computeMropePositions(ids, {input.image->grid}, session->config().imageTokenId, 2, nullptr);
        models::DecoderRunOptions run;
        run.queryChunk = 37;
        auto fullHidden = impl.prefillHidden(full, nullptr, run)[0];
        double worst = 0;
        for (int64_t s = 0; s <= steps; ++s) {
            auto fullLogits = impl.model->logits(fullHidden[n - 1 + s]);
            worst = std::max(worst, (fullLogits - incremental[s]).abs().max().item<double>());
            QCOMPARE(fullLogits.argmax().item<int64_t>(), incremental[s].argmax().item<int64_t>());
        }
        qInfo("incremental vs full forward: max abs logit diff %.3g over %lld positions", worst,
              static_cast<long long>(steps + 1));
        QVERIFY(worst < 1e-4);
    }

    // A block of several tokens appended to a filled cache (rows that see the cache and, causally, each other):
    // on the fused path that takes an explicit mask, on the eager path the chunked one; both must agree with a
    // single pass over the whole sequence.
    void appendingABlockToTheCacheEqualsAFullForward() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const auto session = loadTinyFixture();
        PreparedInput input = prepareTinyPrompt(*session);
        auto& impl = session->impl();
        auto& decoder = impl.model->decoder();
        QVERIFY(decoder.fusedAttentionAllowed);
        torch::NoGradGuard noGrad;
        const int64_t n = static_cast<int64_t>(input.inputIds.size());
        const std::vector<int64_t> block = {15, 27, 3, 99, 42};
        std::vector<int64_t> ids = input.inputIds;
        ids.insert(ids.end(), block.begin(), block.end());
        PreparedInput full = input;
        full.inputIds = ids;
        full.positionIds = computeMropePositions(ids, {input.image->grid}, session->config().imageTokenId, 2, nullptr);
        const auto whole = impl.model->logits(impl.prefillHidden(full, nullptr, {})[0]).narrow(0, n, 5);
        for (const bool fused : {true, false}) {
            models::DecoderRunOptions run;
            run.fusedAttention = fused;
            models::KVCache cache = decoder.makeCache(1, n + 5, torch::TensorOptions().dtype(torch::kFloat32));
            impl.prefillHidden(input, &cache, run);
            QCOMPARE(cache.length, n);
            // Text after the prompt: position index + delta on every M-RoPE axis.
            const auto positions =
                torch::arange(n, n + 5, torch::kInt64).add(input.ropeDelta).view({1, 1, 5}).expand({3, 1, 5});
            const auto embeds = decoder.embedTokens(torch::tensor(block).view({1, 5}));
            const auto h = decoder.forward(embeds, positions, &cache, run);
            const double worst = (impl.model->logits(h[0]) - whole).abs().max().item<double>();
            qInfo("%s: a 5-token block after %lld cached positions vs one pass: max abs logit diff %.3g",
                  fused ? "fused" : "eager", static_cast<long long>(n), worst);
            QVERIFY(worst <= 1e-5);
        }
    }

    // The training probes' view of the decoder: one output per layer, in order, the last one being what the
    // final norm turns into the returned hidden states.
    // A LibTorch error that reaches a front end is shown as its sentence, without the C++ backtrace.
    void aLibTorchErrorIsShownWithoutItsBacktrace() {
        std::string shown, raw;
        try {
            (void)torch::zeros({2, 3}).matmul(torch::zeros({4, 5}));
        } catch (const std::exception& e) {
            raw = e.what();
            shown = headscope::userMessage(e);
        }
        QVERIFY2(raw.find("Exception raised from") != std::string::npos, raw.c_str());
        QVERIFY2(shown.find("cannot be multiplied") != std::string::npos, shown.c_str());
        QVERIFY2(shown.find("Exception raised from") == std::string::npos && shown.size() < raw.size(), shown.c_str());
        const headscope::FormatError ours("model.safetensors: header is not valid JSON");
        QCOMPARE(headscope::userMessage(ours), std::string(ours.what()));
    }

    // Messages quote what they found; a 50 MB value is cut in the middle, keeping the file and the problem.
    void aHugeMessageKeepsItsStartAndEnd() {
        const std::string value(50u << 20, 'x');
        const headscope::FormatError error("config.json: model_type \"" + value + "\" is not supported");
        const std::string message = error.what();
        QVERIFY(message.size() <= headscope::Error::kMaxErrorMessage + 64);
        QVERIFY(message.rfind("config.json: model_type \"xxx", 0) == 0);
        QVERIFY(message.find("bytes cut") != std::string::npos);
        QVERIFY(message.size() > 20 && message.substr(message.size() - 20) == "xx\" is not supported");
    }

    void layerOutputsAreCapturedInOrder() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const auto session = loadTinyFixture();
        PreparedInput input = prepareTinyPrompt(*session);
        auto& impl = session->impl();
        torch::NoGradGuard noGrad;

        std::vector<torch::Tensor> outputs;
        models::DecoderRunOptions run;
        run.layerOutputs = &outputs;
        const torch::Tensor hidden = impl.prefillHidden(input, nullptr, run);
        auto& decoder = impl.model->decoder();
        QCOMPARE(int64_t(outputs.size()), decoder.config.numLayers);
        for (const torch::Tensor& layer : outputs) QCOMPARE(layer.sizes(), hidden.sizes());
        QVERIFY(torch::equal(decoder.norm(outputs.back()), hidden));
        for (size_t i = 1; i < outputs.size(); ++i) QVERIFY(!torch::allclose(outputs[i], outputs[i - 1]));

        // Without the option nothing is collected and the result is the same.
        QVERIFY(torch::equal(impl.prefillHidden(input, nullptr, {}), hidden));
    }
};

QTEST_GUILESS_MAIN(ModelPartsTest)
#include "test_model_parts.moc"
