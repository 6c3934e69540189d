#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"

namespace headscope::cli {

namespace {

GenerationOptions generationOptionsFrom(const Arguments& args, const Session& session) {
    GenerationOptions options;
    options.maxNewTokens = args.intOr("max-new-tokens", 128);
    if (options.maxNewTokens < 0) throw UsageError("--max-new-tokens must be >= 0");
    SamplingOptions& s = options.sampling;
    s.doSample = args.has("sample");
    s.temperature = args.numberOr("temperature", session.generationDefaults().temperature);
    s.topK = args.intOr("top-k", session.generationDefaults().topK);
    s.topP = args.numberOr("top-p", session.generationDefaults().topP);
    s.seed = static_cast<uint64_t>(args.intOr("seed", 0));
    if (s.topP <= 0 || s.topP > 1) throw UsageError("--top-p must be in (0, 1]");
    if (s.topK < 0) throw UsageError("--top-k must be >= 0");
    return options;
}

}  // namespace

int runGenerate(const Arguments& args) {
    args.allowOnly({"model", "image", "prompt", "system", "max-new-tokens", "device", "dtype", "threads", "sample",
                    "temperature", "top-k", "top-p", "seed", "json"});
    const bool json = args.has("json");
    auto session = Session::load(args.value("model"), loadOptionsFrom(args));
    for (const auto& name : session->info().unusedTensors)
        std::fprintf(stderr, "note: checkpoint tensor '%s' is not used by the model\n", name.c_str());

    ChatPrompt prompt;
    prompt.userText = args.value("prompt");
    if (args.has("system")) prompt.systemPrompt = args.value("system");
    PreparedInput input;
    if (args.has("image")) {
        const RgbImage image = loadImageFile(args.value("image"));
        input = session->prepare(prompt, &image);
    } else {
        input = session->prepare(prompt, nullptr);
    }
    const GenerationOptions options = generationOptionsFrom(args, *session);
    auto stream = [&](int64_t, const std::string& piece) {
        if (json) return;
        std::fputs(piece.c_str(), stdout);
        std::fflush(stdout);
    };
    const GenerationResult result = session->generate(input, options, stream);

    const double prefillRate = result.prefillSeconds > 0 ? result.promptTokens / result.prefillSeconds : 0;
    // The first generated token comes from the prefill; the decode loop produced the rest.
    const auto decoded = result.ids.empty() ? 0 : static_cast<int64_t>(result.ids.size()) - 1;
    const double decodeRate = result.decodeSeconds > 0 ? decoded / result.decodeSeconds : 0;
    if (json) {
        nlohmann::json out = {
            {"model", session->info().folder},
            {"device", session->info().device},
            {"dtype", session->info().dtype},
            {"prompt_tokens", result.promptTokens},
            {"generated_ids", result.ids},
            {"text", result.text},
            {"logprobs", result.logprobs},
            {"stopped_at_eos", result.stoppedAtEos},
            {"image_grid_thw", input.image ? std::vector<int64_t>{input.image->grid.t, input.image->grid.h,
                                                                   input.image->grid.w}
                                           : std::vector<int64_t>{}},
            {"timings", {{"prefill_seconds", result.prefillSeconds},
                         {"decode_seconds", result.decodeSeconds},
                         {"prefill_tokens_per_second", prefillRate},
                         {"decode_tokens_per_second", decodeRate}}}};
        std::puts(out.dump(1).c_str());
    } else {
        std::printf("\n\n[%lld prompt tokens, prefill %.1f tok/s; %zu generated, decode %.1f tok/s; %s %s, %d threads]\n",
                    static_cast<long long>(result.promptTokens), prefillRate, result.ids.size(), decodeRate,
                    session->info().device.c_str(), session->info().dtype.c_str(), session->info().threads);
    }
    return 0;
}

}  // namespace headscope::cli
