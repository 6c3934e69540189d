// Where and in which precision a session computes: the only place that decides between CPU and CUDA, asks
// about CUDA devices, their memory, and waits for them.
#pragma once
#include <torch/version.h>

#include <string>

#include "headscope/session.h"
#include "torch_pch.h"

// scaled_dot_product_attention came with LibTorch 2.0, its grouped-query form (enable_gqa) with 2.5.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5)
#define HEADSCOPE_FUSED_ATTENTION 1
#else
#define HEADSCOPE_FUSED_ATTENTION 0
#endif

namespace headscope::detail {

struct Placement {
    torch::Device device = torch::kCPU;
    torch::ScalarType dtype = torch::kFloat32;
};

// Resolves Auto choices (CUDA when present, bf16 there, fp32 on CPU). Throws InvalidInputError when CUDA
// is requested but absent, naming what this build and machine have instead.
Placement choosePlacement(const LoadOptions& options);

// Whether runs without attention statistics take the fused path. Throws InvalidInputError when fused is
// asked for and this LibTorch lacks it.
bool chooseFusedAttention(AttentionChoice choice);

// Waits until the device has finished the work queued on it (a no-op on CPU): for honest timings.
void synchronize(const torch::Device& device);

// Bytes LibTorch's caching allocator holds in tensors on a CUDA device; -1 on CPU or when unknown.
int64_t deviceBytesAllocated(const torch::Device& device);

// Sets LibTorch's intra-op thread count (0 = one per core) and returns the count in effect.
int configureThreads(int requested);

std::string deviceLabel(const torch::Device& device);
std::string dtypeLabel(torch::ScalarType dtype);

}  // namespace headscope::detail
