// LLaVA-1.5's vision tower: CLIP ViT (class token, learned positions, pre-LayerNorm, QuickGELU MLP) run up to
// the configured feature layer, and the two-layer GELU projector to the text width. Submodules carry the
// Hugging Face names ("vision_tower.vision_model.*", "multi_modal_projector.*").
#pragma once
#include "headscope/config.h"
#include "models/layers.h"

namespace headscope::models {

struct ClipAttentionImpl : torch::nn::Module {
    explicit ClipAttentionImpl(const ClipVisionConfig& config);
    torch::Tensor forward(const torch::Tensor& x);  // [B, T, H]
    int64_t numHeads, headDim;
    Linear qProj{nullptr}, kProj{nullptr}, vProj{nullptr}, outProj{nullptr};
};
TORCH_MODULE(ClipAttention);

struct ClipEncoderLayerImpl : torch::nn::Module {
    explicit ClipEncoderLayerImpl(const ClipVisionConfig& config);
    torch::Tensor forward(const torch::Tensor& x);
    LayerNorm layerNorm1{nullptr}, layerNorm2{nullptr};
    ClipAttention selfAttn{nullptr};
    Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

struct ClipVisionModelImpl : torch::nn::Module {
    explicit ClipVisionModelImpl(const ClipVisionConfig& config);
    // pixelValues [B, C, S, S] -> the selected hidden state [B, tokens, hidden] (class row dropped for
    // the "default" strategy).
    torch::Tensor forward(const torch::Tensor& pixelValues);

    ClipVisionConfig config;
    torch::Tensor classEmbedding, patchEmbeddingWeight, positionEmbeddingWeight;
    LayerNorm preLayrnorm{nullptr}, postLayernorm{nullptr};  // post_layernorm is stored but feeds nothing
    torch::nn::ModuleList layers;
};
TORCH_MODULE(ClipVisionModel);

}  // namespace headscope::models
