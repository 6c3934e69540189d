#include "analysis/head_control_hook.h"

#include "headscope/error.h"

namespace headscope::analysis {

HeadControlHook::HeadControlHook(const HeadControl& control, int64_t layers, int64_t heads, const torch::Device& device)
    : layerHasZero_(static_cast<size_t>(layers), false),
      layerHasMean_(static_cast<size_t>(layers), false),
      promptMeans_(static_cast<size_t>(layers)) {
    if (!control.gains.data.empty()) {
        if (control.gains.shape != std::vector<int64_t>{layers, heads})
            throw InvalidInputError("the gain table must be [" + std::to_string(layers) + ", " + std::to_string(heads) +
                                    "] for this model");
        for (size_t i = 0; i < control.gains.data.size(); ++i)
            if (!isAcceptableGain(control.gains.data[i]))
                throw InvalidInputError("the gain of layer " + std::to_string(int64_t(i) / heads) + ", head " +
                                        std::to_string(int64_t(i) % heads) + " is " +
                                        std::to_string(control.gains.data[i]) + "; gains must be finite and within " +
                                        "-1000 to 1000");
        gains_ = torch::tensor(control.gains.data, torch::kFloat32).view({layers, heads}).to(device);
    }
    if (control.ablations.empty()) return;
    auto zero = torch::zeros({layers, heads}, torch::kBool), mean = torch::zeros({layers, heads}, torch::kBool);
    for (const HeadAblation& a : control.ablations) {
        if (a.layer < 0 || a.layer >= layers || a.head < 0 || a.head >= heads)
            throw InvalidInputError("ablation of layer " + std::to_string(a.layer) + ", head " + std::to_string(a.head) +
                                    " is outside the model's " + std::to_string(layers) + " x " + std::to_string(heads) +
                                    " heads");
        (a.kind == AblationKind::Zero ? zero : mean)[a.layer][a.head] = true;
        (a.kind == AblationKind::Zero ? layerHasZero_ : layerHasMean_)[static_cast<size_t>(a.layer)] = true;
    }
    zeroMask_ = zero.to(device);
    meanMask_ = mean.to(device);
}

torch::Tensor HeadControlHook::onHeadOutput(int64_t layer, const torch::Tensor& headOutput, int64_t queryStart) {
    auto out = headOutput;
    const auto heads = headOutput.size(1);
    if (gains_.defined()) out = out * gains_[layer].to(out.scalar_type()).view({1, heads, 1, 1});
    // Ablation replaces the output after the gain: an ablated head ignores its gain.
    if (layerHasMean_[static_cast<size_t>(layer)]) {
        // The prompt pass (the one starting at position 0) defines the mean; decoded tokens reuse it.
        if (queryStart == 0) promptMeans_[static_cast<size_t>(layer)] = out.mean(2, /*keepdim=*/true);
        const auto& mean = promptMeans_[static_cast<size_t>(layer)];
        if (!mean.defined()) throw InvalidInputError("mean ablation needs the prompt pass first");
        out = torch::where(meanMask_[layer].view({1, heads, 1, 1}), mean.expand_as(out), out);
    }
    if (layerHasZero_[static_cast<size_t>(layer)]) out = out.masked_fill(zeroMask_[layer].view({1, heads, 1, 1}), 0);
    if (gates_.defined()) out = out * gates_[layer].to(out.scalar_type()).view({1, heads, 1, 1});
    return out;
}

}  // namespace headscope::analysis
