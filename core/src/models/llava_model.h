// LLaVA-1.5 for conditional generation: CLIP vision tower, GELU projector and a Llama decoder (the shared
// text decoder with plain RoPE and no biases). Module names follow the llava-hf checkpoints.
#pragma once
#include "models/clip_vision.h"
#include "models/vl_model.h"

namespace headscope::models {

struct LlavaModelImpl : VisionLanguageModel {
    explicit LlavaModelImpl(const ModelConfig& config);
    torch::Tensor embedInputs(const torch::Tensor& inputIds, const torch::Tensor& pixelValues,
                              const std::vector<GridTHW>& grids) override;
    Qwen2TextModelImpl& decoder() override { return *textModel; }
    torch::Tensor logits(const torch::Tensor& hidden) const override;
    const torch::Tensor& lmHeadWeight() const override;

    ModelConfig config;
    ClipVisionModel visionModel{nullptr};
    Linear linear1{nullptr}, linear2{nullptr};
    Qwen2TextModel textModel{nullptr};
    Linear lmHead{nullptr};  // absent when tied
};

}  // namespace headscope::models
