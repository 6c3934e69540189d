// Attention statistics on a model whose attention is known by construction: with every q_proj weight and
// bias at zero, all queries are 0, every score is 0 and each row of the causal softmax is uniform over
// the keys up to the query. The image share of row i is then (image tokens up to i) / (i + 1).
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "headscope/analysis.h"
#include "headscope/random_model.h"
#include "headscope/safetensors.h"

using namespace headscope;

class AttentionKnownTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<Session> session_;
    PreparedInput input_;

private slots:
    void initTestCase() {
        const std::string folder = dir_.filePath("uniform").toStdString();
        writeRandomQwenModel(folder, randomModelPreset("tiny"), 5);
        // Zero the text decoder's queries in every layer.
        std::vector<TensorToWrite> tensors;
        {
            SafetensorsFile weights(folder + "/model.safetensors");
            for (const TensorView& v : weights.tensors()) {
                TensorToWrite t{v.name, v.dtype, v.shape, std::vector<uint8_t>(v.data, v.data + v.nbytes)};
                if (v.name.find("self_attn.q_proj") != std::string::npos) std::fill(t.data.begin(), t.data.end(), 0);
                tensors.push_back(std::move(t));
            }
        }
        writeSafetensors(folder + "/model.safetensors", tensors);
        LoadOptions options;
        options.device = DeviceChoice::Cpu;
        session_ = Session::load(folder, options);
        RgbImage image;
        image.width = 112;
        image.height = 56;
        image.pixels.assign(112 * 56 * 3, 128);
        ChatPrompt prompt;
        prompt.userText = "Count.";
        input_ = session_->prepare(prompt, &image);  // 112 x 56 -> 8 x 4 patches -> 8 image tokens
    }

    void uniformRowsGiveCountingShares() {
        const std::vector<KeySpan> spans = promptSpans(*session_, input_);
        const KeySpan image = spans.at(1);
        QCOMPARE(image.end - image.begin, int64_t(8));
        const auto n = int64_t(input_.inputIds.size());
        for (int64_t query : {image.begin - 1, image.begin + 3, n - 1}) {
            const AnalyzedPrefill a = prefillAnalyzed(*session_, input_, {}, query);
            const int64_t seen = std::clamp<int64_t>(query + 1 - image.begin, 0, 8);
            const double expected = double(seen) / double(query + 1);
            for (float sv : a.statistics.visualShare.data) QVERIFY(std::abs(sv - expected) < 1e-6);
            // Each span's share is its (visible) length over query + 1.
            for (size_t s = 0; s < spans.size(); ++s) {
                const int64_t visible = std::clamp<int64_t>(query + 1, spans[s].begin, spans[s].end) - spans[s].begin;
                const int64_t cells = 4 * 4;
                for (int64_t c = 0; c < cells; ++c)
                    QVERIFY(std::abs(a.statistics.spanShares.data[size_t(int64_t(s) * cells + c)] -
                                     double(visible) / double(query + 1)) < 1e-6);
            }
            for (int64_t k = 0; k < n; ++k)
                QVERIFY(std::abs(a.queryRow.data[size_t(k)] - (k <= query ? 1.0 / double(query + 1) : 0.0)) < 1e-6);
        }
    }

    void generatedRowsToo() {
        GenerationOptions options;
        options.maxNewTokens = 4;
        options.stopTokenIds = {-1};
        const AnalyzedGeneration run = generateAnalyzed(*session_, input_, options, {}, {});
        const auto n = int64_t(input_.inputIds.size());
        // Generated token t is predicted by row n - 1 + t, which sees n + t keys, 8 of them image tokens.
        for (int64_t t = 0; t < 4; ++t)
            for (int64_t c = 0; c < 16; ++c)
                QVERIFY(std::abs(run.statistics.generatedVisualShare.data[size_t(t * 16 + c)] - 8.0 / double(n + t)) < 1e-6);
    }
};

QTEST_GUILESS_MAIN(AttentionKnownTest)
#include "test_attention_known.moc"
