// The Qwen2 text decoder used by Qwen2-VL and Qwen2.5-VL: GQA attention with q/k/v biases, multimodal RoPE
// (the rotary dims split into t, h and w sections), RMSNorm, SwiGLU MLP and a KV cache. Submodules carry
// the Hugging Face names, so the module tree is the checkpoint layout under "model.".
#pragma once
#include <atomic>
#include <stdexcept>
#include <vector>

#include "headscope/config.h"
#include "models/head_hook.h"
#include "models/layers.h"

namespace headscope::models {

// Keys and values of every layer, preallocated to a capacity so that decoding appends without copying.
struct KVCache {
    std::vector<torch::Tensor> keys, values;  // per layer [batch, kv_heads, capacity, head_dim]
    int64_t length = 0;                       // positions filled
    int64_t capacity = 0;
};

// Thrown inside a forward pass when its cancel flag is set; callers turn it into a partial result.
struct RunCancelled : std::runtime_error {
    RunCancelled() : std::runtime_error("run cancelled") {}
};

// Optional per-run observers and edits.
struct DecoderRunOptions {
    HeadOutputHook* headHook = nullptr;
    AttentionObserver* observer = nullptr;  // needs the weights, so it selects the eager path
    const std::atomic<bool>* cancel = nullptr;  // checked between layers; a set flag throws RunCancelled
    int64_t queryChunk = 512;  // attention is computed this many query rows at a time (bounds memory)
    // LibTorch 2.x's fused scaled_dot_product_attention where available; the eager path is the reference
    // and the one used whenever attention weights must be observed.
    bool fusedAttention = true;
    // When set, receives every layer's output hidden states in order (for training-time probes).
    std::vector<torch::Tensor>* layerOutputs = nullptr;
};

struct Qwen2AttentionImpl : torch::nn::Module {
    Qwen2AttentionImpl(const TextConfig& config, int64_t layerIndex);
    // x [B, T, hidden]; cos/sin [B, 1, T, head_dim]; pastLength = positions already in the cache.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                          KVCache* cache, int64_t pastLength, const DecoderRunOptions& run);
    int64_t layerIndex, numHeads, numKvHeads, headDim;
    Linear qProj{nullptr}, kProj{nullptr}, vProj{nullptr}, oProj{nullptr};
};
TORCH_MODULE(Qwen2Attention);

struct Qwen2MlpImpl : torch::nn::Module {
    explicit Qwen2MlpImpl(const TextConfig& config);
    torch::Tensor forward(const torch::Tensor& x);
    Linear gateProj{nullptr}, upProj{nullptr}, downProj{nullptr};
};
TORCH_MODULE(Qwen2Mlp);

struct Qwen2DecoderLayerImpl : torch::nn::Module {
    Qwen2DecoderLayerImpl(const TextConfig& config, int64_t layerIndex);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                          KVCache* cache, int64_t pastLength, const DecoderRunOptions& run);
    RMSNorm inputLayernorm{nullptr}, postAttentionLayernorm{nullptr};
    Qwen2Attention selfAttn{nullptr};
    Qwen2Mlp mlp{nullptr};
};
TORCH_MODULE(Qwen2DecoderLayer);

struct Qwen2TextModelImpl : torch::nn::Module {
    explicit Qwen2TextModelImpl(const TextConfig& config);
    // embeds [B, T, hidden], positions [3, B, T] (int64) -> final-normed hidden states [B, T, hidden].
    // With a cache, the T new positions are appended after cache->length.
    torch::Tensor forward(const torch::Tensor& embeds, const torch::Tensor& positions, KVCache* cache,
                          const DecoderRunOptions& run);
    KVCache makeCache(int64_t batch, int64_t capacity, const torch::TensorOptions& options) const;

    TextConfig config;
    Embedding embedTokens{nullptr};
    torch::nn::ModuleList layers;
    RMSNorm norm{nullptr};
    torch::Tensor inverseFrequencies;  // float32, not a parameter
    // The session's choice: false keeps every run on the eager path (the reference), whatever it asks.
    bool fusedAttentionAllowed = true;

private:
    // cos/sin [B, 1, T, head_dim] with each rotary pair taking the t, h or w position per mrope_section.
    std::pair<torch::Tensor, torch::Tensor> rotaryTables(const torch::Tensor& positions, torch::ScalarType dtype) const;
};
TORCH_MODULE(Qwen2TextModel);

}  // namespace headscope::models
