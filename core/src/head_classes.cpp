// Functional head identification and the class-conditioned gain table of arXiv 2510.10285.
#include "headscope/head_classes.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "headscope/error.h"

namespace headscope {
namespace {

// Shares are sums of float probabilities, so a share of 1 can come out a few ulps above it.
constexpr double kShareRoundingTolerance = 1e-6;

void requireLayerLimit(int64_t value, const char* name) {
    if (value < 0)
        throw InvalidInputError(std::string(name) + " is " + std::to_string(value) +
                                "; layer limits count from 0 and cannot be negative");
}

std::string formatNumber(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
}

void requireShareThreshold(double value, const char* name) {
    if (!(value >= 0.0 && value <= 1.0))
        throw InvalidInputError(std::string(name) + " is " + formatNumber(value) +
                                "; visual-share thresholds lie in [0, 1]");
}

void requireGain(double value, const char* name) {
    if (!std::isfinite(value) || value < 0.0)
        throw InvalidInputError(std::string(name) + " is " + formatNumber(value) +
                                "; gains must be finite and 0 or more");
}

void requireHeadTable(const std::vector<int64_t>& shape, size_t dataSize, const char* what) {
    if (shape.size() != 2)
        throw InvalidInputError(std::string("the ") + what + " table must be 2-D [layers, heads]; it has " +
                                std::to_string(shape.size()) + " dimension(s)");
    if (shape[0] <= 0 || shape[1] <= 0)
        throw InvalidInputError(std::string("the ") + what + " table is empty (" + std::to_string(shape[0]) +
                                " layers x " + std::to_string(shape[1]) + " heads)");
    if (static_cast<size_t>(shape[0] * shape[1]) != dataSize)
        throw InvalidInputError(std::string("the ") + what + " table holds " + std::to_string(dataSize) +
                                " values for a shape of " + std::to_string(shape[0]) + " x " +
                                std::to_string(shape[1]));
}

void requireShare(float share, int64_t layer, int64_t head) {
    if (std::isfinite(share) && share >= 0.0f && share <= 1.0 + kShareRoundingTolerance) return;
    throw InvalidInputError("visual share at layer " + std::to_string(layer) + ", head " +
                            std::to_string(head) + " is " + formatNumber(share) + "; shares lie in [0, 1]");
}

// The thresholds are compared at the table's float precision, so that a share stored as the float nearest
// to the threshold the user typed (0.22f is below the double 0.22) counts as meeting it.
HeadClass classify(int64_t layer, float share, const FacRule& rule) {
    const bool perception =
        layer <= rule.perceptionMaxLayer && share >= static_cast<float>(rule.perceptionMinShare);
    const bool reasoning =
        layer >= rule.reasoningMinLayer && share <= static_cast<float>(rule.reasoningMaxShare);
    if (perception) return HeadClass::Perception;  // wins a tie: see the header
    if (reasoning) return HeadClass::Reasoning;
    return HeadClass::Other;
}

double fractionOf(int64_t count, int64_t total) { return total > 0 ? double(count) / double(total) : 0.0; }

float gainOf(int64_t headClass, const FacRule& rule) {
    switch (static_cast<HeadClass>(headClass)) {
    case HeadClass::Perception:
        return rule.enhancePerception ? static_cast<float>(rule.perceptionGain) : 1.0f;
    case HeadClass::Reasoning: return rule.enhanceReasoning ? static_cast<float>(rule.reasoningGain) : 1.0f;
    case HeadClass::Other: return rule.attenuateOthers ? static_cast<float>(rule.otherGain) : 1.0f;
    }
    throw InvalidInputError("head class value " + std::to_string(headClass) +
                            " is none of 0 (other), 1 (perception), 2 (reasoning)");
}

}  // namespace

const char* headClassName(HeadClass c) {
    switch (c) {
    case HeadClass::Other: return "other";
    case HeadClass::Perception: return "perception";
    case HeadClass::Reasoning: return "reasoning";
    }
    return "unknown";
}

double HeadClassification::perceptionFraction() const { return fractionOf(perceptionCount, totalHeads); }

double HeadClassification::reasoningFraction() const { return fractionOf(reasoningCount, totalHeads); }

double HeadClassification::selectedFraction() const {
    return fractionOf(perceptionCount + reasoningCount, totalHeads);
}

void validateRule(const FacRule& rule) {
    requireLayerLimit(rule.perceptionMaxLayer, "perception layer limit l_perc");
    requireLayerLimit(rule.reasoningMinLayer, "reasoning layer limit l_reas");
    requireShareThreshold(rule.perceptionMinShare, "perception threshold tau_perc");
    requireShareThreshold(rule.reasoningMaxShare, "reasoning threshold tau_reas");
    requireGain(rule.perceptionGain, "perception gain g_perc");
    requireGain(rule.reasoningGain, "reasoning gain g_reas");
    requireGain(rule.otherGain, "gain of the other heads");
}

HeadClassification classifyHeads(const FloatArray& visualShare, const FacRule& rule) {
    validateRule(rule);
    requireHeadTable(visualShare.shape, visualShare.data.size(), "visual-share");
    const int64_t layers = visualShare.dim(0);
    const int64_t heads = visualShare.dim(1);

    HeadClassification result;
    result.classes = Int64Array({layers, heads});
    result.totalHeads = layers * heads;
    for (int64_t layer = 0; layer < layers; ++layer) {
        for (int64_t head = 0; head < heads; ++head) {
            const size_t index = static_cast<size_t>(layer * heads + head);
            const float share = visualShare.data[index];
            requireShare(share, layer, head);
            const HeadClass headClass = classify(layer, share, rule);
            result.classes.data[index] = static_cast<int64_t>(headClass);
            if (headClass == HeadClass::Perception) ++result.perceptionCount;
            if (headClass == HeadClass::Reasoning) ++result.reasoningCount;
        }
    }
    return result;
}

HeadClassification classifyHeadsByFraction(const FloatArray& visualShare, const FacRule& rule, double fraction) {
    validateRule(rule);
    requireHeadTable(visualShare.shape, visualShare.data.size(), "visual-share");
    if (!(fraction >= 0 && fraction <= 1))
        throw InvalidInputError("the fraction of heads must be in [0, 1] (got " + std::to_string(fraction) + ")");
    const int64_t layers = visualShare.dim(0);
    const int64_t heads = visualShare.dim(1);
    HeadClassification result;
    result.classes = Int64Array({layers, heads});
    result.totalHeads = layers * heads;
    const int64_t perClass = std::llround(fraction * double(result.totalHeads) / 2);
    std::vector<int64_t> perception, reasoning;
    for (int64_t i = 0; i < result.totalHeads; ++i) {
        requireShare(visualShare.data[size_t(i)], i / heads, i % heads);
        if (i / heads <= rule.perceptionMaxLayer) perception.push_back(i);
    }
    auto share = [&](int64_t i) { return visualShare.data[size_t(i)]; };
    std::stable_sort(perception.begin(), perception.end(), [&](int64_t a, int64_t b) { return share(a) > share(b); });
    perception.resize(size_t(std::min<int64_t>(perClass, int64_t(perception.size()))));
    for (int64_t i : perception) result.classes.data[size_t(i)] = int64_t(HeadClass::Perception);
    for (int64_t i = 0; i < result.totalHeads; ++i)
        if (i / heads >= rule.reasoningMinLayer && result.classes.data[size_t(i)] == int64_t(HeadClass::Other))
            reasoning.push_back(i);
    std::stable_sort(reasoning.begin(), reasoning.end(), [&](int64_t a, int64_t b) { return share(a) < share(b); });
    reasoning.resize(size_t(std::min<int64_t>(perClass, int64_t(reasoning.size()))));
    for (int64_t i : reasoning) result.classes.data[size_t(i)] = int64_t(HeadClass::Reasoning);
    result.perceptionCount = int64_t(perception.size());
    result.reasoningCount = int64_t(reasoning.size());
    return result;
}

FloatArray classConditionedGains(const HeadClassification& classification, const FacRule& rule) {
    validateRule(rule);
    const Int64Array& classes = classification.classes;
    requireHeadTable(classes.shape, classes.data.size(), "head-class");
    FloatArray gains(classes.shape);
    for (size_t i = 0; i < classes.data.size(); ++i) gains.data[i] = gainOf(classes.data[i], rule);
    return gains;
}

}  // namespace headscope
