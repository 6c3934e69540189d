// Training checkpoints of the demo model: weights, optimizer state and progress in one folder, replaced
// atomically (written beside it, then renamed) so an interrupted save never leaves a broken checkpoint.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "torch_pch.h"

namespace headscope::demo {

struct CheckpointState {
    int64_t step = 0;
    double smoothedLoss = 0;
    double smoothedPositionLoss = 0;  // the position probe's, when it is on
    double seconds = 0;  // training time over every run so far
    nlohmann::json options;  // what the run was started with; a resume must match it
};

// Writes model.pt, optimizer.pt and state.json to `folder` (replacing a previous checkpoint).
void saveCheckpoint(const std::string& folder, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                    const CheckpointState& state);

// Reads the state of `folder`, or nullopt when there is no checkpoint. Throws FormatError for a damaged one.
std::optional<CheckpointState> readCheckpointState(const std::string& folder);

// Restores weights and optimizer state saved by saveCheckpoint.
void loadCheckpoint(const std::string& folder, torch::nn::Module& model, torch::optim::Optimizer& optimizer);

}  // namespace headscope::demo
