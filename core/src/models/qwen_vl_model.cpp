#include "models/qwen_vl_model.h"

#include "headscope/error.h"

namespace headscope::models {

QwenVLModelImpl::QwenVLModelImpl(const ModelConfig& config_) : config(config_) {
    visual = register_module("visual", VisionTransformer(config.vision));
    model = register_module("model", Qwen2TextModel(config.text));
    if (!config.text.tieWordEmbeddings)
        lmHead = register_module(
            "lm_head", Linear(config.text.hiddenSize, config.text.vocabSize, false));
}

const torch::Tensor& QwenVLModelImpl::lmHeadWeight() const {
    return lmHead ? lmHead->weight : model->embedTokens->weight;
}

torch::Tensor QwenVLModelImpl::logits(const torch::Tensor& hidden) const {
    return torch::nn::functional::linear(hidden, lmHeadWeight()).to(torch::kFloat32);
}

torch::Tensor QwenVLModelImpl::embedInputs(const torch::Tensor& inputIds, const torch::Tensor& pixelValues,
                                           const std::vector<GridTHW>& grids) {
    auto embeds = model->embedTokens(inputIds);
    if (!pixelValues.defined()) return scatterImageFeatures(embeds, inputIds, config.imageTokenId, {});
    return scatterImageFeatures(embeds, inputIds, config.imageTokenId, visual(pixelValues, grids));
}

torch::Tensor scatterImageFeatures(const torch::Tensor& embeds, const torch::Tensor& inputIds, int64_t imageTokenId,
                                   const torch::Tensor& features) {
    auto isImage = inputIds == imageTokenId;
    const int64_t imageTokens = isImage.sum().item<int64_t>();
    if (!features.defined()) {
        if (imageTokens != 0)
            throw InvalidInputError("the prompt has " + std::to_string(imageTokens) + " image tokens but no image");
        return embeds;
    }
    if (features.size(0) != imageTokens)
        throw InvalidInputError("image features and image tokens do not match: " + std::to_string(features.size(0)) +
                                " features, " + std::to_string(imageTokens) + " tokens");
    auto flat = embeds.reshape({-1, embeds.size(-1)});
    auto rows = torch::nonzero(isImage.reshape({-1})).squeeze(1);
    return flat.index_copy(0, rows, features.to(embeds.scalar_type())).view_as(embeds);
}

}  // namespace headscope::models
