// The decode loop behind Session::generate, open to core's analyses that need a head hook on every pass or
// more than one model run per token (contrastive decoding).
#pragma once
#include "models/head_hook.h"
#include "session_impl.h"

namespace headscope::detail {

// One prompt run with its KV cache: the logits at the last prompt token, then after each fed token.
class DecoderStream {
public:
    // `capacity`: prompt + the most tokens that will be fed. `run` carries head hooks and observers.
    DecoderStream(const Session::Impl& session, const PreparedInput& input, int64_t capacity,
                  const models::DecoderRunOptions& run);
    std::vector<float> prefill();          // throws models::RunCancelled when cancelled
    std::vector<float> feed(int64_t id);   // the logits after `id`

private:
    const Session::Impl& session_;
    const PreparedInput& input_;
    models::DecoderRunOptions run_;
    models::KVCache cache_;
};

// Next-token logits of a decoding method: `base` is the model's own distribution (log-probabilities are
// reported under it), `choice` what the sampler picks from (the same unless the method reshapes it).
struct StepLogits {
    std::vector<float> base;
    std::vector<float> choice;  // empty: the same as base
};

// The generation loop over any source of logits: `prefill` gives the first step's, `feed` the next step's
// after a chosen id. Handles sampling, stop ids, streaming text, cancellation and timing.
GenerationResult decodeWith(const Session::Impl& session, int64_t promptTokens, const GenerationOptions& options,
                            const TokenCallback& onToken, const std::atomic<bool>* cancel,
                            const std::function<StepLogits()>& prefill, const std::function<StepLogits(int64_t)>& feed);

// The most new tokens a prompt of `promptTokens` leaves room for under options.maxNewTokens.
int64_t newTokenBudget(const Session::Impl& session, int64_t promptTokens, const GenerationOptions& options);

// `run` carries the head hook and attention observer (its cancel flag is replaced by `cancel`).
GenerationResult runGeneration(const Session::Impl& session, const PreparedInput& input,
                               const GenerationOptions& options, const TokenCallback& onToken,
                               const std::atomic<bool>* cancel, const models::DecoderRunOptions& run);

}  // namespace headscope::detail
