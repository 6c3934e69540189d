#include "models/qwen_text.h"

#include "device.h"

#include <limits>

namespace headscope::models {

namespace {

// [B, kv, S, D] -> [B, kv * rep, S, D]: kv head j serves query heads j*rep .. j*rep + rep - 1.
torch::Tensor repeatKv(const torch::Tensor& x, int64_t rep) {
    if (rep == 1) return x;
    const auto b = x.size(0), kv = x.size(1), s = x.size(2), d = x.size(3);
    return x.unsqueeze(2).expand({b, kv, rep, s, d}).reshape({b, kv * rep, s, d});
}

// Additive causal mask for query rows [queryStart, queryStart + rows) over keys [0, keys).
torch::Tensor causalMask(int64_t queryStart, int64_t rows, int64_t keys, const torch::TensorOptions& options) {
    auto queryPos = torch::arange(queryStart, queryStart + rows, options.dtype(torch::kInt64)).unsqueeze(1);
    auto keyPos = torch::arange(0, keys, options.dtype(torch::kInt64)).unsqueeze(0);
    auto mask = torch::zeros({rows, keys}, options.dtype(torch::kFloat32));
    return mask.masked_fill(keyPos > queryPos, -std::numeric_limits<float>::infinity());
}

}  // namespace

Qwen2AttentionImpl::Qwen2AttentionImpl(const TextConfig& config, int64_t layer)
    : layerIndex(layer), numHeads(config.numHeads), numKvHeads(config.numKeyValueHeads), headDim(config.headDim) {
    qProj = register_module("q_proj", Linear(config.hiddenSize, numHeads * headDim, config.attentionBias));
    kProj = register_module("k_proj", Linear(config.hiddenSize, numKvHeads * headDim, config.attentionBias));
    vProj = register_module("v_proj", Linear(config.hiddenSize, numKvHeads * headDim, config.attentionBias));
    oProj = register_module("o_proj",
                            Linear(numHeads * headDim, config.hiddenSize, false));
}

torch::Tensor Qwen2AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                          KVCache* cache, int64_t pastLength, const DecoderRunOptions& run) {
    const int64_t b = x.size(0), t = x.size(1);
    auto q = qProj(x).view({b, t, numHeads, headDim}).transpose(1, 2);  // [B, H, T, D]
    auto k = kProj(x).view({b, t, numKvHeads, headDim}).transpose(1, 2);  // [B, KV, T, D]
    auto v = vProj(x).view({b, t, numKvHeads, headDim}).transpose(1, 2);
    q = q * cos + rotateHalf(q) * sin;
    k = k * cos + rotateHalf(k) * sin;

    if (cache) {
        cache->keys[layerIndex].narrow(2, pastLength, t).copy_(k);
        cache->values[layerIndex].narrow(2, pastLength, t).copy_(v);
        k = cache->keys[layerIndex].narrow(2, 0, pastLength + t);
        v = cache->values[layerIndex].narrow(2, 0, pastLength + t);
    }
    const int64_t keys = k.size(2);

#if HEADSCOPE_FUSED_ATTENTION
    if (run.fusedAttention && !run.observer) {
        // sdpa serves query head h from kv head h / (heads / kv heads) itself (enable_gqa): the cache is
        // never copied out per head. A fresh prompt is plainly causal; a decoding step's single query row
        // sees every key; only rows appended after earlier ones need an explicit mask.
        torch::Tensor fused;
        if (t == 1) fused = at::scaled_dot_product_attention(q, k, v, {}, 0.0, false, std::nullopt, true);
        else if (pastLength == 0) fused = at::scaled_dot_product_attention(q, k, v, {}, 0.0, true, std::nullopt, true);
        else {
            const auto mask = causalMask(pastLength, t, keys, q.options()).to(q.scalar_type());
            fused = at::scaled_dot_product_attention(q, k, v, mask, 0.0, false, std::nullopt, true);
        }
        if (run.headHook) fused = run.headHook->onHeadOutput(layerIndex, fused, pastLength);
        return oProj(fused.transpose(1, 2).reshape({b, t, numHeads * headDim}));
    }
#endif
    k = repeatKv(k, numHeads / numKvHeads);
    v = repeatKv(v, numHeads / numKvHeads);
    // Query rows in chunks: peak memory holds [B, H, chunk, keys] scores, never [B, H, T, keys].
    std::vector<torch::Tensor> chunks;
    const int64_t chunk = std::max<int64_t>(1, run.queryChunk);
    for (int64_t start = 0; start < t; start += chunk) {
        if (start > 0 && run.cancel && run.cancel->load()) throw RunCancelled();  // long prompts: many chunks
        const int64_t rows = std::min(chunk, t - start);
        torch::Tensor mask;
        if (t > 1) mask = causalMask(pastLength + start, rows, keys, q.options());
        torch::Tensor probs;
        chunks.push_back(eagerAttention(q.narrow(2, start, rows), k, v, mask, run.observer ? &probs : nullptr));
        if (run.observer) run.observer->onAttentionProbs(layerIndex, probs, pastLength + start);
    }
    auto heads = chunks.size() == 1 ? chunks[0] : torch::cat(chunks, 2);  // [B, H, T, D]
    if (run.headHook) heads = run.headHook->onHeadOutput(layerIndex, heads, pastLength);
    return oProj(heads.transpose(1, 2).reshape({b, t, numHeads * headDim}));
}

