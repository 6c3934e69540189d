// Functional head identification, class-conditioned gains and head control, checked on hand-made visual-share
// tables whose classes are worked out by hand in the comments.
#include <QtTest/QtTest>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "expect_error.h"
#include "headscope/error.h"
#include "headscope/head_classes.h"
#include "headscope/head_control.h"

using namespace headscope;

namespace {

constexpr int64_t P = static_cast<int64_t>(HeadClass::Perception);
constexpr int64_t R = static_cast<int64_t>(HeadClass::Reasoning);
constexpr int64_t O = static_cast<int64_t>(HeadClass::Other);

// 10 layers x 4 heads. With the default rule (l_perc 7, l_reas 3, tau_perc 0.22, tau_reas 0.01):
//   layer 0: 0.30 P, 0.22 P (== tau_perc), 0.21 O (just below), 0.005 O (too shallow for reasoning)
//   layer 1: 0.10 O, 0.00 O (too shallow), 0.50 P, 0.219 O
//   layer 2: all 0.05 O
//   layer 3 (== l_reas): 0.01 R (== tau_reas), 0.25 P, 0.011 O (just above), 0.0 R
//   layers 4-6: 0.10, 0.02, 0.15 everywhere, O
//   layer 7 (== l_perc): 0.22 P, 0.009 R, 0.12 O, 0.12 O
//   layer 8: 0.90 O (too deep for perception), 0.12 O, 0.001 R, 0.12 O
//   layer 9: 0.12 O, 0.12 O, 0.12 O, 0.01 R
// Perception: (0,0) (0,1) (1,2) (3,1) (7,0) = 5; reasoning: (3,0) (3,3) (7,1) (8,2) (9,3) = 5.
FloatArray handMadeShares() {
    return FloatArray({10, 4}, {
                                   0.30f, 0.22f,  0.21f,  0.005f,  // layer 0
                                   0.10f, 0.00f,  0.50f,  0.219f,  // layer 1
                                   0.05f, 0.05f,  0.05f,  0.05f,   // layer 2
                                   0.01f, 0.25f,  0.011f, 0.0f,    // layer 3
                                   0.10f, 0.10f,  0.10f,  0.10f,   // layer 4
                                   0.02f, 0.02f,  0.02f,  0.02f,   // layer 5
                                   0.15f, 0.15f,  0.15f,  0.15f,   // layer 6
                                   0.22f, 0.009f, 0.12f,  0.12f,   // layer 7
                                   0.90f, 0.12f,  0.001f, 0.12f,   // layer 8
                                   0.12f, 0.12f,  0.12f,  0.01f,   // layer 9
                               });
}

const std::vector<int64_t> kHandMadeClasses = {
    P, P, O, O,  // layer 0
    O, O, P, O,  // layer 1
    O, O, O, O,  // layer 2
    R, P, O, R,  // layer 3
    O, O, O, O,  // layer 4
    O, O, O, O,  // layer 5
    O, O, O, O,  // layer 6
    P, R, O, O,  // layer 7
    O, O, R, O,  // layer 8
    O, O, O, R,  // layer 9
};

// The gain table that puts `perception`, `reasoning` and `other` on the hand-made classes.
std::vector<float> gainsFor(float perception, float reasoning, float other) {
    std::vector<float> gains;
    for (int64_t c : kHandMadeClasses) gains.push_back(c == P ? perception : c == R ? reasoning : other);
    return gains;
}

FloatArray sharesWith(int64_t layer, int64_t head, float value) {
    FloatArray shares = handMadeShares();
    shares.data[static_cast<size_t>(layer * 4 + head)] = value;
    return shares;
}

using headscope::testing::expectInvalid;

void expectRuleRefused(const FacRule& rule, const std::string& fragment) {
    expectInvalid([&] { validateRule(rule); }, fragment);
    expectInvalid([&] { classifyHeads(handMadeShares(), rule); }, fragment);
}

}  // namespace

class TestHeadClasses : public QObject {
    Q_OBJECT

private slots:
    void defaultsAreThePapers() {
        const FacRule rule;
        QCOMPARE(rule.perceptionMaxLayer, int64_t{7});
        QCOMPARE(rule.reasoningMinLayer, int64_t{3});
        QCOMPARE(rule.perceptionMinShare, 0.22);
        QCOMPARE(rule.reasoningMaxShare, 0.01);
        QCOMPARE(rule.perceptionGain, 1.16);
        QCOMPARE(rule.reasoningGain, 1.30);
        QVERIFY(rule.enhancePerception);
        QVERIFY(rule.enhanceReasoning);
        QVERIFY(!rule.attenuateOthers);
    }

    void classNames() {
        QCOMPARE(std::string(headClassName(HeadClass::Other)), std::string("other"));
        QCOMPARE(std::string(headClassName(HeadClass::Perception)), std::string("perception"));
        QCOMPARE(std::string(headClassName(HeadClass::Reasoning)), std::string("reasoning"));
    }

    void classifiesHandMadeTable() {
        const HeadClassification result = classifyHeads(handMadeShares(), FacRule{});
        QCOMPARE(result.classes.shape, (std::vector<int64_t>{10, 4}));
        QCOMPARE(result.classes.data, kHandMadeClasses);
    }

