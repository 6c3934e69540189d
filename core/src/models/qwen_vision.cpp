#include "models/qwen_vision.h"

#include <algorithm>

namespace headscope::models {

namespace {

torch::nn::AnyModule makeNorm(const VisionConfig& config, int64_t dim) {
    if (config.norm == VisionNormKind::RmsNorm) return torch::nn::AnyModule(RMSNorm(dim, 1e-6));
    return torch::nn::AnyModule(LayerNorm(dim, 1e-6));
}

torch::Tensor quickGelu(const torch::Tensor& x) { return x * torch::sigmoid(1.702 * x); }

}  // namespace

VisionMlpImpl::VisionMlpImpl(const VisionConfig& config) : kind(config.mlp) {
    if (kind == VisionMlpKind::QuickGeluFc) {
        fc1 = register_module("fc1", Linear(config.embedDim, config.mlpHidden, true));
        fc2 = register_module("fc2", Linear(config.mlpHidden, config.embedDim, true));
    } else {
        gateProj = register_module("gate_proj", Linear(config.embedDim, config.mlpHidden, true));
        upProj = register_module("up_proj", Linear(config.embedDim, config.mlpHidden, true));
        downProj = register_module("down_proj", Linear(config.mlpHidden, config.embedDim, true));
    }
}

torch::Tensor VisionMlpImpl::forward(const torch::Tensor& x) {
    if (kind == VisionMlpKind::QuickGeluFc) return fc2(quickGelu(fc1(x)));
    return downProj(torch::silu(gateProj(x)) * upProj(x));
}

VisionAttentionImpl::VisionAttentionImpl(const VisionConfig& config)
    : numHeads(config.numHeads), headDim(config.embedDim / config.numHeads) {
    qkv = register_module("qkv", Linear(config.embedDim, 3 * config.embedDim, true));
    proj = register_module("proj", Linear(config.embedDim, config.embedDim, true));
}

torch::Tensor VisionAttentionImpl::forward(const torch::Tensor& x, const std::vector<int64_t>& cuSeqlens,
                                           const torch::Tensor& cos, const torch::Tensor& sin) {
    const int64_t seq = x.size(0);
    auto parts = qkv(x).reshape({seq, 3, numHeads, headDim}).permute({1, 0, 2, 3}).unbind(0);
    // cos/sin [seq, headDim] broadcast over heads.
    auto q = applyRotary(parts[0], cos.unsqueeze(-2), sin.unsqueeze(-2)).transpose(0, 1);  // [heads, seq, d]
    auto k = applyRotary(parts[1], cos.unsqueeze(-2), sin.unsqueeze(-2)).transpose(0, 1);
    auto v = parts[2].transpose(0, 1);
    // Block-diagonal attention, one segment at a time: the same numbers as a full mask without its
    // seq x seq memory.
    std::vector<torch::Tensor> outputs;
    outputs.reserve(cuSeqlens.size());
    for (size_t i = 1; i < cuSeqlens.size(); ++i) {
        const int64_t begin = cuSeqlens[i - 1], length = cuSeqlens[i] - cuSeqlens[i - 1];
        outputs.push_back(eagerAttention(q.narrow(1, begin, length), k.narrow(1, begin, length),
                                         v.narrow(1, begin, length), torch::Tensor()));
    }
    auto out = torch::cat(outputs, 1).transpose(0, 1).reshape({seq, -1});  // [seq, heads * d]
    return proj(out);
}

VisionBlockImpl::VisionBlockImpl(const VisionConfig& config) {
    norm1 = makeNorm(config, config.embedDim);
    norm2 = makeNorm(config, config.embedDim);
    register_module("norm1", norm1.ptr());
    register_module("norm2", norm2.ptr());
    attn = register_module("attn", VisionAttention(config));
    mlp = register_module("mlp", VisionMlp(config));
}

torch::Tensor VisionBlockImpl::forward(const torch::Tensor& x, const std::vector<int64_t>& cuSeqlens,
                                       const torch::Tensor& cos, const torch::Tensor& sin) {
    auto h = x + attn(norm1.forward(x), cuSeqlens, cos, sin);
    return h + mlp(norm2.forward(h));
}

PatchMergerImpl::PatchMergerImpl(const VisionConfig& config)
    : mergedWidth(config.embedDim * config.spatialMergeSize * config.spatialMergeSize) {
    lnQ = makeNorm(config, config.embedDim);
    register_module("ln_q", lnQ.ptr());
    mlp = register_module("mlp", torch::nn::Sequential(Linear(mergedWidth, mergedWidth, true), torch::nn::GELU(),
                                                       Linear(mergedWidth, config.outHidden, true)));
}

torch::Tensor PatchMergerImpl::forward(const torch::Tensor& x) {
    return mlp->forward(lnQ.forward(x).view({-1, mergedWidth}));
}

WindowPartition partitionIntoWindows(const std::vector<GridTHW>& grids, int64_t windowMergedTokens,
                                     int64_t spatialMergeSize) {
    WindowPartition p;
    p.cuWindowSeqlens.push_back(0);
    const int64_t unit = spatialMergeSize * spatialMergeSize;
    int64_t base = 0;
    for (const GridTHW& g : grids) {
        const int64_t mh = g.h / spatialMergeSize, mw = g.w / spatialMergeSize;
        const int64_t windowsH = (mh + windowMergedTokens - 1) / windowMergedTokens;
        const int64_t windowsW = (mw + windowMergedTokens - 1) / windowMergedTokens;
        for (int64_t t = 0; t < g.t; ++t)
            for (int64_t wy = 0; wy < windowsH; ++wy)
                for (int64_t wx = 0; wx < windowsW; ++wx) {
                    int64_t count = 0;
                    for (int64_t y = wy * windowMergedTokens; y < std::min(mh, (wy + 1) * windowMergedTokens); ++y)
                        for (int64_t x = wx * windowMergedTokens; x < std::min(mw, (wx + 1) * windowMergedTokens);
                             ++x, ++count)
                            p.mergedOrder.push_back(base + (t * mh + y) * mw + x);
                    p.cuWindowSeqlens.push_back(p.cuWindowSeqlens.back() + count * unit);
                }
        base += g.t * mh * mw;
    }
    return p;
}

VisionTransformerImpl::VisionTransformerImpl(const VisionConfig& config_) : config(config_) {
    // "patch_embed.proj.weight" [embed, C, T, P, P]: a Conv3d without bias whose kernel equals its stride.
    auto patchEmbed = register_module("patch_embed", std::make_shared<torch::nn::Module>());
    auto proj = patchEmbed->register_module("proj", std::make_shared<torch::nn::Module>());
    patchEmbedWeight = proj->register_parameter(
        "weight", torch::empty({config.embedDim, config.inChannels, config.temporalPatchSize, config.patchSize,
                                config.patchSize}));
    for (int64_t i = 0; i < config.depth; ++i) blocks->push_back(VisionBlock(config));
    register_module("blocks", blocks);
    merger = register_module("merger", PatchMerger(config));
    // Kept out of the parameters and buffers so that a dtype change of the module leaves it in float32.
    inverseFrequencies = rotaryInverseFrequencies(config.embedDim / config.numHeads / 2, 10000.0, torch::kCPU);
}

torch::Tensor VisionTransformerImpl::rotaryAngles(const std::vector<GridTHW>& grids) const {
    const int64_t m = config.spatialMergeSize;
    std::vector<float> rows, cols;
    for (const GridTHW& g : grids)
        for (int64_t t = 0; t < g.t; ++t)
            for (int64_t by = 0; by < g.h / m; ++by)
                for (int64_t bx = 0; bx < g.w / m; ++bx)
                    for (int64_t iy = 0; iy < m; ++iy)
                        for (int64_t ix = 0; ix < m; ++ix) {
                            rows.push_back(static_cast<float>(by * m + iy));
                            cols.push_back(static_cast<float>(bx * m + ix));
                        }
    const auto n = static_cast<int64_t>(rows.size());
    const auto device = patchEmbedWeight.device();
    auto rowT = torch::from_blob(rows.data(), {n, 1}, torch::kFloat32).to(device);
    auto colT = torch::from_blob(cols.data(), {n, 1}, torch::kFloat32).to(device);
    auto inv = inverseFrequencies.to(device).unsqueeze(0);
    return torch::cat({rowT * inv, colT * inv}, 1);
}

torch::Tensor VisionTransformerImpl::forward(const torch::Tensor& pixelValues, const std::vector<GridTHW>& grids) {
    const auto& weight = patchEmbedWeight;
    // Kernel == stride, so the convolution is a matrix product over each patch row.
    auto x = torch::matmul(pixelValues.to(weight.dtype()), weight.view({config.embedDim, -1}).t());
    const int64_t seq = x.size(0);
    const int64_t unit = config.spatialMergeSize * config.spatialMergeSize;
    auto angles = rotaryAngles(grids);

    std::vector<int64_t> cuFull{0};
    for (const GridTHW& g : grids)
        for (int64_t t = 0; t < g.t; ++t) cuFull.push_back(cuFull.back() + g.h * g.w);

    const bool windowed = config.windowSize > 0;
    WindowPartition windows;
    torch::Tensor order;
    if (windowed) {
        windows = partitionIntoWindows(grids, config.windowSize / config.spatialMergeSize / config.patchSize,
                                       config.spatialMergeSize);
        order = torch::tensor(windows.mergedOrder, torch::kInt64).to(x.device());
        x = x.view({seq / unit, unit, -1}).index_select(0, order).view({seq, -1});
        angles = angles.view({seq / unit, unit, -1}).index_select(0, order).view({seq, -1});
    }
    auto emb = torch::cat({angles, angles}, -1);
    auto cos = emb.cos(), sin = emb.sin();

    for (int64_t i = 0; i < config.depth; ++i) {
        const bool full = !windowed || std::find(config.fullAttentionBlocks.begin(), config.fullAttentionBlocks.end(),
                                                 i) != config.fullAttentionBlocks.end();
        x = blocks[i]->as<VisionBlockImpl>()->forward(x, full ? cuFull : windows.cuWindowSeqlens, cos, sin);
    }
    x = merger(x);
    if (windowed) x = x.index_select(0, torch::argsort(order));
    return x;
}

}  // namespace headscope::models
