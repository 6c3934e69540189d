#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "model_input.h"

namespace headscope::cli {

int runGenerate(const Arguments& args) {
    std::set<std::string> allowed = kModelInputOptions;
    allowed.insert(kDecodingOptions.begin(), kDecodingOptions.end());
    allowed.insert("json");
    args.allowOnly(allowed);
    const bool json = args.has("json");
    ModelInput model = loadModelInput(args);
    const Session& session = *model.session;
    const PreparedInput& input = model.input;
    auto stream = [&](int64_t, const std::string& piece) {
        if (json) return;
        std::fputs(piece.c_str(), stdout);
        std::fflush(stdout);
    };
    const GenerationResult result = session.generate(input, decodingFrom(args, session), stream);

    const double prefillRate = result.prefillSeconds > 0 ? result.promptTokens / result.prefillSeconds : 0;
    // The first generated token comes from the prefill; the decode loop produced the rest.
    const auto decoded = result.ids.empty() ? 0 : static_cast<int64_t>(result.ids.size()) - 1;
    const double decodeRate = result.decodeSeconds > 0 ? decoded / result.decodeSeconds : 0;
    if (json) {
        nlohmann::json out = {
            {"model", session.info().folder},
            {"device", session.info().device},
            {"dtype", session.info().dtype},
            {"attention", session.info().attention},
            {"threads", session.info().threads},
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
                         {"decode_tokens_per_second", decodeRate},
                         {"attention", session.info().attention}}},
            {"memory", {{"parameter_bytes", session.info().parameterBytes},
                        {"resident_bytes_after_load", session.info().residentBytesAfterLoad},
                        {"device_bytes_after_load", session.info().deviceBytesAfterLoad}}}};
        std::puts(out.dump(1).c_str());
    } else {
        std::printf("\n\n[%lld prompt tokens, prefill %.1f tok/s; %zu generated, decode %.1f tok/s; "
                    "%s %s, %s attention, %d threads]\n",
                    static_cast<long long>(result.promptTokens), prefillRate, result.ids.size(), decodeRate,
                    session.info().device.c_str(), session.info().dtype.c_str(), session.info().attention.c_str(),
                    session.info().threads);
    }
    return 0;
}

}  // namespace headscope::cli
