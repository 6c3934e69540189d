// HeadControl (gains, ablations) and unit gates as a HeadOutputHook on the decoder's per-head outputs.
#pragma once
#include <vector>

#include "headscope/head_control.h"
#include "models/head_hook.h"

namespace headscope::analysis {

class HeadControlHook : public models::HeadOutputHook {
public:
    // Validates the control against the model's [layers, heads]; throws InvalidInputError on a mismatch.
    HeadControlHook(const HeadControl& control, int64_t layers, int64_t heads, const torch::Device& device);

    // Multiplies every head output by gates[layer][head] as well (for gate gradients); [layers, heads].
    void setGates(torch::Tensor gates) { gates_ = std::move(gates); }

    torch::Tensor onHeadOutput(int64_t layer, const torch::Tensor& headOutput, int64_t queryStart) override;

private:
    torch::Tensor gains_;      // [layers, heads] float32 or undefined (all 1)
    torch::Tensor zeroMask_;   // [layers, heads] bool or undefined
    torch::Tensor meanMask_;   // [layers, heads] bool or undefined
    std::vector<bool> layerHasZero_, layerHasMean_;
    std::vector<torch::Tensor> promptMeans_;  // per layer [B, H, 1, D], from the prompt pass
    torch::Tensor gates_;
};

}  // namespace headscope::analysis
