// Fills a module's parameters from a checkpoint, validating as it goes: every parameter must be found
// (under one of the names the family's layouts use) with the expected shape; tensors nobody read are
// reported afterwards.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "headscope/safetensors.h"
#include "headscope/session.h"
#include "torch_pch.h"

namespace headscope::models {

// Candidate checkpoint names for a module parameter name, in order of preference.
using NameCandidates = std::function<std::vector<std::string>(const std::string& parameterName)>;

struct LoadReport {
    std::vector<std::string> unusedTensors;
    std::vector<std::string> nonFiniteTensors;  // weights holding NaN or infinity (after the dtype conversion)
    int64_t parameterCount = 0;
    int64_t parameterBytes = 0;
};

// Converts a checkpoint tensor to a LibTorch tensor of `dtype` on `device` (always a copy, never a view of
// the mapped file).
torch::Tensor tensorFromView(const TensorView& view, const torch::Device& device, torch::ScalarType dtype);

LoadReport loadParameters(torch::nn::Module& module, const WeightStore& store, const NameCandidates& candidates,
                          const torch::Device& device, torch::ScalarType dtype, const ProgressCallback& progress);

}  // namespace headscope::models
