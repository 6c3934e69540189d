// The hook point on every attention head of the text decoder: the per-head output
// softmax(QK^T / sqrt(d)) V, shaped [batch, heads, tokens, head_dim], just before it is concatenated and
// multiplied by o_proj. Gains, gates and ablations attach here without touching the model code.
#pragma once
#include "torch_pch.h"

namespace headscope::models {

class HeadOutputHook {
public:
    virtual ~HeadOutputHook() = default;
    // Returns the tensor o_proj will see in place of `headOutput` (same shape). `queryStart` is the sequence
    // index of the first query row, so that a hook can tell prefill rows from decoded ones.
    virtual torch::Tensor onHeadOutput(int64_t layer, const torch::Tensor& headOutput, int64_t queryStart) = 0;
};

// Sees the post-softmax attention weights of the text decoder, one query chunk at a time, so that
// statistics can be reduced on the fly instead of keeping layers x heads x N x N maps.
class AttentionObserver {
public:
    virtual ~AttentionObserver() = default;
    // probs [batch, heads, rows, keys]: rows are sequence positions queryStart .. queryStart + rows - 1.
    virtual void onAttentionProbs(int64_t layer, const torch::Tensor& probs, int64_t queryStart) = 0;
};

// Multiplies head h of layer l by scale[l][h]: the mechanism of class-conditioned rescaling and of gates.
class HeadScaleHook : public HeadOutputHook {
public:
    explicit HeadScaleHook(torch::Tensor scale) : scale_(std::move(scale)) {}  // [layers, heads]
    torch::Tensor onHeadOutput(int64_t layer, const torch::Tensor& headOutput, int64_t) override {
        auto row = scale_[layer].to(headOutput.device(), headOutput.scalar_type());
        return headOutput * row.view({1, -1, 1, 1});
    }

private:
    torch::Tensor scale_;
};

}  // namespace headscope::models
