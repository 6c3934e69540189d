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

GenerationResult runGeneration(const Session::Impl& session, const PreparedInput& input,
                               const GenerationOptions& options, const TokenCallback& onToken,
                               const std::atomic<bool>* cancel, const models::DecoderRunOptions& baseRun) {
    torch::NoGradGuard noGrad;
    GenerationResult result;
    const auto promptLength = static_cast<int64_t>(input.inputIds.size());
    result.promptTokens = promptLength;
    if (promptLength == 0) throw InvalidInputError("the prompt has no tokens");
    const int64_t context = session.info.config.text.maxPositionEmbeddings;
    const int64_t maxNew = std::clamp<int64_t>(options.maxNewTokens, 0, std::max<int64_t>(0, context - promptLength));
    const std::vector<int64_t>& stopIds =
        options.stopTokenIds.empty() ? session.generationDefaults.eosTokenIds : options.stopTokenIds;

    auto& model = *session.model;
    models::DecoderRunOptions run = baseRun;
    run.cancel = cancel;
    models::KVCache cache = model.decoder().makeCache(
        1, promptLength + std::max<int64_t>(maxNew, 1),
        torch::TensorOptions().device(session.placement.device).dtype(session.placement.dtype));
    TokenSampler sampler(options.sampling);
    StreamingDecoder decoder(*session.tokenizer, /*skipSpecialTokens=*/true);

    const auto prefillStart = Clock::now();
    torch::Tensor hidden;
    try {
        hidden = session.prefillHidden(input, &cache, run);
    } catch (const models::RunCancelled&) {
        result.cancelled = true;
        result.prefillSeconds = secondsSince(prefillStart);
        return result;
    }
    std::vector<float> logits = toVector(model.logits(hidden[0][-1]));
    result.prefillSeconds = secondsSince(prefillStart);

    const auto decodeStart = Clock::now();
    for (int64_t step = 0; step < maxNew; ++step) {
        const int64_t id = sampler.choose(logits);
        result.ids.push_back(id);
        result.logprobs.push_back(logProbability(logits, id));
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
        // The new token sits at sequence index cache.length; every M-RoPE axis takes index + delta.
        const int64_t position = cache.length + input.ropeDelta;
        auto ids = torch::tensor({id}, torch::kInt64).view({1, 1}).to(session.placement.device);
        auto positions = torch::full({3, 1, 1}, position, torch::TensorOptions().dtype(torch::kInt64))
                             .to(session.placement.device);
        try {
            hidden = model.decoder().forward(model.decoder().embedTokens(ids), positions, &cache, run);
        } catch (const models::RunCancelled&) {
            result.cancelled = true;
            break;
        }
        logits = toVector(model.logits(hidden[0][-1]));
    }
    result.text += decoder.flush();
    result.decodeSeconds = secondsSince(decodeStart);
    return result;
}

}  // namespace detail

GenerationResult Session::generate(const PreparedInput& input, const GenerationOptions& options,
                                   const TokenCallback& onToken, const std::atomic<bool>* cancel) const {
    return detail::translateTorchErrors(
        "generation", [&] { return detail::runGeneration(*impl_, input, options, onToken, cancel, {}); });
}

}  // namespace headscope
