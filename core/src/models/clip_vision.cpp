#include "models/clip_vision.h"

namespace headscope::models {

ClipAttentionImpl::ClipAttentionImpl(const ClipVisionConfig& c)
    : numHeads(c.numHeads), headDim(c.hiddenSize / c.numHeads) {
    qProj = register_module("q_proj", Linear(c.hiddenSize, c.hiddenSize, true));
    kProj = register_module("k_proj", Linear(c.hiddenSize, c.hiddenSize, true));
    vProj = register_module("v_proj", Linear(c.hiddenSize, c.hiddenSize, true));
    outProj = register_module("out_proj", Linear(c.hiddenSize, c.hiddenSize, true));
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& x) {
    const int64_t b = x.size(0), t = x.size(1);
    auto split = [&](const torch::Tensor& y) { return y.view({b, t, numHeads, headDim}).transpose(1, 2); };
    auto out = eagerAttention(split(qProj(x)), split(kProj(x)), split(vProj(x)), torch::Tensor());  // no mask
    return outProj(out.transpose(1, 2).reshape({b, t, numHeads * headDim}));
}

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const ClipVisionConfig& c) {
    selfAttn = register_module("self_attn", ClipAttention(c));
    layerNorm1 = register_module("layer_norm1", LayerNorm(c.hiddenSize, c.layerNormEps));
    auto mlp = register_module("mlp", std::make_shared<torch::nn::Module>());
    fc1 = mlp->register_module("fc1", Linear(c.hiddenSize, c.intermediateSize, true));
    fc2 = mlp->register_module("fc2", Linear(c.intermediateSize, c.hiddenSize, true));
    layerNorm2 = register_module("layer_norm2", LayerNorm(c.hiddenSize, c.layerNormEps));
}

torch::Tensor ClipEncoderLayerImpl::forward(const torch::Tensor& x) {
    auto h = x + selfAttn(layerNorm1(x));
    auto inner = fc1(layerNorm2(h));
    return h + fc2(inner * torch::sigmoid(1.702 * inner));  // QuickGELU
}

ClipVisionModelImpl::ClipVisionModelImpl(const ClipVisionConfig& c) : config(c) {
    auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
    classEmbedding = embeddings->register_parameter("class_embedding", torch::empty({c.hiddenSize}));
    auto patch = embeddings->register_module("patch_embedding", std::make_shared<torch::nn::Module>());
    patchEmbeddingWeight =
        patch->register_parameter("weight", torch::empty({c.hiddenSize, c.numChannels, c.patchSize, c.patchSize}));
    auto position = embeddings->register_module("position_embedding", std::make_shared<torch::nn::Module>());
    const int64_t positions = c.patchesPerSide() * c.patchesPerSide() + 1;
    positionEmbeddingWeight = position->register_parameter("weight", torch::empty({positions, c.hiddenSize}));
    preLayrnorm = register_module("pre_layrnorm", LayerNorm(c.hiddenSize, c.layerNormEps));
    auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
    for (int64_t i = 0; i < c.numLayers; ++i) layers->push_back(ClipEncoderLayer(c));
    encoder->register_module("layers", layers);
    postLayernorm = register_module("post_layernorm", LayerNorm(c.hiddenSize, c.layerNormEps));
}

torch::Tensor ClipVisionModelImpl::forward(const torch::Tensor& pixelValues) {
    const auto& w = patchEmbeddingWeight;
    auto patches = torch::conv2d(pixelValues.to(w.scalar_type()), w, {}, config.patchSize);  // [B, H, 6, 6]
    patches = patches.flatten(2).transpose(1, 2);                                              // [B, 36, H]
    const int64_t b = patches.size(0);
    auto x = torch::cat({classEmbedding.view({1, 1, -1}).expand({b, 1, classEmbedding.size(0)}), patches}, 1);
    x = preLayrnorm(x + positionEmbeddingWeight.unsqueeze(0));
    // hidden_states[0] is the pre-LayerNorm output, hidden_states[i] the output of layer i - 1.
    const int64_t states = config.numLayers + 1;
    const int64_t wanted = config.featureLayer >= 0 ? config.featureLayer : states + config.featureLayer;
    for (int64_t i = 0; i < wanted; ++i) x = layers[i]->as<ClipEncoderLayerImpl>()->forward(x);
    return config.selectStrategy == "full" ? x : x.narrow(1, 1, x.size(1) - 1);
}

}  // namespace headscope::models
