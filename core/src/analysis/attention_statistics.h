// Reduces attention weights to head statistics as they are computed, chunk by chunk: the share of each
// head's attention on the image and on named key spans at one query row (and, on request, that full row),
// and the image share of every row that predicts a generated token.
#pragma once
#include <optional>
#include <vector>

#include "headscope/analysis.h"
#include "models/head_hook.h"

namespace headscope::analysis {

class AttentionStatistics : public models::AttentionObserver {
public:
    struct Setup {
        int64_t layers = 0;
        int64_t heads = 0;
        int64_t promptLength = 0;
        std::optional<KeySpan> image;  // none for a text-only prompt: shares are 0
        std::vector<KeySpan> spans;    // measured at the query row
        int64_t queryPosition = -1;    // -1: no query row
        bool captureQueryRow = false;
        bool collectGenerated = false;  // image share of rows N-1, N, ... (one per generated token)
    };
    explicit AttentionStatistics(Setup setup);

    void onAttentionProbs(int64_t layer, const torch::Tensor& probs, int64_t queryStart) override;

    bool hasQueryRow() const;
    FloatArray visualShareAtQuery() const;  // [layers, heads]
    FloatArray spanSharesAtQuery() const;   // [spans, layers, heads]
    FloatArray queryRow() const;            // [layers, heads, keys]
    // [tokens, layers, heads] for the first `tokens` generated tokens (rows with every layer seen).
    FloatArray generatedVisualShare(int64_t tokens) const;

private:
    torch::Tensor shareOf(const torch::Tensor& rows, const KeySpan& span) const;  // rows [.., keys] -> [..]

    Setup setup_;
    std::vector<torch::Tensor> queryVisual_;  // per layer [heads]
    std::vector<torch::Tensor> querySpans_;   // per layer [spans, heads]
    std::vector<torch::Tensor> queryRows_;    // per layer [heads, keys]
    std::vector<std::vector<torch::Tensor>> generated_;  // [token][layer] -> [heads]
};

// Copies a float tensor to a FloatArray of the same shape.
FloatArray toFloatArray(const torch::Tensor& tensor);

}  // namespace headscope::analysis
