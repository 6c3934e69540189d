// Runs one dataset question in one decoding mode and grades it: the unit of work of `headscope-cli eval`.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "headscope/contrastive_decoding.h"
#include "headscope/eval_dataset.h"
#include "headscope/eval_records.h"
#include "headscope/head_classes.h"
#include "headscope/session.h"

namespace headscope::cli {

// The decoding modes an evaluation can compare; the first one listed is the reference of the paired tests.
//   vanilla  the plain model with the decoding settings given (greedy unless --sample)
//   fac      Functional Attention Control: gains from a profile, or heads identified on each question by the rule
//   vcd      visual contrastive decoding against a diffusion-noised copy of the image
extern const std::vector<std::string> kEvalModes;

struct EvalModeSettings {
    GenerationOptions decoding;
    FacRule rule;
    std::optional<FloatArray> profileGains;  // fac with --profile: fixed gains for every question
    VcdOptions vcd;  // the noise seed is --seed + the question's index
};

// The image of a question, loaded; nullopt without one. Throws Error naming the file when it cannot be read.
std::optional<RgbImage> loadSampleImage(const EvalDataset& dataset, const EvalSample& sample);

// A record of `sample` in `mode` with what was asked and the decoding settings filled in.
EvalRecord newEvalRecord(const EvalSample& sample, int64_t index, const std::string& mode, const GenerationOptions& decoding);
// Fills in what came out and grades it.
void finishEvalRecord(EvalRecord& record, const EvalSample& sample, const GenerationResult& generation, double seconds);

EvalRecord runEvalSample(const Session& session, const EvalSample& sample, const std::optional<RgbImage>& image,
                         int64_t index, const std::string& mode, const EvalModeSettings& settings);

}  // namespace headscope::cli
