#include <cstdio>

#include "commands.h"
#include "headscope/analysis.h"
#include "headscope/safetensors.h"
#include "model_input.h"

namespace headscope::cli {

namespace {

void addF32(std::vector<TensorToWrite>& tensors, const std::string& name, const FloatArray& a) {
    tensors.push_back(makeF32Tensor(name, a.shape, a.data));
}

// --grad-target: "auto" (the greedy token at the last prompt position), "none", or a token id.
std::optional<int64_t> gradientTarget(const Arguments& args, const PrefillOutput& baseline) {
    const std::string choice = args.valueOr("grad-target", "auto");
    if (choice == "none") return std::nullopt;
    if (choice == "auto") {
        const auto& logits = baseline.lastLogits.data;
        return std::max_element(logits.begin(), logits.end()) - logits.begin();
    }
    return args.intOr("grad-target", 0);
}

}  // namespace

int runDump(const Arguments& args) {
    std::set<std::string> allowed = kModelInputOptions;
    allowed.insert({"out", "gains", "grad-target"});
    args.allowOnly(allowed);
    const std::string outPath = args.value("out");
    ModelInput model = loadModelInput(args);
    const Session& session = *model.session;
    const PreparedInput& input = model.input;

    const AnalyzedPrefill baseline = prefillAnalyzed(session, input, {});
    const auto n = static_cast<int64_t>(input.inputIds.size());
    std::vector<TensorToWrite> tensors;
    tensors.push_back(makeI64Tensor("input_ids", {n}, input.inputIds));
    if (input.multimodalRope)
        tensors.push_back(makeI64Tensor("position_ids", input.positionIds.shape, input.positionIds.data));
    addF32(tensors, "logits_last", baseline.logits.lastLogits);
    addF32(tensors, "logits_first8", baseline.logits.leadingLogits);
    addF32(tensors, "sv", baseline.statistics.visualShare);
    addF32(tensors, "attn_last", baseline.queryRow);
    if (input.image) {
        const GridTHW& g = input.image->grid;
        if (input.multimodalRope) tensors.push_back(makeI64Tensor("image_grid_thw", {1, 3}, {g.t, g.h, g.w}));
        addF32(tensors, "pixel_values", input.image->pixelValues);
    }
    const HeadControl gains = gainsFrom(args, session);
    if (!gains.gains.data.empty()) {
        const AnalyzedPrefill controlled = prefillAnalyzed(session, input, gains);
        addF32(tensors, "gains", gains.gains);
        addF32(tensors, "gains_logits_last", controlled.logits.lastLogits);
        addF32(tensors, "gains_logits_first8", controlled.logits.leadingLogits);
    }
    std::map<std::string, std::string> metadata = {
        {"format", "pt"}, {"producer", "headscope-cli dump"}, {"rope_delta", std::to_string(input.ropeDelta)}};
    if (const auto target = gradientTarget(args, baseline.logits)) {
        // The gate gradient at the last prompt position, for `target` as the next token.
        const TokenExplanation e = explainToken(session, input, {}, 0, *target);
        addF32(tensors, "grad_gate", e.gateGradient);
        metadata["grad_target"] = std::to_string(e.target);
        metadata["logp_target"] = std::to_string(e.logProbability);
    }
    writeSafetensors(outPath, tensors, metadata);
    std::fprintf(stderr, "wrote %zu tensors for %lld prompt tokens to %s\n", tensors.size(), static_cast<long long>(n),
                 outPath.c_str());
    return 0;
}

}  // namespace headscope::cli
