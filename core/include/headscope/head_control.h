// What a run does to the attention heads of the text decoder, at the input of each layer's o_proj: every
// head's output softmax(QK^T / sqrt(d)) V is multiplied by its gain, or replaced (ablated). It acts at every
// position, in the prompt pass and for every generated token.
#pragma once
#include <cstdint>
#include <vector>

#include "headscope/array.h"

namespace headscope {

enum class AblationKind {
    Zero,  // the head's output becomes 0
    Mean,  // the head's output at every position becomes its mean over the prompt positions of the same run
};

struct HeadAblation {
    int64_t layer = 0;
    int64_t head = 0;
    AblationKind kind = AblationKind::Zero;
};

struct HeadControl {
    FloatArray gains;  // [layers, heads]; empty = every gain 1
    std::vector<HeadAblation> ablations;

    bool isIdentity() const;  // no ablation and every gain exactly 1 (or no table)
};

FloatArray unitGains(int64_t layers, int64_t heads);

// Gains a run accepts: finite and at most this large either way. The paper's gains lie within a few units;
// a gain of 1e30 turns every later activation into infinity, which is an input mistake, not an experiment.
constexpr float kMaxHeadGain = 1000.0f;
inline bool isAcceptableGain(float gain) { return gain >= -kMaxHeadGain && gain <= kMaxHeadGain; }  // false for NaN

}  // namespace headscope
