#include "models/llava_model.h"

namespace headscope::models {

LlavaModelImpl::LlavaModelImpl(const ModelConfig& c) : config(c) {
    auto tower = register_module("vision_tower", std::make_shared<torch::nn::Module>());
    visionModel = tower->register_module("vision_model", ClipVisionModel(c.clip));
    auto projector = register_module("multi_modal_projector", std::make_shared<torch::nn::Module>());
    linear1 = projector->register_module("linear_1", Linear(c.clip.hiddenSize, c.text.hiddenSize, c.clip.projectorBias));
    linear2 = projector->register_module("linear_2", Linear(c.text.hiddenSize, c.text.hiddenSize, c.clip.projectorBias));
    auto language = register_module("language_model", std::make_shared<torch::nn::Module>());
    textModel = language->register_module("model", Qwen2TextModel(c.text));
    if (!c.text.tieWordEmbeddings)
        lmHead = language->register_module("lm_head", Linear(c.text.hiddenSize, c.text.vocabSize, false));
}

torch::Tensor LlavaModelImpl::embedInputs(const torch::Tensor& inputIds, const torch::Tensor& pixelValues,
                                          const std::vector<GridTHW>&) {
    auto embeds = textModel->embedTokens(inputIds);
    if (!pixelValues.defined()) return scatterImageFeatures(embeds, inputIds, config.imageTokenId, {});
    auto features = visionModel(pixelValues);  // [images, tokens, vision hidden]
    auto projected = linear2(torch::gelu(linear1(features)));
    return scatterImageFeatures(embeds, inputIds, config.imageTokenId, projected.reshape({-1, projected.size(-1)}));
}

const torch::Tensor& LlavaModelImpl::lmHeadWeight() const {
    return lmHead ? lmHead->weight : textModel->embedTokens->weight;
}

torch::Tensor LlavaModelImpl::logits(const torch::Tensor& hidden) const {
    return torch::nn::functional::linear(hidden, lmHeadWeight()).to(torch::kFloat32);
}

}  // namespace headscope::models
