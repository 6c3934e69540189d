// Qwen2-VL / Qwen2.5-VL for conditional generation: vision tower ("visual"), text decoder ("model") and
// the language-model head ("lm_head", or the embedding matrix when tie_word_embeddings is set).
#pragma once
#include <vector>

#include "headscope/config.h"
#include "models/qwen_text.h"
#include "models/qwen_vision.h"
#include "models/vl_model.h"

namespace headscope::models {

struct QwenVLModelImpl : VisionLanguageModel {
    explicit QwenVLModelImpl(const ModelConfig& config);

    // Token embeddings with the rows of image pad tokens replaced by the vision tower's output, in order.
    torch::Tensor embedInputs(const torch::Tensor& inputIds /*[B, T]*/, const torch::Tensor& pixelValues,
                              const std::vector<GridTHW>& grids) override;
    Qwen2TextModelImpl& decoder() override { return *model; }
    torch::Tensor logits(const torch::Tensor& hidden) const override;  // [.., hidden] -> [.., vocab] (float32)
    const torch::Tensor& lmHeadWeight() const override;

    ModelConfig config;
    VisionTransformer visual{nullptr};
    Qwen2TextModel model{nullptr};
    Linear lmHead{nullptr};  // absent when tied
};
TORCH_MODULE(QwenVLModel);

}  // namespace headscope::models