    void thresholdsAndDepthLimitsAreInclusive() {
        const HeadClassification result = classifyHeads(handMadeShares(), FacRule{});
        auto classAt = [&](int64_t layer, int64_t head) {
            return result.classes.data[size_t(layer * 4 + head)];
        };
        QCOMPARE(classAt(0, 1), P);  // S_v == tau_perc
        QCOMPARE(classAt(3, 0), R);  // S_v == tau_reas at layer == l_reas
        QCOMPARE(classAt(7, 0), P);  // layer == l_perc
        QCOMPARE(classAt(9, 3), R);  // S_v == tau_reas in the last layer
        QCOMPARE(classAt(8, 0), O);  // layer l_perc + 1 with a large share
        QCOMPARE(classAt(1, 1), O);  // share 0, but layer 1 < l_reas
    }

    void countsAndFractions() {
        const HeadClassification result = classifyHeads(handMadeShares(), FacRule{});
        QCOMPARE(result.perceptionCount, int64_t{5});
        QCOMPARE(result.reasoningCount, int64_t{5});
        QCOMPARE(result.totalHeads, int64_t{40});
        QCOMPARE(result.perceptionFraction(), 0.125);  // 5 / 40
        QCOMPARE(result.reasoningFraction(), 0.125);   // 5 / 40
        QCOMPARE(result.selectedFraction(), 0.25);     // 10 / 40
    }

    void emptyClassificationHasZeroFractions() {
        const HeadClassification empty;
        QCOMPARE(empty.perceptionFraction(), 0.0);
        QCOMPARE(empty.selectedFraction(), 0.0);
    }

    void shareJustAboveOneIsRounding() {
        // 1 + 5e-7 is float rounding of a share of 1 and accepted; at layer 0 it is a perception head.
        const HeadClassification result = classifyHeads(sharesWith(0, 2, 1.0000005f), FacRule{});
        QCOMPARE(result.classes.data[2], P);
    }

    void gainsForEnhanceDefaults() {
        const HeadClassification classes = classifyHeads(handMadeShares(), FacRule{});
        const FloatArray gains = classConditionedGains(classes, FacRule{});
        QCOMPARE(gains.shape, (std::vector<int64_t>{10, 4}));
        QCOMPARE(gains.data, gainsFor(1.16f, 1.30f, 1.0f));
    }

    void gainsForEnhancePerceptionOnly() {
        FacRule rule;
        rule.enhanceReasoning = false;
        const FloatArray gains = classConditionedGains(classifyHeads(handMadeShares(), rule), rule);
        QCOMPARE(gains.data, gainsFor(1.16f, 1.0f, 1.0f));
    }

    void gainsForAttenuateOthers() {
        FacRule rule;
        rule.attenuateOthers = true;
        rule.otherGain = 0.8;
        const FloatArray gains = classConditionedGains(classifyHeads(handMadeShares(), rule), rule);
        QCOMPARE(gains.data, gainsFor(1.16f, 1.30f, 0.8f));
    }

    void headMeetingBothConditionsIsPerception() {
        // Layers overlap fully (l_perc 9 >= l_reas 0) and tau_perc 0.05 <= tau_reas 0.5:
        //   0.30: >= 0.05 and <= 0.5 -> both -> perception
        //   0.60: >= 0.05 only -> perception
        //   0.01: <= 0.5 only -> reasoning
        //   0.50: both (== tau_reas) -> perception
        FacRule rule;
        rule.perceptionMaxLayer = 9;
        rule.reasoningMinLayer = 0;
        rule.perceptionMinShare = 0.05;
        rule.reasoningMaxShare = 0.5;
        const HeadClassification result =
            classifyHeads(FloatArray({2, 2}, {0.30f, 0.60f, 0.01f, 0.50f}), rule);
        QCOMPARE(result.classes.data, (std::vector<int64_t>{P, P, R, P}));
        QCOMPARE(result.perceptionCount, int64_t{3});
        QCOMPARE(result.reasoningCount, int64_t{1});
    }

    void selectsByFraction() {
        // 20% of 40 heads: 4 per class. Perception, highest S_v in layers 0-7: 0.50 (1,2), 0.30 (0,0),
        // 0.25 (3,1), then of the two 0.22 heads the earlier, (0,1). Reasoning, lowest S_v in layers 3-9:
        // 0.0 (3,3), 0.001 (8,2), 0.009 (7,1), then of the two 0.01 heads the earlier, (3,0).
        const HeadClassification c = classifyHeadsByFraction(handMadeShares(), FacRule{}, 0.2);
        std::vector<int64_t> expected(40, O);
        for (int64_t i : {1 * 4 + 2, 0, 3 * 4 + 1, 1}) expected[size_t(i)] = P;
        for (int64_t i : {3 * 4 + 3, 8 * 4 + 2, 7 * 4 + 1, 3 * 4}) expected[size_t(i)] = R;
        QCOMPARE(c.classes.data, expected);
        QCOMPARE(c.perceptionCount, int64_t(4));
        QCOMPARE(c.reasoningCount, int64_t(4));
        QCOMPARE(c.selectedFraction(), 0.2);

        const HeadClassification none = classifyHeadsByFraction(handMadeShares(), FacRule{}, 0.0);
        QCOMPARE(none.perceptionCount + none.reasoningCount, int64_t(0));
        // All of them: 20 perception heads of the 32 eligible, then reasoning heads from what is left of layers 3-9.
        const HeadClassification all = classifyHeadsByFraction(handMadeShares(), FacRule{}, 1.0);
        QCOMPARE(all.perceptionCount, int64_t(20));
        int64_t leftInDeepLayers = 0;
        for (int64_t i = 12; i < 40; ++i) leftInDeepLayers += all.classes.data[size_t(i)] != P;
        QCOMPARE(all.reasoningCount, std::min<int64_t>(20, leftInDeepLayers));
        expectInvalid([] { classifyHeadsByFraction(handMadeShares(), FacRule{}, 1.5); }, "fraction of heads");
    }

