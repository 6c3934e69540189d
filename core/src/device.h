// Where and in which precision a session computes. The only place that decides between CPU and CUDA.
#pragma once
#include <string>

#include "headscope/session.h"
#include "torch_pch.h"

namespace headscope::detail {

struct Placement {
    torch::Device device = torch::kCPU;
    torch::ScalarType dtype = torch::kFloat32;
};

// Resolves Auto choices (CUDA when present, bf16 there, fp32 on CPU). Throws InvalidInputError when CUDA
// is requested but absent.
Placement choosePlacement(const LoadOptions& options);

// Sets LibTorch's intra-op thread count (0 = one per core) and returns the count in effect.
int configureThreads(int requested);

std::string deviceLabel(const torch::Device& device);
std::string dtypeLabel(torch::ScalarType dtype);

}  // namespace headscope::detail
