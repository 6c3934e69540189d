// Functional head identification (arXiv 2510.10285): perception heads are shallow heads that put much of
// their attention on the image, reasoning heads are deep heads that put almost none there. Plain C++ over
// [layers, heads] tables; layers and heads are counted from 0.
#pragma once
#include <cstdint>
#include <string>

#include "headscope/array.h"

namespace headscope {

enum class HeadClass : int64_t { Other = 0, Perception = 1, Reasoning = 2 };
const char* headClassName(HeadClass c);  // "other", "perception", "reasoning"

// The rule and the class-conditioned gains, with the paper's defaults (Ocean-R1-7B).
struct FacRule {
    int64_t perceptionMaxLayer = 7;    // l_perc: perception heads need layer <= l_perc
    int64_t reasoningMinLayer = 3;     // l_reas: reasoning heads need layer >= l_reas
    double perceptionMinShare = 0.22;  // tau_perc: perception heads need S_v >= tau_perc
    double reasoningMaxShare = 0.01;   // tau_reas: reasoning heads need S_v <= tau_reas
    double perceptionGain = 1.16;      // g_perc
    double reasoningGain = 1.30;       // g_reas
    bool enhancePerception = true;     // apply g_perc (otherwise perception heads keep gain 1)
    bool enhanceReasoning = true;      // apply g_reas
    // The paper's ablation: every head outside both classes is scaled by otherGain (< 1 attenuates).
    bool attenuateOthers = false;
    double otherGain = 0.9;
};

struct HeadClassification {
    Int64Array classes;  // [layers, heads] of HeadClass values
    int64_t perceptionCount = 0;
    int64_t reasoningCount = 0;
    int64_t totalHeads = 0;
    double perceptionFraction() const;
    double reasoningFraction() const;
    double selectedFraction() const;  // both classes together
};

// Applies the rule to a visual-share table S_v [layers, heads]. A head that meets both conditions (possible
// only when tau_perc <= tau_reas and the layer ranges overlap) is classed as perception: its reliance on the
// image is a positive finding, while the reasoning condition only records the absence of one. Throws
// InvalidInputError for a table that is not 2-D or holds values outside [0, 1] or NaN.
HeadClassification classifyHeads(const FloatArray& visualShare, const FacRule& rule);

// Selection by share instead of thresholds (the paper's sweep over the fraction of heads): of the
// layers x heads heads, round(fraction * total / 2) become perception heads (those with the highest S_v
// among layer <= l_perc) and as many become reasoning heads (the lowest S_v among layer >= l_reas, perception
// heads excluded); ties go to the earlier head. The thresholds tau_perc and tau_reas are not used. Throws
// InvalidInputError for a fraction outside [0, 1] or a bad table.
HeadClassification classifyHeadsByFraction(const FloatArray& visualShare, const FacRule& rule, double fraction);

// The gain table [layers, heads] the rule assigns to a classification.
FloatArray classConditionedGains(const HeadClassification& classification, const FacRule& rule);

// Checks a rule's parameters (layers not negative, thresholds in [0, 1], gains finite and >= 0); throws
// InvalidInputError naming the parameter.
void validateRule(const FacRule& rule);

}  // namespace headscope
