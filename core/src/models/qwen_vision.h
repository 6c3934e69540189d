// The vision tower of Qwen2-VL and Qwen2.5-VL. One implementation with two switches taken from the config:
// the block flavour (LayerNorm + QuickGELU MLP, or RMSNorm + gated SiLU MLP) and window attention
// (Qwen2.5-VL: blocks outside `fullatt_block_indexes` attend within windows of `window_size` pixels).
// Submodules carry the Hugging Face names, so the module tree is the checkpoint layout under "visual.".
#pragma once
#include <vector>

#include "headscope/config.h"
#include "models/layers.h"

namespace headscope::models {

struct VisionMlpImpl : torch::nn::Module {
    explicit VisionMlpImpl(const VisionConfig& config);
    torch::Tensor forward(const torch::Tensor& x);
    VisionMlpKind kind;
    Linear fc1{nullptr}, fc2{nullptr};                          // Qwen2-VL
    Linear gateProj{nullptr}, upProj{nullptr}, downProj{nullptr};  // Qwen2.5-VL
};
TORCH_MODULE(VisionMlp);

struct VisionAttentionImpl : torch::nn::Module {
    explicit VisionAttentionImpl(const VisionConfig& config);
    // x [seq, dim]; attention restricted to the segments [cuSeqlens[i], cuSeqlens[i+1]).
    torch::Tensor forward(const torch::Tensor& x, const std::vector<int64_t>& cuSeqlens, const torch::Tensor& cos,
                          const torch::Tensor& sin);
    int64_t numHeads, headDim;
    Linear qkv{nullptr}, proj{nullptr};
};
TORCH_MODULE(VisionAttention);

struct VisionBlockImpl : torch::nn::Module {
    explicit VisionBlockImpl(const VisionConfig& config);
    torch::Tensor forward(const torch::Tensor& x, const std::vector<int64_t>& cuSeqlens, const torch::Tensor& cos,
                          const torch::Tensor& sin);
    torch::nn::AnyModule norm1, norm2;
    VisionAttention attn{nullptr};
    VisionMlp mlp{nullptr};
};
TORCH_MODULE(VisionBlock);

// Merges each 2x2 block of patch features into one token of the text width.
struct PatchMergerImpl : torch::nn::Module {
    explicit PatchMergerImpl(const VisionConfig& config);
    torch::Tensor forward(const torch::Tensor& x);
    int64_t mergedWidth;
    torch::nn::AnyModule lnQ;
    torch::nn::Sequential mlp;
};
TORCH_MODULE(PatchMerger);

struct VisionTransformerImpl : torch::nn::Module {
    explicit VisionTransformerImpl(const VisionConfig& config);
    // pixelValues [patches, C*T*P*P] in the processor's merge-block order -> [patches / merge^2, outHidden].
    torch::Tensor forward(const torch::Tensor& pixelValues, const std::vector<GridTHW>& grids);

    VisionConfig config;
    torch::Tensor patchEmbedWeight;
    torch::nn::ModuleList blocks;
    PatchMerger merger{nullptr};
    torch::Tensor inverseFrequencies;  // rotary, over half the head dim

private:
    torch::Tensor rotaryAngles(const std::vector<GridTHW>& grids) const;  // [patches, headDim / 2]
};
TORCH_MODULE(VisionTransformer);

// Qwen2.5-VL's window partition: the order that groups merged tokens window by window, and the cumulative
// patch counts of the windows (the attention segments of windowed blocks).
struct WindowPartition {
    std::vector<int64_t> mergedOrder;     // window order -> original merged-token index
    std::vector<int64_t> cuWindowSeqlens;  // in patches, starting at 0, strictly increasing
};
WindowPartition partitionIntoWindows(const std::vector<GridTHW>& grids, int64_t windowMergedTokens,
                                     int64_t spatialMergeSize);

}  // namespace headscope::models
