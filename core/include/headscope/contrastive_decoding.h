// Visual contrastive decoding (VCD, Leng et al., CVPR 2024), a baseline of the paper: every token is chosen
// from (1 + alpha) * l(v) - alpha * l(v'), the logits with the real image v and with a diffusion-noised copy
// v', over the tokens the real image finds plausible (p >= beta * max p; the rest get -inf). Defaults are
// the VCD paper's: alpha 1, beta 0.1, noise step 500 of its 1,000-step schedule.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "headscope/session.h"

namespace headscope {

struct VcdOptions {
    double alpha = 1.0;  // weight of the contrast
    double beta = 0.1;   // adaptive plausibility cutoff, relative to the most likely token
    int noiseStep = 500;  // 0..999
    uint64_t noiseSeed = 0;
};

// InvalidInputError naming the option: alpha >= 0, beta in (0, 1], noise step in [0, 999].
void validateVcdOptions(const VcdOptions& options);

// VCD's forward diffusion: betas = sigmoid(linspace(-6, 6, 1000)) * (0.005 - 1e-5) + 1e-5, abar_t the
// product of (1 - beta_s) for s <= t; the noised image is sqrt(abar_t) x + sqrt(1 - abar_t) eps. Returns
// sqrt(abar_t), the share of the image kept at `step`.
double diffusionSignalScale(int step);

// The processed pixel values (normalised, as VCD noises its image tensor) noised to `step`, eps ~ N(0, 1)
// from `seed` (the same seed gives the same noise).
ProcessedImage diffusionNoised(const ProcessedImage& image, int step, uint64_t seed);

// (1 + alpha) * logits - alpha * noisedLogits where logits >= max(logits) + log(beta), -inf elsewhere.
std::vector<float> contrastiveLogits(const std::vector<float>& logits, const std::vector<float>& noisedLogits,
                                     double alpha, double beta);

// Generates with VCD: the input and its noised copy run in lockstep, each with its own cache; the reported
// log-probabilities are the real image's. Without an image both runs see the same input, so greedy
// decoding equals plain decoding.
GenerationResult generateContrastive(const Session& session, const PreparedInput& input, const GenerationOptions& options,
                                     const VcdOptions& vcd, const TokenCallback& onToken = {},
                                     const std::atomic<bool>* cancel = nullptr);

}  // namespace headscope