    void refusesBadTables() {
        expectInvalid([] { classifyHeads(FloatArray({4}, {0.1f, 0.2f, 0.3f, 0.4f}), FacRule{}); }, "2-D");
        expectInvalid([] { classifyHeads(FloatArray({0, 4}, {}), FacRule{}); }, "empty");
        expectInvalid([] { classifyHeads(FloatArray({2, 2}, {0.1f, 0.2f, 0.3f}), FacRule{}); }, "3 values");
        const float nan = std::numeric_limits<float>::quiet_NaN();
        expectInvalid([&] { classifyHeads(sharesWith(2, 1, nan), FacRule{}); },
                      "visual share at layer 2, head 1 is nan");
        expectInvalid([] { classifyHeads(sharesWith(3, 1, 1.5f), FacRule{}); },
                      "visual share at layer 3, head 1 is 1.5; shares lie in [0, 1]");
        expectInvalid([] { classifyHeads(sharesWith(5, 3, -0.25f), FacRule{}); },
                      "visual share at layer 5, head 3 is -0.25");
        expectInvalid([] { classifyHeads(sharesWith(0, 0, 1.00001f), FacRule{}); }, "layer 0, head 0");
    }

    void refusesBadRules() {
        FacRule negativeLayer;
        negativeLayer.perceptionMaxLayer = -1;
        expectRuleRefused(negativeLayer, "l_perc is -1");
        FacRule negativeReasoningLayer;
        negativeReasoningLayer.reasoningMinLayer = -2;
        expectRuleRefused(negativeReasoningLayer, "l_reas is -2");
        FacRule tauAbove;
        tauAbove.reasoningMaxShare = 1.2;
        expectRuleRefused(tauAbove, "tau_reas is 1.2");
        FacRule tauBelow;
        tauBelow.perceptionMinShare = -0.1;
        expectRuleRefused(tauBelow, "tau_perc is -0.1");
        FacRule tauNan;
        tauNan.perceptionMinShare = std::numeric_limits<double>::quiet_NaN();
        expectRuleRefused(tauNan, "tau_perc");
        FacRule negativeGain;
        negativeGain.perceptionGain = -0.5;
        expectRuleRefused(negativeGain, "g_perc is -0.5");
        FacRule infiniteGain;
        infiniteGain.reasoningGain = std::numeric_limits<double>::infinity();
        expectRuleRefused(infiniteGain, "g_reas is inf");
        FacRule negativeOther;
        negativeOther.otherGain = -1.0;
        expectRuleRefused(negativeOther, "other heads");
    }

    void validRuleEdgesAreAccepted() {
        FacRule rule;
        rule.perceptionMaxLayer = 0;
        rule.reasoningMinLayer = 0;
        rule.perceptionMinShare = 0.0;
        rule.reasoningMaxShare = 1.0;
        rule.perceptionGain = 0.0;
        validateRule(rule);
    }

    void controlIdentity() {
        QVERIFY(HeadControl{}.isIdentity());  // no table, no ablation

        HeadControl ones;
        ones.gains = FloatArray({2, 3}, std::vector<float>(6, 1.0f));
        QVERIFY(ones.isIdentity());

        HeadControl almost = ones;
        almost.gains.data[4] = 0.999999f;
        QVERIFY(!almost.isIdentity());

        HeadControl ablated;
        ablated.ablations.push_back({1, 2, AblationKind::Zero});
        QVERIFY(!ablated.isIdentity());

        HeadControl onesAndAblation = ones;
        onesAndAblation.ablations.push_back({0, 0, AblationKind::Mean});
        QVERIFY(!onesAndAblation.isIdentity());
    }

    void unitGainTable() {
        const FloatArray gains = unitGains(3, 2);
        QCOMPARE(gains.shape, (std::vector<int64_t>{3, 2}));
        QCOMPARE(gains.data, std::vector<float>(6, 1.0f));
        HeadControl control;
        control.gains = gains;
        QVERIFY(control.isIdentity());
        expectInvalid([] { unitGains(-1, 4); }, "negative");
    }
};

QTEST_APPLESS_MAIN(TestHeadClasses)
#include "test_head_classes.moc"
