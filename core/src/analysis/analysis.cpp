#include "headscope/analysis.h"

#include "analysis/attention_statistics.h"
#include "analysis/head_control_hook.h"
#include "generation.h"
#include "headscope/error.h"
#include "session_impl.h"
#include "torch_errors.h"

namespace headscope {

using analysis::AttentionStatistics;
using analysis::HeadControlHook;
using analysis::toFloatArray;

namespace {

std::optional<KeySpan> imageSpanOf(const std::vector<KeySpan>& spans) {
    for (const KeySpan& s : spans)
        if (s.name == "image") return s;
    return std::nullopt;
}

HeadControlHook makeHook(const Session& session, const HeadControl& control) {
    const TextConfig& text = session.config().text;
    return HeadControlHook(control, text.numLayers, text.numHeads, session.impl().placement.device);
}

AttentionStatistics::Setup setupFor(const Session& session, const PreparedInput& input) {
    AttentionStatistics::Setup setup;
    setup.layers = session.config().text.numLayers;
    setup.heads = session.config().text.numHeads;
    setup.promptLength = static_cast<int64_t>(input.inputIds.size());
    setup.image = imageSpanOf(promptSpans(session, input));
    return setup;
}

// The prompt followed by generated[0 .. count), with positions continuing as generation placed them.
PreparedInput extendedInput(const Session& session, const PreparedInput& input, const std::vector<int64_t>& generated,
                            int64_t count) {
    if (count < 0 || count > static_cast<int64_t>(generated.size()))
        throw InvalidInputError("asked for " + std::to_string(count) + " generated tokens; only " +
                                std::to_string(generated.size()) + " are given");
    PreparedInput out = input;
    out.inputIds.insert(out.inputIds.end(), generated.begin(), generated.begin() + count);
    out.positionIds = session.impl().positionsFor(out.inputIds, input);
    return out;
}

HeadStatistics statisticsFrom(const AttentionStatistics& stats, const AttentionStatistics::Setup& setup) {
    HeadStatistics out;
    out.queryPosition = setup.queryPosition;
    out.visualShare = stats.visualShareAtQuery();
    out.spans = setup.spans;
    out.spanShares = stats.spanSharesAtQuery();
    return out;
}

void checkPosition(int64_t position, int64_t length) {
    if (position < 0 || position >= length)
        throw InvalidInputError("position " + std::to_string(position) + " is outside the sequence of " +
                                std::to_string(length) + " tokens");
}

AnalyzedPrefill prefillAnalyzedUnchecked(const Session& session, const PreparedInput& input, const HeadControl& control,
                                         int64_t queryPosition, int64_t leadingVocabColumns) {
    torch::NoGradGuard noGrad;
    const auto length = static_cast<int64_t>(input.inputIds.size());
    if (queryPosition < 0) queryPosition = length - 1;
    checkPosition(queryPosition, length);
    HeadControlHook hook = makeHook(session, control);
    AttentionStatistics::Setup setup = setupFor(session, input);
    setup.queryPosition = queryPosition;
    setup.captureQueryRow = true;
    setup.spans = promptSpans(session, input);
    AttentionStatistics stats(setup);
    models::DecoderRunOptions run;
    run.headHook = &hook;
    run.observer = &stats;
    auto hidden = session.impl().prefillHidden(input, nullptr, run)[0];
    AnalyzedPrefill out;
    out.logits = session.impl().logitsOf(hidden, leadingVocabColumns);
    out.statistics = statisticsFrom(stats, setup);
    out.queryRow = stats.queryRow();
    return out;
}

}  // namespace

AnalyzedPrefill prefillAnalyzed(const Session& session, const PreparedInput& input, const HeadControl& control,
                                int64_t queryPosition, int64_t leadingVocabColumns) {
    return detail::translateTorchErrors("prompt analysis", [&] {
        return prefillAnalyzedUnchecked(session, input, control, queryPosition, leadingVocabColumns);
    });
}

AnalyzedGeneration generateAnalyzed(const Session& session, const PreparedInput& input,
                                    const GenerationOptions& options, const HeadControl& control,
                                    const StatisticsRequest& request, const TokenCallback& onToken,
                                    const std::atomic<bool>* cancel) {
    return detail::translateTorchErrors("generation", [&] {
        const auto promptLength = static_cast<int64_t>(input.inputIds.size());
        HeadControlHook hook = makeHook(session, control);
        AttentionStatistics::Setup setup = setupFor(session, input);
        setup.collectGenerated = true;
        setup.spans = request.spans.empty() ? promptSpans(session, input) : request.spans;
        if (request.query == QueryChoice::LastPromptToken) setup.queryPosition = promptLength - 1;
        if (request.query == QueryChoice::Position && request.position < promptLength) {
            checkPosition(request.position, promptLength);
            setup.queryPosition = request.position;
        }
        AttentionStatistics stats(setup);
        models::DecoderRunOptions run;
        run.headHook = &hook;
        run.observer = &stats;

        AnalyzedGeneration out;
        out.generation = detail::runGeneration(session.impl(), input, options, onToken, cancel, run);
        const auto& ids = out.generation.ids;
        out.statistics = statisticsFrom(stats, setup);
        out.statistics.generatedVisualShare = stats.generatedVisualShare(static_cast<int64_t>(ids.size()));

        if (request.query == QueryChoice::MeanOverGenerated) {
            out.statistics.queryPosition = -1;
            out.statistics.spanShares = FloatArray({0, setup.layers, setup.heads});
            out.statistics.spans.clear();
            const FloatArray& perToken = out.statistics.generatedVisualShare;
            FloatArray mean({setup.layers, setup.heads});
            const int64_t tokens = perToken.shape[0], cells = setup.layers * setup.heads;
            for (int64_t t = 0; t < tokens; ++t)
                for (int64_t c = 0; c < cells; ++c) mean.data[c] += perToken.data[t * cells + c] / tokens;
            out.statistics.visualShare = tokens > 0 ? mean : FloatArray();
        } else if (request.query == QueryChoice::Position && request.position >= promptLength) {
            // A generated token's row: replay the sequence up to it with the same control.
            const int64_t count = request.position - promptLength + 1;
            const PreparedInput replay = extendedInput(session, input, ids, count);
            AnalyzedPrefill again = prefillAnalyzedUnchecked(session, replay, control, request.position, 0);
            setup.queryPosition = request.position;
            out.statistics.queryPosition = request.position;
            out.statistics.visualShare = again.statistics.visualShare;
            out.statistics.spans = again.statistics.spans;
            out.statistics.spanShares = again.statistics.spanShares;
        }
        return out;
    });
}

FloatArray attentionRows(const Session& session, const PreparedInput& input, const std::vector<int64_t>& generated,
                         int64_t position, const HeadControl& control) {
    return detail::translateTorchErrors("attention rows", [&] {
        const auto promptLength = static_cast<int64_t>(input.inputIds.size());
        checkPosition(position, promptLength + static_cast<int64_t>(generated.size()));
        const int64_t count = std::max<int64_t>(0, position - promptLength + 1);
        const PreparedInput replay = extendedInput(session, input, generated, count);
        return prefillAnalyzedUnchecked(session, replay, control, position, 0).queryRow;
    });
}

TokenExplanation explainToken(const Session& session, const PreparedInput& input, const std::vector<int64_t>& generated,
                              int64_t generatedIndex, std::optional<int64_t> target, const HeadControl& control) {
    return detail::translateTorchErrors("contribution map", [&] {
        if (generatedIndex < 0 || (!target && generatedIndex >= static_cast<int64_t>(generated.size())) ||
            generatedIndex > static_cast<int64_t>(generated.size()))
            throw InvalidInputError("generated token " + std::to_string(generatedIndex) + " does not exist (" +
                                    std::to_string(generated.size()) + " generated)");
        TokenExplanation out;
        out.generatedIndex = generatedIndex;
        out.target = target ? *target : generated[static_cast<size_t>(generatedIndex)];
        const int64_t vocab = session.config().text.vocabSize;
        if (out.target < 0 || out.target >= vocab)
            throw InvalidInputError("target token " + std::to_string(out.target) + " is outside the vocabulary");
        const PreparedInput replay = extendedInput(session, input, generated, generatedIndex);
        out.position = static_cast<int64_t>(replay.inputIds.size()) - 1;

        const auto& impl = session.impl();
        const TextConfig& text = session.config().text;
        torch::Tensor embeds;
        {
            torch::NoGradGuard noGrad;
            embeds = impl.model->embedInputs(impl.inputIds(replay), impl.pixelValues(replay), impl.grids(replay));
        }
        torch::AutoGradMode gradients(true);
        embeds = embeds.detach().set_requires_grad(true);
        auto gates = torch::ones({text.numLayers, text.numHeads},
                                 torch::TensorOptions().dtype(torch::kFloat32).device(impl.placement.device))
                         .set_requires_grad(true);
        HeadControlHook hook = makeHook(session, control);
        hook.setGates(gates);
        models::DecoderRunOptions run;
        run.headHook = &hook;
        auto hidden = impl.model->decoder().forward(embeds, impl.positions(replay), nullptr, run);
        auto logProbs = torch::log_softmax(impl.model->logits(hidden[0][out.position]), -1);
        auto objective = logProbs[out.target];
        objective.backward();
        out.logProbability = objective.item<float>();
        out.gateGradient = toFloatArray(gates.grad());
        out.tokenSaliency = toFloatArray((embeds.grad() * embeds).to(torch::kFloat32).sum(-1)[0]);
        return out;
    });
}

GenerationResult generateControlled(const Session& session, const PreparedInput& input, const GenerationOptions& options,
                                    const HeadControl& control, const TokenCallback& onToken,
                                    const std::atomic<bool>* cancel) {
    return detail::translateTorchErrors("generation", [&] {
        if (control.isIdentity()) return detail::runGeneration(session.impl(), input, options, onToken, cancel, {});
        HeadControlHook hook = makeHook(session, control);
        models::DecoderRunOptions run;
        run.headHook = &hook;
        return detail::runGeneration(session.impl(), input, options, onToken, cancel, run);
    });
}

ABComparison compareGenerations(const Session& session, const PreparedInput& input, const GenerationOptions& options,
                                const HeadControl& control, const std::atomic<bool>* cancel) {
    return detail::translateTorchErrors("comparison", [&] {
        ABComparison out;
        out.baseline = detail::runGeneration(session.impl(), input, options, {}, cancel, {});
        HeadControlHook hook = makeHook(session, control);
        models::DecoderRunOptions run;
        run.headHook = &hook;
        out.controlled = detail::runGeneration(session.impl(), input, options, {}, cancel, run);
        const auto& a = out.baseline.ids;
        const auto& b = out.controlled.ids;
        const auto mismatch = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
        if (mismatch.first != a.end() || mismatch.second != b.end()) out.firstDivergence = mismatch.first - a.begin();
        return out;
    });
}

}  // namespace headscope
