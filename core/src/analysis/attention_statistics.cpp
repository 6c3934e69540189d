#include "analysis/attention_statistics.h"

namespace headscope::analysis {

FloatArray toFloatArray(const torch::Tensor& tensor) {
    auto cpu = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    return FloatArray(std::vector<int64_t>(cpu.sizes().begin(), cpu.sizes().end()),
                      std::vector<float>(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel()));
}

AttentionStatistics::AttentionStatistics(Setup setup)
    : setup_(std::move(setup)),
      queryVisual_(static_cast<size_t>(setup_.layers)),
      querySpans_(static_cast<size_t>(setup_.layers)),
      queryRows_(static_cast<size_t>(setup_.layers)) {}

torch::Tensor AttentionStatistics::shareOf(const torch::Tensor& rows, const KeySpan& span) const {
    const int64_t keys = rows.size(-1);
    const int64_t begin = std::clamp<int64_t>(span.begin, 0, keys), end = std::clamp<int64_t>(span.end, begin, keys);
    // Summed in float32 whatever the compute dtype, so bf16 runs still give shares to 3 decimals.
    return rows.narrow(-1, begin, end - begin).to(torch::kFloat32).sum(-1);
}

void AttentionStatistics::onAttentionProbs(int64_t layer, const torch::Tensor& probs, int64_t queryStart) {
    const int64_t rows = probs.size(2);
    const auto layerIndex = static_cast<size_t>(layer);
    const int64_t q = setup_.queryPosition;
    if (q >= queryStart && q < queryStart + rows) {
        auto row = probs[0].select(1, q - queryStart);  // [heads, keys]
        queryVisual_[layerIndex] = setup_.image ? shareOf(row, *setup_.image)
                                                : torch::zeros({row.size(0)}, row.options().dtype(torch::kFloat32));
        std::vector<torch::Tensor> spans;
        for (const KeySpan& span : setup_.spans) spans.push_back(shareOf(row, span));
        if (!spans.empty()) querySpans_[layerIndex] = torch::stack(spans);
        if (setup_.captureQueryRow) queryRows_[layerIndex] = row.to(torch::kFloat32).clone();
    }
    if (!setup_.collectGenerated) return;
    // Row p predicts generated token p - (N - 1).
    const int64_t first = std::max(queryStart, setup_.promptLength - 1);
    for (int64_t p = first; p < queryStart + rows; ++p) {
        const auto token = static_cast<size_t>(p - (setup_.promptLength - 1));
        if (generated_.size() <= token) generated_.resize(token + 1, std::vector<torch::Tensor>(setup_.layers));
        auto row = probs[0].select(1, p - queryStart);
        generated_[token][layerIndex] = setup_.image ? shareOf(row, *setup_.image)
                                                     : torch::zeros({row.size(0)}, row.options().dtype(torch::kFloat32));
    }
}

bool AttentionStatistics::hasQueryRow() const {
    return std::all_of(queryVisual_.begin(), queryVisual_.end(), [](const torch::Tensor& t) { return t.defined(); });
}

FloatArray AttentionStatistics::visualShareAtQuery() const {
    if (!hasQueryRow()) return {};
    return toFloatArray(torch::stack(queryVisual_));
}

FloatArray AttentionStatistics::spanSharesAtQuery() const {
    if (setup_.spans.empty() || !hasQueryRow()) return FloatArray({0, setup_.layers, setup_.heads});
    return toFloatArray(torch::stack(querySpans_, 1));  // [spans, layers, heads]
}

FloatArray AttentionStatistics::queryRow() const {
    if (!setup_.captureQueryRow || !hasQueryRow()) return {};
    return toFloatArray(torch::stack(queryRows_));
}

FloatArray AttentionStatistics::generatedVisualShare(int64_t tokens) const {
    std::vector<torch::Tensor> complete;
    for (int64_t t = 0; t < tokens && t < static_cast<int64_t>(generated_.size()); ++t) {
        const auto& layers = generated_[static_cast<size_t>(t)];
        if (!std::all_of(layers.begin(), layers.end(), [](const torch::Tensor& x) { return x.defined(); })) break;
        complete.push_back(torch::stack(layers));
    }
    if (complete.empty()) return FloatArray({0, setup_.layers, setup_.heads});
    return toFloatArray(torch::stack(complete));
}

}  // namespace headscope::analysis
