#include "demo/demo_checkpoint.h"

#include <filesystem>

#include "headscope/error.h"
#include "json_fields.h"
#include "qwen_model_json.h"

namespace headscope::demo {

namespace fs = std::filesystem;

void saveCheckpoint(const std::string& folder, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                    const CheckpointState& state) {
    const fs::path target(folder);
    const fs::path staging = target.string() + ".saving";
    const fs::path previous = target.string() + ".previous";
    fs::remove_all(staging);
    fs::create_directories(staging);
    {
        torch::serialize::OutputArchive archive;
        model.save(archive);
        archive.save_to((staging / "model.pt").string());
    }
    torch::save(optimizer, (staging / "optimizer.pt").string());
    writeJsonFile((staging / "state.json").string(),
                  {{"step", state.step}, {"smoothed_loss", state.smoothedLoss},
                   {"smoothed_position_loss", state.smoothedPositionLoss},
                   {"seconds", state.seconds}, {"options", state.options}});
    // The old checkpoint stays until the new one is complete.
    fs::remove_all(previous);
    if (fs::exists(target)) fs::rename(target, previous);
    fs::rename(staging, target);
    fs::remove_all(previous);
}

std::optional<CheckpointState> readCheckpointState(const std::string& folder) {
    const fs::path statePath = fs::path(folder) / "state.json";
    if (!fs::exists(statePath)) return std::nullopt;
    const auto json = json_fields::readFile(statePath.string());  // FormatError for malformed JSON
    try {
        CheckpointState state;
        state.step = json.at("step").get<int64_t>();
        state.smoothedLoss = json.at("smoothed_loss").get<double>();
        state.smoothedPositionLoss = json.value("smoothed_position_loss", 0.0);
        state.seconds = json.at("seconds").get<double>();
        state.options = json.at("options");
        if (state.step < 0) throw FormatError(statePath.string() + ": negative step");
        return state;
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(statePath.string() + ": damaged checkpoint state (" + e.what() + ")");
    }
}

void loadCheckpoint(const std::string& folder, torch::nn::Module& model, torch::optim::Optimizer& optimizer) {
    try {
        torch::serialize::InputArchive archive;
        archive.load_from((fs::path(folder) / "model.pt").string());
        model.load(archive);
        torch::load(optimizer, (fs::path(folder) / "optimizer.pt").string());
    } catch (const c10::Error& e) {
        throw FormatError(folder + ": damaged checkpoint (" + e.what_without_backtrace() + ")");
    }
}

}  // namespace headscope::demo
