// Building blocks shared by the model families: norms, rotary helpers and the attention core.
#pragma once
#include "torch_pch.h"

namespace headscope::models {

// Parameters are created uninitialised (torch::empty): the loader replaces them with checkpoint tensors
// already on the target device and dtype, so a 7B model never exists twice in memory, nor in float32 first.

// y = x W^T + b, W [out, in].
struct LinearImpl : torch::nn::Module {
    LinearImpl(int64_t in, int64_t out, bool withBias);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor weight, bias;
};
TORCH_MODULE(Linear);

struct LayerNormImpl : torch::nn::Module {
    LayerNormImpl(int64_t dim, double eps);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor weight, bias;
    double eps;
};
TORCH_MODULE(LayerNorm);

struct EmbeddingImpl : torch::nn::Module {
    EmbeddingImpl(int64_t count, int64_t dim);
    torch::Tensor forward(const torch::Tensor& ids);
    torch::Tensor weight;
};
TORCH_MODULE(Embedding);

// Qwen2RMSNorm: normalise in float32, scale in the input dtype.
struct RMSNormImpl : torch::nn::Module {
    RMSNormImpl(int64_t dim, double eps);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor weight;
    double eps;
};
TORCH_MODULE(RMSNorm);

// [.., d] -> [.., d] with the halves swapped and the second negated: (-x2, x1).
torch::Tensor rotateHalf(const torch::Tensor& x);

// x * cos + rotateHalf(x) * sin, computed in float32 and returned in x's dtype.
torch::Tensor applyRotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

// 1 / theta^(2i/dim) for i < dim/2, float32.
torch::Tensor rotaryInverseFrequencies(int64_t dim, double theta, const torch::Device& device);

// softmax(q k^T * scale + mask) v with the softmax in float32 (as transformers' eager path).
// q [.., Tq, D], k/v [.., Tk, D]; additiveMask broadcastable to [.., Tq, Tk] or undefined.
torch::Tensor eagerAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const torch::Tensor& additiveMask, torch::Tensor* probsOut = nullptr);

}  // namespace headscope::models
