// What every model family offers the rest of core: a vision tower that turns pixel values into rows for
// the image tokens, the shared text decoder (with its head hook point), and the language-model head. A
// family is a small set of files under models/ implementing this; nothing above them knows which it is.
#pragma once
#include <vector>

#include "headscope/image.h"
#include "models/qwen_text.h"

namespace headscope::models {

struct VisionLanguageModel : torch::nn::Module {
    // Token embeddings [B, T, hidden] with the image tokens' rows replaced by the vision tower's output.
    virtual torch::Tensor embedInputs(const torch::Tensor& inputIds, const torch::Tensor& pixelValues,
                                      const std::vector<GridTHW>& grids) = 0;
    virtual Qwen2TextModelImpl& decoder() = 0;
    virtual torch::Tensor logits(const torch::Tensor& hidden) const = 0;  // float32
    virtual const torch::Tensor& lmHeadWeight() const = 0;
};

// Replaces the rows of `imageTokenId` in `embeds` by `features` in order; the counts must agree.
torch::Tensor scatterImageFeatures(const torch::Tensor& embeds, const torch::Tensor& inputIds, int64_t imageTokenId,
                                   const torch::Tensor& features);

}  // namespace headscope::models
