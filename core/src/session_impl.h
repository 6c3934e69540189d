// The LibTorch side of a Session: the model on its device, and the tensors of a prepared input.
// Core's analyses include this; nothing outside core does.
#pragma once
#include <memory>

#include "device.h"
#include "headscope/session.h"
#include "models/vl_model.h"

namespace headscope {

struct Session::Impl {
    ModelInfo info;
    ImageProcessorConfig imageConfig;  // Qwen2-VL / Qwen2.5-VL
    ClipProcessorConfig clipConfig;    // LLaVA
    GenerationDefaults generationDefaults;
    std::unique_ptr<Tokenizer> tokenizer;
    detail::Placement placement;
    // Forward passes leave the weights untouched, so const sessions may run it.
    std::shared_ptr<models::VisionLanguageModel> model;

    // Positions of `ids` (a prompt extended by generated tokens) laid out as `like`'s were.
    Int64Array positionsFor(const std::vector<int64_t>& ids, const PreparedInput& like) const;
    torch::Tensor inputIds(const PreparedInput& input) const;      // [1, N] int64 on the device
    torch::Tensor positions(const PreparedInput& input) const;     // [3, 1, N] int64 on the device
    torch::Tensor pixelValues(const PreparedInput& input) const;   // [patches, dim] or undefined
    std::vector<GridTHW> grids(const PreparedInput& input) const;

    // Embeds the prompt (vision tower included) and runs the decoder over it: final hidden states [1, N, hidden].
    torch::Tensor prefillHidden(const PreparedInput& input, models::KVCache* cache,
                                const models::DecoderRunOptions& run) const;

    // Logits of a prompt pass's hidden states [N, hidden]: the full last row and vocab ids 0..k-1 everywhere.
    PrefillOutput logitsOf(const torch::Tensor& hidden, int64_t leadingVocabColumns) const;
};

}  // namespace headscope
