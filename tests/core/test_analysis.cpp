// Functional Attention Control analyses on the shared fixture: S_v, attention rows, gains, gate gradients
// and A/B generation against transformers' reference numbers, plus invariants that hold for any model.
#include <QtTest/QtTest>

#include <cmath>

#include "fixtures.h"
#include "test_helpers.h"
#include "headscope/analysis.h"
#include "headscope/error.h"
#include "reference.h"

using namespace headscope;
using namespace headscope::testing;

namespace {

using headscope::testing::logSoftmaxAt;

FloatArray ones(int64_t layers, int64_t heads) { return FloatArray({layers, heads}, std::vector<float>(layers * heads, 1.0f)); }

}  // namespace

class AnalysisTest : public QObject {
    Q_OBJECT

    QwenFixture f_;
    Session* session_ = nullptr;
    SafetensorsFile* reference_ = nullptr;
    nlohmann::json json_;
    PreparedInput input_;  // with the reference pixel values

    HeadControl referenceGains() const {
        HeadControl control;
        control.gains = referenceFloats(*reference_, "gains");
        return control;
    }

private slots:
    void initTestCase() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        f_ = loadQwenFixture();
        session_ = f_.session.get();
        reference_ = f_.reference.get();
        json_ = f_.json;
        input_ = f_.input;
    }

    void promptSpansOfTheFixture() {
        // Hand-read from reference.json's input_ids: "You are a helpful assistant." at 3..8, the image pads
        // at 15..392, "Describe this image." at 394..397.
        const std::vector<KeySpan> spans = promptSpans(*session_, input_);
        QCOMPARE(spans.size(), size_t(3));
        QCOMPARE(QString::fromStdString(spans[0].name), QStringLiteral("system"));
        QCOMPARE(spans[0].begin, int64_t(3));
        QCOMPARE(spans[0].end, int64_t(9));
        QCOMPARE(QString::fromStdString(spans[1].name), QStringLiteral("image"));
        QCOMPARE(spans[1].begin, json_.at("image_token_positions").front().get<int64_t>());
        QCOMPARE(spans[1].end, json_.at("image_token_positions").back().get<int64_t>() + 1);
        QCOMPARE(QString::fromStdString(spans[2].name), QStringLiteral("prompt"));
        QCOMPARE(spans[2].begin, int64_t(394));
        QCOMPARE(spans[2].end, int64_t(398));
    }

    void visualShareAndRowMatchTheReference() {
        const AnalyzedPrefill a = prefillAnalyzed(*session_, input_, {});
        const FloatArray sv = referenceFloats(*reference_, "sv");
        const FloatArray row = referenceFloats(*reference_, "attn_last");
        QCOMPARE(a.statistics.visualShare.shape, sv.shape);
        QCOMPARE(a.queryRow.shape, row.shape);
        const double svDiff = maxAbsDiff(a.statistics.visualShare, sv);
        const double rowDiff = maxAbsDiff(a.queryRow, row);
        qInfo("sv max abs diff %.3g, attn_last max abs diff %.3g", svDiff, rowDiff);
        QVERIFY(svDiff <= 1e-5);
        QVERIFY(rowDiff <= 1e-5);
        QCOMPARE(a.statistics.queryPosition, int64_t(input_.inputIds.size()) - 1);
    }

    void sharesAreProbabilities() {
        // Every S_v lies in [0, 1]; image share + share of every other key = 1 (the row is a softmax).
        const AnalyzedPrefill a = prefillAnalyzed(*session_, input_, {}, 200);  // a query row inside the image
        const int64_t layers = 4, heads = 4, keys = a.queryRow.shape[2];
        QCOMPARE(keys, int64_t(input_.inputIds.size()));
        for (int64_t c = 0; c < layers * heads; ++c) {
            const float sv = a.statistics.visualShare.data[size_t(c)];
            QVERIFY(sv >= 0.0f && sv <= 1.0f);
            double text = 0, all = 0;
            for (int64_t k = 0; k < keys; ++k) {
                const double p = a.queryRow.data[size_t(c * keys + k)];
                if (k > 200) QCOMPARE(p, 0.0);  // causal: later keys get nothing
                all += p;
                if (k < 15 || k >= 393) text += p;  // keys 15..392 are image tokens
            }
            QVERIFY(std::abs(all - 1.0) < 1e-5);
            QVERIFY(std::abs(text + sv - 1.0) < 1e-5);
        }
        // Span shares at the query row: the system span's share equals the row summed over its keys.
        QCOMPARE(a.statistics.spanShares.shape, (std::vector<int64_t>{3, 4, 4}));
        double system = 0;
        for (int64_t k = 3; k < 9; ++k) system += a.queryRow.data[size_t(k)];  // layer 0, head 0
        QVERIFY(std::abs(a.statistics.spanShares.data[0] - system) < 1e-6);
    }

    void gainsMatchTheReference() {
        const AnalyzedPrefill a = prefillAnalyzed(*session_, input_, referenceGains());
        const double lastDiff = maxAbsDiff(a.logits.lastLogits, referenceFloats(*reference_, "gains_logits_last"));
        const double firstDiff =
            maxAbsDiff(a.logits.leadingLogits, referenceFloats(*reference_, "gains_logits_first8"));
        qInfo("gains: logits_last %.3g, logits_first8 %.3g", lastDiff, firstDiff);
        QVERIFY(lastDiff <= 1e-4);
        QVERIFY(firstDiff <= 1e-4);
    }

    void unitGainsChangeNothing() {
        const AnalyzedPrefill plain = prefillAnalyzed(*session_, input_, {});
        HeadControl unit;
        unit.gains = ones(4, 4);
        const AnalyzedPrefill withOnes = prefillAnalyzed(*session_, input_, unit);
        QCOMPARE(withOnes.logits.lastLogits.data, plain.logits.lastLogits.data);
        QCOMPARE(withOnes.queryRow.data, plain.queryRow.data);
        // Analyses run the eager attention: a plain prefill on that path is the very same computation, while the
        // session's own (fused) prefill agrees to fp32 rounding.
        LoadOptions eager;
        eager.device = DeviceChoice::Cpu;
        eager.dtype = DTypeChoice::Float32;
        eager.attention = AttentionChoice::Eager;
        QCOMPARE(Session::load(f_.dir, eager)->prefill(input_, 8).lastLogits.data, plain.logits.lastLogits.data);
        QVERIFY(maxAbsDiff(session_->prefill(input_, 8).lastLogits, plain.logits.lastLogits) <= 1e-5);
    }

    void gainZeroEqualsZeroAblation() {
        HeadControl gainZero;
        gainZero.gains = ones(4, 4);
        gainZero.gains.data[size_t(2 * 4 + 1)] = 0.0f;  // layer 2, head 1
        HeadControl ablated;
        ablated.ablations.push_back({2, 1, AblationKind::Zero});
        const AnalyzedPrefill a = prefillAnalyzed(*session_, input_, gainZero);
        const AnalyzedPrefill b = prefillAnalyzed(*session_, input_, ablated);
        QCOMPARE(a.logits.lastLogits.data, b.logits.lastLogits.data);
        const AnalyzedPrefill plain = prefillAnalyzed(*session_, input_, {});
        QVERIFY(a.logits.lastLogits.data != plain.logits.lastLogits.data);
    }

    void meanAblationOfASingleTokenChangesNothing() {
        // With one prompt token, a head's mean over the prompt is its own output.
        PreparedInput single;
        single.inputIds = {input_.inputIds.back()};
        single.positionIds = Int64Array({3, 1}, {0, 0, 0});
        HeadControl mean;
        for (int64_t h = 0; h < 4; ++h) mean.ablations.push_back({1, h, AblationKind::Mean});
        QCOMPARE(prefillAnalyzed(*session_, single, mean).logits.lastLogits.data,
                 prefillAnalyzed(*session_, single, {}).logits.lastLogits.data);
        // On the real prompt it does change the output.
        QVERIFY(prefillAnalyzed(*session_, input_, mean).logits.lastLogits.data !=
                prefillAnalyzed(*session_, input_, {}).logits.lastLogits.data);
    }

    void gateGradientMatchesTheReference() {
        const int64_t target = json_.at("grad_gate").at("target_token").get<int64_t>();
        const TokenExplanation e = explainToken(*session_, input_, {target}, 0);
        QCOMPARE(e.target, target);
        QCOMPARE(e.position, int64_t(input_.inputIds.size()) - 1);
        const double diff = maxAbsDiff(e.gateGradient, referenceFloats(*reference_, "grad_gate"));
        qInfo("grad_gate max abs diff %.3g", diff);
        QVERIFY(diff <= 1e-4);
        QVERIFY(std::abs(e.logProbability - json_.at("grad_gate").at("logp_target").get<float>()) < 1e-4);
        QCOMPARE(e.tokenSaliency.shape, (std::vector<int64_t>{int64_t(input_.inputIds.size())}));
    }

    void gateGradientEqualsFiniteDifference() {
        // Central difference of log p(target) in one gain, on the head with the largest gradient.
        const int64_t target = json_.at("grad_gate").at("target_token").get<int64_t>();
        const TokenExplanation e = explainToken(*session_, input_, {target}, 0);
        const auto largest = std::max_element(e.gateGradient.data.begin(), e.gateGradient.data.end(),
                                              [](float a, float b) { return std::abs(a) < std::abs(b); });
        const auto cell = size_t(largest - e.gateGradient.data.begin());
        const double eps = 1e-2;
        auto logpWithGain = [&](double gain) {
            HeadControl control;
            control.gains = ones(4, 4);
            control.gains.data[cell] = float(gain);
            return logSoftmaxAt(prefillAnalyzed(*session_, input_, control).logits.lastLogits.data, target);
        };
        const double fd = (logpWithGain(1 + eps) - logpWithGain(1 - eps)) / (2 * eps);
        const double relative = std::abs(fd - *largest) / std::abs(fd);
        qInfo("head %zu: autograd %.6f, central difference %.6f, relative error %.2g", cell, *largest, fd, relative);
        QVERIFY(relative < 1e-3);
    }

    void generationWithGainsMatchesTheReference() {
        GenerationOptions options;
        options.maxNewTokens = json_.at("greedy").at("max_new_tokens").get<int64_t>();
        options.stopTokenIds = json_.at("greedy").at("eos_token_ids").get<std::vector<int64_t>>();
        const AnalyzedGeneration run = generateAnalyzed(*session_, input_, options, referenceGains(), {});
        QCOMPARE(run.generation.ids, json_.at("gains").at("greedy_ids").get<std::vector<int64_t>>());

        const ABComparison ab = compareGenerations(*session_, input_, options, referenceGains());
        QCOMPARE(ab.baseline.ids, json_.at("greedy").at("ids").get<std::vector<int64_t>>());
        QCOMPARE(ab.controlled.ids, run.generation.ids);
        QCOMPARE(ab.firstDivergence, int64_t(0));  // 7837 against 148117 at the first token
        const ABComparison same = compareGenerations(*session_, input_, options, {});
        QCOMPARE(same.firstDivergence, int64_t(-1));
        QCOMPARE(same.baseline.logprobs, same.controlled.logprobs);
    }

    void liveStatisticsAgreeWithReplayedRows() {
        GenerationOptions options;
        options.maxNewTokens = 6;
        options.stopTokenIds = {-1};
        const AnalyzedGeneration run = generateAnalyzed(*session_, input_, options, {}, {});
        const FloatArray& perToken = run.generation.ids.empty() ? FloatArray() : run.statistics.generatedVisualShare;
        QCOMPARE(perToken.shape, (std::vector<int64_t>{6, 4, 4}));
        // Token 0 is predicted by the last prompt row: its share is S_v at i*.
        QVERIFY(maxAbsDiff(std::vector<float>(perToken.data.begin(), perToken.data.begin() + 16),
                           run.statistics.visualShare.data) < 1e-6);
        // Token 4 is predicted at position N + 3; the replayed row of that position gives the same share.
        const int64_t n = int64_t(input_.inputIds.size());
        const FloatArray rows = attentionRows(*session_, input_, run.generation.ids, n + 3);
        QCOMPARE(rows.shape, (std::vector<int64_t>{4, 4, n + 4}));
        for (int64_t c = 0; c < 16; ++c) {
            double sv = 0;
            for (int64_t k = 15; k < 393; ++k) sv += rows.data[size_t(c * (n + 4) + k)];
            QVERIFY(std::abs(sv - perToken.data[size_t(4 * 16 + c)]) < 1e-5);
        }
        // The same, through the statistics request for a generated position and the mean over tokens.
        StatisticsRequest at;
        at.query = QueryChoice::Position;
        at.position = n + 3;
        const AnalyzedGeneration again = generateAnalyzed(*session_, input_, options, {}, at);
        QVERIFY(maxAbsDiff(again.statistics.visualShare.data,
                           std::vector<float>(perToken.data.begin() + 64, perToken.data.begin() + 80)) < 1e-5);
        StatisticsRequest mean;
        mean.query = QueryChoice::MeanOverGenerated;
        const AnalyzedGeneration averaged = generateAnalyzed(*session_, input_, options, {}, mean);
        double expected = 0;
        for (int64_t t = 0; t < 6; ++t) expected += perToken.data[size_t(t * 16)] / 6;
        QVERIFY(std::abs(averaged.statistics.visualShare.data[0] - expected) < 1e-6);
    }

    void reasoningSentences() {
        // "a. b!\nc" -> sentences end after the tokens holding '.', '!' and the line break.
        const Tokenizer& t = session_->tokenizer();
        const std::vector<int64_t> ids = t.encode("It is red. Two!\nDone");
        std::vector<int64_t> withEnd = ids;
        withEnd.push_back(*t.tokenToId("<|im_end|>"));
        const std::vector<KeySpan> spans = reasoningSpans(t, 100, withEnd);
        QVERIFY(spans.size() >= 3);
        QCOMPARE(spans.front().begin, int64_t(100));
        QCOMPARE(spans.back().end, int64_t(100 + ids.size()));  // the end-of-turn token belongs to none
        for (size_t i = 1; i < spans.size(); ++i) QCOMPARE(spans[i].begin, spans[i - 1].end);
        std::string first;
        for (int64_t p = spans[0].begin; p < spans[0].end; ++p) first += t.decode({ids[size_t(p - 100)]});
        QCOMPARE(QString::fromStdString(first), QStringLiteral("It is red."));
    }

    void badRequestsAreRefused() {
        HeadControl wrongShape;
        wrongShape.gains = ones(3, 4);
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, prefillAnalyzed(*session_, input_, wrongShape));
        HeadControl outside;
        outside.ablations.push_back({4, 0, AblationKind::Zero});
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, prefillAnalyzed(*session_, input_, outside));
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, prefillAnalyzed(*session_, input_, {}, 403));
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, attentionRows(*session_, input_, {1, 2}, 405));
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, explainToken(*session_, input_, {1, 2}, 2));
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, explainToken(*session_, input_, {1, 2}, 0, int64_t(-5)));
    }
};

QTEST_GUILESS_MAIN(AnalysisTest)
#include "test_analysis.moc"