Qwen2MlpImpl::Qwen2MlpImpl(const TextConfig& config) {
    auto noBias = [](int64_t in, int64_t out) { return Linear(in, out, false); };
    gateProj = register_module("gate_proj", noBias(config.hiddenSize, config.intermediateSize));
    upProj = register_module("up_proj", noBias(config.hiddenSize, config.intermediateSize));
    downProj = register_module("down_proj", noBias(config.intermediateSize, config.hiddenSize));
}

torch::Tensor Qwen2MlpImpl::forward(const torch::Tensor& x) { return downProj(torch::silu(gateProj(x)) * upProj(x)); }

Qwen2DecoderLayerImpl::Qwen2DecoderLayerImpl(const TextConfig& config, int64_t layerIndex) {
    selfAttn = register_module("self_attn", Qwen2Attention(config, layerIndex));
    mlp = register_module("mlp", Qwen2Mlp(config));
    inputLayernorm = register_module("input_layernorm", RMSNorm(config.hiddenSize, config.rmsNormEps));
    postAttentionLayernorm = register_module("post_attention_layernorm", RMSNorm(config.hiddenSize, config.rmsNormEps));
}

torch::Tensor Qwen2DecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                             KVCache* cache, int64_t pastLength, const DecoderRunOptions& run) {
    auto h = x + selfAttn(inputLayernorm(x), cos, sin, cache, pastLength, run);
    // Checked here as well as between layers, so a cancel waits for half a layer rather than a whole one.
    if (run.cancel && run.cancel->load()) throw RunCancelled();
    return h + mlp(postAttentionLayernorm(h));
}

Qwen2TextModelImpl::Qwen2TextModelImpl(const TextConfig& config_) : config(config_) {
    embedTokens = register_module("embed_tokens", Embedding(config.vocabSize, config.hiddenSize));
    for (int64_t i = 0; i < config.numLayers; ++i) layers->push_back(Qwen2DecoderLayer(config, i));
    register_module("layers", layers);
    norm = register_module("norm", RMSNorm(config.hiddenSize, config.rmsNormEps));
    inverseFrequencies = rotaryInverseFrequencies(config.headDim, config.ropeTheta, torch::kCPU);
}

std::pair<torch::Tensor, torch::Tensor> Qwen2TextModelImpl::rotaryTables(const torch::Tensor& positions,
                                                                       torch::ScalarType dtype) const {
    auto inv = inverseFrequencies.to(positions.device());
    auto freqs = positions.to(torch::kFloat32).unsqueeze(-1) * inv;  // [3, B, T, D/2]
    auto emb = torch::cat({freqs, freqs}, -1);                       // [3, B, T, D]
    // Plain RoPE (Llama) reads the first axis for every rotary pair.
    if (config.mropeSection.empty()) return {emb.cos()[0].unsqueeze(1).to(dtype), emb.sin()[0].unsqueeze(1).to(dtype)};
    // Sections repeat for the two halves: [t, h, w, t, h, w]; section i reads axis i % 3.
    std::vector<int64_t> sections = config.mropeSection;
    sections.insert(sections.end(), config.mropeSection.begin(), config.mropeSection.end());
    auto pick = [&](const torch::Tensor& table) {
        std::vector<torch::Tensor> parts;
        int64_t offset = 0;
        for (size_t i = 0; i < sections.size(); ++i) {
            parts.push_back(table[static_cast<int64_t>(i % 3)].narrow(-1, offset, sections[i]));
            offset += sections[i];
        }
        return torch::cat(parts, -1).unsqueeze(1).to(dtype);  // [B, 1, T, D]
    };
    return {pick(emb.cos()), pick(emb.sin())};
}

KVCache Qwen2TextModelImpl::makeCache(int64_t batch, int64_t capacity, const torch::TensorOptions& options) const {
    KVCache cache;
    cache.capacity = capacity;
    for (int64_t i = 0; i < config.numLayers; ++i) {
        cache.keys.push_back(torch::empty({batch, config.numKeyValueHeads, capacity, config.headDim}, options));
        cache.values.push_back(torch::empty({batch, config.numKeyValueHeads, capacity, config.headDim}, options));
    }
    return cache;
}

torch::Tensor Qwen2TextModelImpl::forward(const torch::Tensor& embeds, const torch::Tensor& positions, KVCache* cache,
                                          const DecoderRunOptions& run) {
    const int64_t past = cache ? cache->length : 0;
    const int64_t t = embeds.size(1);
    if (cache && past + t > cache->capacity)
        throw std::out_of_range("KV cache capacity " + std::to_string(cache->capacity) + " exceeded");
    auto [cos, sin] = rotaryTables(positions, embeds.scalar_type());
    DecoderRunOptions layerRun = run;
    layerRun.fusedAttention = run.fusedAttention && fusedAttentionAllowed;
    auto h = embeds;
    for (const auto& layer : *layers) {
        if (run.cancel && run.cancel->load()) throw RunCancelled();
        h = layer->as<Qwen2DecoderLayerImpl>()->forward(h, cos, sin, cache, past, layerRun);
        if (run.layerOutputs) run.layerOutputs->push_back(h);
    }
    if (cache) cache->length = past + t;
    return norm(h);
}

}  // namespace headscope::models
