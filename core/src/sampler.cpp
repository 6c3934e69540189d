#include "sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace headscope::detail {

TokenSampler::TokenSampler(const SamplingOptions& options) : options_(options), rng_(options.seed) {}

double TokenSampler::nextUniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

int64_t TokenSampler::choose(const std::vector<float>& logits) {
    const auto argmax = [&] {
        return static_cast<int64_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    };
    if (!options_.doSample || options_.temperature <= 0) return argmax();

    const auto vocab = static_cast<int64_t>(logits.size());
    std::vector<double> scores(logits.begin(), logits.end());
    for (double& s : scores) s /= options_.temperature;
    const double minusInf = -std::numeric_limits<double>::infinity();

    // top-k keeps every token scoring at least the k-th best (ties included, as transformers does).
    if (options_.topK > 0 && options_.topK < vocab) {
        std::vector<double> sorted(scores);
        std::nth_element(sorted.begin(), sorted.begin() + (options_.topK - 1), sorted.end(), std::greater<double>());
        const double threshold = sorted[options_.topK - 1];
        for (double& s : scores)
            if (s < threshold) s = minusInf;
    }
    const double maxScore = *std::max_element(scores.begin(), scores.end());
    std::vector<double> probs(scores.size());
    for (size_t i = 0; i < scores.size(); ++i) probs[i] = std::exp(scores[i] - maxScore);
    double total = std::accumulate(probs.begin(), probs.end(), 0.0);
    for (double& p : probs) p /= total;

    // top-p removes the least likely tokens whose cumulative mass stays within 1 - top_p, keeping at least one.
    if (options_.topP < 1.0) {
        std::vector<int64_t> order(scores.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return probs[a] < probs[b]; });
        double cumulative = 0;
        for (size_t r = 0; r + 1 < order.size(); ++r) {
            cumulative += probs[order[r]];
            if (cumulative > 1.0 - options_.topP) break;
            probs[order[r]] = 0;
        }
        total = std::accumulate(probs.begin(), probs.end(), 0.0);
        for (double& p : probs) p /= total;
    }
    const double u = nextUniform();
    double cumulative = 0;
    int64_t last = 0;
    for (int64_t i = 0; i < vocab; ++i) {
        if (probs[i] <= 0) continue;
        cumulative += probs[i];
        last = i;
        if (u < cumulative) return i;
    }
    return last;  // rounding left u just above the final cumulative sum
}

float logProbability(const std::vector<float>& logits, int64_t id) {
    const double maxLogit = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (float l : logits) sum += std::exp(static_cast<double>(l) - maxLogit);
    return static_cast<float>(static_cast<double>(logits[id]) - maxLogit - std::log(sum));
}

}  // namespace headscope::detail
