// The per-head hook point at the input of o_proj: gains applied there reproduce transformers' gains run
// on the fixture, and gains of exactly 1 leave every number unchanged.
#include <QtTest/QtTest>

#include "analysis/head_control_hook.h"
#include "fixtures.h"
#include "generation.h"
#include "reference.h"
#include "session_impl.h"

using namespace headscope;
using namespace headscope::testing;

class HeadHookTest : public QObject {
    Q_OBJECT

    QwenFixture f_;
    Session* session_ = nullptr;
    SafetensorsFile* reference_ = nullptr;
    nlohmann::json referenceJson_;
    PreparedInput input_;

    // Final hidden states' logits for vocab ids 0..7 at every position, and the full last row.
    std::pair<torch::Tensor, torch::Tensor> run(models::HeadOutputHook* hook) {
        torch::NoGradGuard noGrad;
        models::DecoderRunOptions options;
        options.headHook = hook;
        auto& impl = session_->impl();
        auto hidden = impl.prefillHidden(input_, nullptr, options)[0];
        auto first8 = impl.model->logits(hidden).narrow(1, 0, 8).contiguous();
        auto last = impl.model->logits(hidden[-1]).contiguous();
        return {first8, last};
    }

    torch::Tensor referenceGains() {
        const FloatArray gains = referenceFloats(*reference_, "gains");
        return torch::tensor(gains.data).view({gains.shape[0], gains.shape[1]});
    }

private Q_SLOTS:
    void initTestCase() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        f_ = loadQwenFixture();
        session_ = f_.session.get();
        reference_ = f_.reference.get();
        referenceJson_ = f_.json;
        input_ = f_.input;
    }

    void unitGainsChangeNothingBitForBit() {
        auto [plainFirst, plainLast] = run(nullptr);
        models::HeadScaleHook ones(torch::ones({4, 4}));
        auto [hookFirst, hookLast] = run(&ones);
        QVERIFY(torch::equal(plainFirst, hookFirst));
        QVERIFY(torch::equal(plainLast, hookLast));
    }

    // generateControlled skips the hook when every gain is 1, so that shortcut alone proves nothing about the
    // hook. Here generation goes through the app's own hook with gains of exactly 1, and must not move a bit.
    void unitGainsThroughTheHookGenerateBitForBit() {
        HeadControl unit;
        unit.gains = FloatArray({4, 4}, std::vector<float>(16, 1.0f));
        analysis::HeadControlHook hook(unit, 4, 4, session_->impl().placement.device);
        GenerationOptions options;
        options.maxNewTokens = 12;
        options.stopTokenIds = {-1};
        models::DecoderRunOptions run;
        run.headHook = &hook;
        const GenerationResult hooked = headscope::detail::runGeneration(session_->impl(), input_, options, {}, nullptr, run);
        const GenerationResult plain = headscope::detail::runGeneration(session_->impl(), input_, options, {}, nullptr, {});
        QCOMPARE(hooked.ids.size(), size_t(12));
        QCOMPARE(hooked.ids, plain.ids);
        QCOMPARE(hooked.logprobs, plain.logprobs);  // float equality: bit for bit
    }

    void gainsMatchTheReference() {
        auto gains = referenceGains();
        // The reference gain table: ones except the items listed in reference.json.
        for (const auto& item : referenceJson_.at("gains").at("items"))
            QCOMPARE(gains[item[0].get<int64_t>()][item[1].get<int64_t>()].item<float>(), item[2].get<float>());
        models::HeadScaleHook hook(gains);
        auto [first8, last] = run(&hook);
        const FloatArray refLast = referenceFloats(*reference_, "gains_logits_last");
        const FloatArray refFirst = referenceFloats(*reference_, "gains_logits_first8");
        const double lastDiff = maxAbsDiff(std::vector<float>(last.data_ptr<float>(), last.data_ptr<float>() + last.numel()),
                                           refLast.data);
        const double firstDiff = maxAbsDiff(
            std::vector<float>(first8.data_ptr<float>(), first8.data_ptr<float>() + first8.numel()), refFirst.data);
        qInfo("gains: logits_last max abs diff %.3g, logits_first8 %.3g", lastDiff, firstDiff);
        QVERIFY(lastDiff <= 1e-4);
        QVERIFY(firstDiff <= 1e-4);
        // The gains must actually matter: the reference records how far they moved the last logits.
        auto [plainFirst, plainLast] = run(nullptr);
        const double moved = (last - plainLast).abs().max().item<double>();
        QVERIFY(std::abs(moved - referenceJson_.at("checks").at("gains_changed_last_logits_maxabs").get<double>()) < 1e-3);
    }

    void gainsApplyToEveryDecodedToken() {
        models::HeadScaleHook hook(referenceGains());
        const auto& gains = referenceJson_.at("gains");
        GenerationOptions options;
        options.maxNewTokens = referenceJson_.at("greedy").at("max_new_tokens").get<int64_t>();
        options.stopTokenIds = referenceJson_.at("greedy").at("eos_token_ids").get<std::vector<int64_t>>();
        models::DecoderRunOptions run;
        run.headHook = &hook;
        const GenerationResult result = headscope::detail::runGeneration(session_->impl(), input_, options, {}, nullptr, run);
        QCOMPARE(result.ids, gains.at("greedy_ids").get<std::vector<int64_t>>());
    }
};

QTEST_GUILESS_MAIN(HeadHookTest)
#include "test_head_hook.moc"
