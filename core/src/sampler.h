// Choosing the next token from float32 logits: greedy argmax, or temperature / top-k / top-p sampling in
// the order transformers applies them, driven by a seeded generator whose stream is the same on every
// platform (so the same seed gives the same text).
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "headscope/session.h"

namespace headscope::detail {

class TokenSampler {
public:
    explicit TokenSampler(const SamplingOptions& options);
    int64_t choose(const std::vector<float>& logits);

private:
    double nextUniform();  // [0, 1) from the top 53 bits of the generator
    SamplingOptions options_;
    std::mt19937_64 rng_;
};

// log softmax(logits)[id], in double precision.
float logProbability(const std::vector<float>& logits, int64_t id);

}  // namespace headscope::detail
