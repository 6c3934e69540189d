#include "generation.h"

#include <algorithm>
#include <chrono>

#include "headscope/error.h"
#include "sampler.h"
#include "torch_errors.h"

namespace headscope {

namespace detail {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<float> toVector(const torch::Tensor& logits) {
    auto cpu = logits.to(torch::kCPU, torch::kFloat32).contiguous();
    return std::vector<float>(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
}

}  // namespace

DecoderStream::DecoderStream(const Session::Impl& session, const PreparedInput& input, int64_t capacity,
                             const models::DecoderRunOptions& run)
    : session_(session),
      input_(input),
      run_(run),
      cache_(session.model->decoder().makeCache(
          1, capacity, torch::TensorOptions().device(session.placement.device).dtype(session.placement.dtype))) {}

std::vector<float> DecoderStream::prefill() {
    const torch::Tensor hidden = session_.prefillHidden(input_, &cache_, run_);
    return toVector(session_.model->logits(hidden[0][-1]));
}

std::vector<float> DecoderStream::feed(int64_t id) {
    // The new token sits at sequence index cache.length; every M-RoPE axis takes index + delta.
    const int64_t position = cache_.length + input_.ropeDelta;
    auto& model = *session_.model;
    auto ids = torch::tensor({id}, torch::kInt64).view({1, 1}).to(session_.placement.device);
    auto positions =
        torch::full({3, 1, 1}, position, torch::TensorOptions().dtype(torch::kInt64)).to(session_.placement.device);
    const torch::Tensor hidden = model.decoder().forward(model.decoder().embedTokens(ids), positions, &cache_, run_);
    return toVector(model.logits(hidden[0][-1]));
}

int64_t newTokenBudget(const Session::Impl& session, int64_t promptTokens, const GenerationOptions& options) {
    const int64_t context = session.info.config.text.maxPositionEmbeddings;
    return std::clamp<int64_t>(options.maxNewTokens, 0, std::max<int64_t>(0, context - promptTokens));
}

GenerationResult decodeWith(const Session::Impl& session, int64_t promptTokens, const GenerationOptions& options,
                            const TokenCallback& onToken, const std::atomic<bool>* cancel,
                            const std::function<StepLogits()>& prefill, const std::function<StepLogits(int64_t)>& feed) {
    torch::NoGradGuard noGrad;
    GenerationResult result;
    result.promptTokens = promptTokens;
    if (promptTokens == 0) throw InvalidInputError("the prompt has no tokens");
    const int64_t maxNew = newTokenBudget(session, promptTokens, options);
    const std::vector<int64_t>& stopIds =
        options.stopTokenIds.empty() ? session.generationDefaults.eosTokenIds : options.stopTokenIds;
    TokenSampler sampler(options.sampling);
    StreamingDecoder decoder(*session.tokenizer, /*skipSpecialTokens=*/true);

    const auto prefillStart = Clock::now();
    StepLogits logits;
    try {
        logits = prefill();
    } catch (const models::RunCancelled&) {
        result.cancelled = true;
        result.prefillSeconds = secondsSince(prefillStart);
        return result;
    }
    result.prefillSeconds = secondsSince(prefillStart);

    const auto decodeStart = Clock::now();
    for (int64_t step = 0; step < maxNew; ++step) {
        const int64_t id = sampler.choose(logits.choice.empty() ? logits.base : logits.choice);
        result.ids.push_back(id);
        result.logprobs.push_back(logProbability(logits.base, id));
        // A model's embedding table may be wider than its tokenizer (Qwen pads to 151936 rows); such ids
        // have no text, as in Hugging Face's decoders.
        const bool hasText = session.tokenizer->idToToken(id).has_value();
        const std::string piece = hasText ? decoder.push(id) : std::string();
        result.text += piece;
        if (onToken) onToken(id, piece);
        if (std::find(stopIds.begin(), stopIds.end(), id) != stopIds.end()) {
            result.stoppedAtEos = true;
            break;
        }
        if (step + 1 == maxNew) break;
        if (cancel && cancel->load()) {
            result.cancelled = true;
            break;
        }
        try {
            logits = feed(id);
        } catch (const models::RunCancelled&) {
            result.cancelled = true;
            break;
        }
    }
    result.text += decoder.flush();
    result.decodeSeconds = secondsSince(decodeStart);
    return result;
}

GenerationResult runGeneration(const Session::Impl& session, const PreparedInput& input,
                               const GenerationOptions& options, const TokenCallback& onToken,
                               const std::atomic<bool>* cancel, const models::DecoderRunOptions& baseRun) {
    models::DecoderRunOptions run = baseRun;
    run.cancel = cancel;
    const auto promptLength = static_cast<int64_t>(input.inputIds.size());
    DecoderStream stream(session, input, promptLength + std::max<int64_t>(newTokenBudget(session, promptLength, options), 1),
                         run);
    return decodeWith(
        session, promptLength, options, onToken, cancel,
        [&] { return StepLogits{stream.prefill(), {}}; }, [&](int64_t id) { return StepLogits{stream.feed(id), {}}; });
}

}  // namespace detail

GenerationResult Session::generate(const PreparedInput& input, const GenerationOptions& options,
                                   const TokenCallback& onToken, const std::atomic<bool>* cancel) const {
    return detail::translateTorchErrors(
        "generation", [&] { return detail::runGeneration(*impl_, input, options, onToken, cancel, {}); });
}

}  // namespace headscope
