// The analyses of Functional Attention Control on a loaded Session: runs with head control and attention
// statistics, full attention rows of one token, gate-gradient contribution maps, token saliency and A/B
// generation. Everything here returns plain value types.
#pragma once
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "headscope/array.h"
#include "headscope/head_control.h"
#include "headscope/session.h"

namespace headscope {

// A named range of key positions [begin, end) in the sequence (prompt and generated tokens together).
struct KeySpan {
    std::string name;
    int64_t begin = 0;
    int64_t end = 0;
};

// The parts of a prepared chat prompt: "system", "image", "prompt" (the user's text) and "template" (the
// chat markup around them, as one span per run). Only spans that exist are returned, in sequence order.
std::vector<KeySpan> promptSpans(const Session& session, const PreparedInput& input);

// One span per sentence of the generated text (split after '.', '!', '?' or a line break), named
// "reasoning 1", "reasoning 2", ...; positions count from the start of the sequence.
std::vector<KeySpan> reasoningSpans(const Tokenizer& tokenizer, int64_t promptLength,
                                    const std::vector<int64_t>& generatedIds);

// Which query row the visual share S_v(l, h) is read from.
enum class QueryChoice {
    LastPromptToken,  // i* = N - 1, the paper's default
    Position,         // any sequence position (prompt or generated)
    MeanOverGenerated,  // the mean of the per-token shares over all generated tokens
};

struct StatisticsRequest {
    QueryChoice query = QueryChoice::LastPromptToken;
    int64_t position = -1;      // for QueryChoice::Position
    std::vector<KeySpan> spans;  // key spans whose share is measured at the query row (prompt spans by default)
};

struct HeadStatistics {
    int64_t queryPosition = -1;      // the row S_v was read from; -1 for the mean over generated tokens
    FloatArray visualShare;          // S_v [layers, heads]: attention mass on image keys, in [0, 1]
    std::vector<KeySpan> spans;      // as measured
    FloatArray spanShares;           // [spans, layers, heads] at the query row
    FloatArray generatedVisualShare;  // [generated tokens, layers, heads]: S_v of each generated token's row
};

struct AnalyzedGeneration {
    GenerationResult generation;
    HeadStatistics statistics;
};

// Generates with `control` applied at every position and collects the statistics of `request` on the way.
// The statistics need the attention weights, so this runs the reference (eager) attention.
AnalyzedGeneration generateAnalyzed(const Session& session, const PreparedInput& input,
                                    const GenerationOptions& options, const HeadControl& control,
                                    const StatisticsRequest& request, const TokenCallback& onToken = {},
                                    const std::atomic<bool>* cancel = nullptr);

// One prompt pass with `control`: the logits (as Session::prefill), S_v and span shares at `queryPosition`
// (-1 = the last prompt token) and that row's full attention [layers, heads, N].
struct AnalyzedPrefill {
    PrefillOutput logits;
    HeadStatistics statistics;
    FloatArray queryRow;  // [layers, heads, N]
};
AnalyzedPrefill prefillAnalyzed(const Session& session, const PreparedInput& input, const HeadControl& control,
                                int64_t queryPosition = -1, int64_t leadingVocabColumns = 8);

// The full attention row of sequence position `position` in every layer and head, [layers, heads,
// position + 1], recomputed by replaying prompt + generated tokens up to that position.
FloatArray attentionRows(const Session& session, const PreparedInput& input, const std::vector<int64_t>& generated,
                         int64_t position, const HeadControl& control = {});

// Why the model produced a token: d log p(target) / d gate(l, h) with unit gates on every head (the paper's
// head contribution map), and gradient x input over every earlier token (sum over the embedding of
// gradient times embedding). `generatedIndex` k explains the k-th generated token, predicted at sequence
// position N - 1 + k; `target` defaults to the token generated there. Only the gates and the input
// embeddings receive gradients, never the weights.
struct TokenExplanation {
    int64_t generatedIndex = 0;
    int64_t position = 0;  // sequence position whose logits were differentiated
    int64_t target = 0;
    float logProbability = 0;
    FloatArray gateGradient;    // [layers, heads]
    FloatArray tokenSaliency;   // [position + 1]
};
TokenExplanation explainToken(const Session& session, const PreparedInput& input, const std::vector<int64_t>& generated,
                              int64_t generatedIndex, std::optional<int64_t> target = std::nullopt,
                              const HeadControl& control = {});

// Generation with `control` applied at every position, on the fast path (no statistics are collected).
GenerationResult generateControlled(const Session& session, const PreparedInput& input, const GenerationOptions& options,
                                    const HeadControl& control, const TokenCallback& onToken = {},
                                    const std::atomic<bool>* cancel = nullptr);

// Baseline and controlled generation of the same input with identical decoding settings and seed.
struct ABComparison {
    GenerationResult baseline;
    GenerationResult controlled;
    int64_t firstDivergence = -1;  // first index where the generated ids differ; -1 if identical
};
ABComparison compareGenerations(const Session& session, const PreparedInput& input, const GenerationOptions& options,
                                const HeadControl& control, const std::atomic<bool>* cancel = nullptr);

}  // namespace headscope
