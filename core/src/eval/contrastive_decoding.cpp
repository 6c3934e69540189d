#include "headscope/contrastive_decoding.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "generation.h"
#include "headscope/error.h"
#include "torch_errors.h"

namespace headscope {

void validateVcdOptions(const VcdOptions& o) {
    if (!(o.alpha >= 0) || !std::isfinite(o.alpha)) throw InvalidInputError("VCD: alpha must be >= 0");
    if (!(o.beta > 0 && o.beta <= 1)) throw InvalidInputError("VCD: beta must be in (0, 1]");
    if (o.noiseStep < 0 || o.noiseStep > 999) throw InvalidInputError("VCD: the noise step must be in [0, 999]");
}

double diffusionSignalScale(int step) {
    constexpr int kSteps = 1000;
    double keptProduct = 1;
    for (int s = 0; s <= step && s < kSteps; ++s) {
        const double x = -6.0 + 12.0 * double(s) / double(kSteps - 1);  // linspace(-6, 6, 1000)
        const double beta = 1.0 / (1.0 + std::exp(-x)) * (0.5e-2 - 1e-5) + 1e-5;
        keptProduct *= 1 - beta;
    }
    return std::sqrt(keptProduct);
}

ProcessedImage diffusionNoised(const ProcessedImage& image, int step, uint64_t seed) {
    const double signal = diffusionSignalScale(step);
    const double noise = std::sqrt(1 - signal * signal);
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    const torch::Tensor eps = torch::randn({int64_t(image.pixelValues.data.size())}, generator, torch::kFloat64);
    const double* e = eps.data_ptr<double>();
    ProcessedImage noised = image;
    for (size_t i = 0; i < noised.pixelValues.data.size(); ++i)
        noised.pixelValues.data[i] = float(signal * double(image.pixelValues.data[i]) + noise * e[i]);
    return noised;
}

std::vector<float> contrastiveLogits(const std::vector<float>& logits, const std::vector<float>& noisedLogits,
                                     double alpha, double beta) {
    if (logits.size() != noisedLogits.size()) throw InvalidInputError("VCD: the two runs' vocabularies differ");
    float top = -std::numeric_limits<float>::infinity();
    for (float l : logits) top = std::max(top, l);
    const double cutoff = double(top) + std::log(beta);
    std::vector<float> out(logits.size());
    for (size_t i = 0; i < logits.size(); ++i)
        out[i] = double(logits[i]) < cutoff ? -std::numeric_limits<float>::infinity()
                                            : float((1 + alpha) * double(logits[i]) - alpha * double(noisedLogits[i]));
    return out;
}

GenerationResult generateContrastive(const Session& session, const PreparedInput& input, const GenerationOptions& options,
                                     const VcdOptions& vcd, const TokenCallback& onToken, const std::atomic<bool>* cancel) {
    validateVcdOptions(vcd);
    PreparedInput noisedInput = input;
    if (input.image) noisedInput.image = diffusionNoised(*input.image, vcd.noiseStep, vcd.noiseSeed);
    return detail::translateTorchErrors("contrastive generation", [&] {
        const Session::Impl& impl = session.impl();
        models::DecoderRunOptions run;
        run.cancel = cancel;
        const auto promptLength = static_cast<int64_t>(input.inputIds.size());
        const int64_t capacity = promptLength + std::max<int64_t>(detail::newTokenBudget(impl, promptLength, options), 1);
        detail::DecoderStream real(impl, input, capacity, run);
        detail::DecoderStream noised(impl, noisedInput, capacity, run);
        auto combine = [&](std::vector<float> withImage, const std::vector<float>& withNoise) {
            std::vector<float> choice = contrastiveLogits(withImage, withNoise, vcd.alpha, vcd.beta);
            return detail::StepLogits{std::move(withImage), std::move(choice)};
        };
        return detail::decodeWith(
            impl, promptLength, options, onToken, cancel,
            [&] {
                std::vector<float> a = real.prefill();
                return combine(std::move(a), noised.prefill());
            },
            [&](int64_t id) {
                std::vector<float> a = real.feed(id);
                return combine(std::move(a), noised.feed(id));
            });
    });
}

}  // namespace headscope
