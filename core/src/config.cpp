#include "headscope/config.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <numeric>
#include <tuple>

#include "headscope/error.h"
#include "headscope/text_files.h"
#include "json_fields.h"

namespace headscope {

using namespace json_fields;

const char* familyName(ModelFamily family) {
    switch (family) {
        case ModelFamily::Qwen2VL: return "Qwen2-VL";
        case ModelFamily::Qwen25VL: return "Qwen2.5-VL";
        case ModelFamily::Llava: return "LLaVA";
    }
    return "unknown";
}

namespace {

// Text fields sit at the top level in transformers <= 4.51 and under "text_config" later; a field found in
// text_config wins, otherwise the top level is read.
struct TextFieldSource {
    const json& root;
    const json* nested;
    const std::string& file;

    const json& objectFor(const std::string& key) const {
        if (nested && nested->contains(key) && !(*nested)[key].is_null()) return *nested;
        return root;
    }
    std::string pathFor(const std::string& key) const { return &objectFor(key) == nested ? "text_config" : ""; }
    int64_t requireInt(const std::string& key) const {
        return json_fields::requireInt(objectFor(key), key, file, pathFor(key));
    }
    int64_t intOr(const std::string& key, int64_t fallback) const {
        return json_fields::intOr(objectFor(key), key, fallback, file, pathFor(key));
    }
    double numberOr(const std::string& key, double fallback) const {
        return json_fields::numberOr(objectFor(key), key, fallback, file, pathFor(key));
    }
};

// Largest sizes a config may declare. Generous beside released models (the largest today: 80 layers of
// width 8,192 with an MLP of 29,568 and a vocabulary of 163,840) and small enough that the products the
// engine forms from two or three of them stay far inside int64, and a hostile file cannot ask for a model
// of unbounded size before any weight is read.
constexpr int64_t kMaxVocabulary = int64_t{1} << 24;
constexpr int64_t kMaxWidth = int64_t{1} << 16;
constexpr int64_t kMaxMlpWidth = int64_t{1} << 18;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxHeads = 1024;
constexpr int64_t kMaxContext = int64_t{1} << 24;
constexpr int64_t kMaxPatchSide = 1024;
constexpr int64_t kMaxSmallFactor = 16;  // merge sizes, temporal patches, channels
constexpr int64_t kMaxImageSide = 16384;

// Positive and at most `limit`; every size is checked before any arithmetic uses it.
void requireSize(const std::string& file, const std::string& field, int64_t value, int64_t limit) {
    if (value <= 0) fail(file, field, "must be positive, found " + std::to_string(value));
    if (value > limit)
        fail(file, field, std::to_string(value) + " is beyond the supported maximum of " + std::to_string(limit));
}

void requireFiniteNonNegative(const std::string& file, const std::string& field, double value) {
    if (!std::isfinite(value) || value < 0) fail(file, field, "must be a finite non-negative number");
}

int64_t ClipVisionConfig_imageTokens(const ClipVisionConfig& c) {
    const int64_t patches = c.patchesPerSide() * c.patchesPerSide();
    return c.selectStrategy == "full" ? patches + 1 : patches;
}

TextConfig parseText(const json& root, const std::string& file, bool multimodalRope) {
    const json* nested = root.contains("text_config") && root["text_config"].is_object() ? &root["text_config"]
                                                                                        : nullptr;
    TextFieldSource src{root, nested, file};
    TextConfig t;
    t.vocabSize = src.requireInt("vocab_size");
    t.hiddenSize = src.requireInt("hidden_size");
    t.intermediateSize = src.requireInt("intermediate_size");
    t.numLayers = src.requireInt("num_hidden_layers");
    t.numHeads = src.requireInt("num_attention_heads");
    t.numKeyValueHeads = src.intOr("num_key_value_heads", t.numHeads);
    if (!multimodalRope)
        t.attentionBias = json_fields::boolOr(src.objectFor("attention_bias"), "attention_bias", false, file,
                                              src.pathFor("attention_bias"));
    t.rmsNormEps = src.numberOr("rms_norm_eps", 1e-6);
    t.ropeTheta = src.numberOr("rope_theta", 1e6);
    t.maxPositionEmbeddings = src.intOr("max_position_embeddings", 32768);
    t.hiddenAct = stringOr(src.objectFor("hidden_act"), "hidden_act", "silu", file, src.pathFor("hidden_act"));

    for (auto [name, value, limit] :
         {std::tuple{"vocab_size", t.vocabSize, kMaxVocabulary}, {"hidden_size", t.hiddenSize, kMaxWidth},
          {"intermediate_size", t.intermediateSize, kMaxMlpWidth}, {"num_hidden_layers", t.numLayers, kMaxLayers},
          {"num_attention_heads", t.numHeads, kMaxHeads}, {"num_key_value_heads", t.numKeyValueHeads, kMaxHeads},
          {"max_position_embeddings", t.maxPositionEmbeddings, kMaxContext}})
        requireSize(file, src.pathFor(name).empty() ? name : "text_config." + std::string(name), value, limit);
    requireFiniteNonNegative(file, "rms_norm_eps", t.rmsNormEps);
    // A zero or negative base gives infinite or NaN rotary frequencies.
    if (!(t.ropeTheta > 0) || !std::isfinite(t.ropeTheta))
        fail(file, "rope_theta", "must be a positive number, found " + std::to_string(t.ropeTheta));
    if (t.hiddenSize % t.numHeads != 0)
        fail(file, "hidden_size", "must be divisible by num_attention_heads (" + std::to_string(t.numHeads) + ")");
    if (t.numHeads % t.numKeyValueHeads != 0)
        fail(file, "num_key_value_heads", "must divide num_attention_heads (" + std::to_string(t.numHeads) + ")");
    t.headDim = src.intOr("head_dim", t.hiddenSize / t.numHeads);
    requireSize(file, "head_dim", t.headDim, kMaxWidth);
    if (t.headDim * t.numHeads != t.hiddenSize) fail(file, "head_dim", "head_dim x num_attention_heads must equal hidden_size");
    if (t.hiddenAct != "silu") fail(file, "hidden_act", "only \"silu\" is supported, found \"" + clip(t.hiddenAct) + "\"");

    const json& ropeHolder = src.objectFor("rope_scaling");
    const json* rope = ropeHolder.contains("rope_scaling") && !ropeHolder["rope_scaling"].is_null()
                           ? &ropeHolder["rope_scaling"]
                           : nullptr;
    const std::string ropePath = src.pathFor("rope_scaling").empty() ? "rope_scaling" : "text_config.rope_scaling";
    if (!multimodalRope) {
        // Plain RoPE; scaled variants (linear, dynamic, llama3, yarn) would change every position's angles.
        if (rope) fail(file, ropePath, "RoPE scaling is not supported for this model type");
    } else {
        if (!rope || !rope->is_object()) fail(file, ropePath, "missing (multimodal RoPE needs mrope_section)");
        t.mropeSection = intListOr(*rope, "mrope_section", {}, file, ropePath);
        if (t.mropeSection.size() != 3 ||
            std::any_of(t.mropeSection.begin(), t.mropeSection.end(), [](int64_t n) { return n < 0; }))
            fail(file, ropePath + ".mrope_section", "expected three non-negative integers (t, h, w)");
        int64_t sectionSum = 0;
        for (int64_t share : t.mropeSection)
            if (__builtin_add_overflow(sectionSum, share, &sectionSum))
                fail(file, ropePath + ".mrope_section", "the shares do not fit in a 64-bit sum");
        // head_dim is positive here (head_dim x heads = hidden_size > 0): sum * 2 == head_dim without overflow.
        if (t.headDim % 2 != 0 || sectionSum != t.headDim / 2)
            fail(file, ropePath + ".mrope_section",
                 "sums to " + std::to_string(sectionSum) + " but head_dim / 2 is " + std::to_string(t.headDim / 2));
    }
    t.tieWordEmbeddings = boolOr(root, "tie_word_embeddings", false, file, "");
    if (nested) t.tieWordEmbeddings = boolOr(*nested, "tie_word_embeddings", t.tieWordEmbeddings, file, "text_config");
    return t;
}

VisionConfig parseVision(const json& root, ModelFamily family, const std::string& file) {
    const std::string path = "vision_config";
    if (!root.contains(path) || !root[path].is_object()) fail(file, path, "missing");
    const json& v = root[path];
    VisionConfig c;
    c.depth = requireInt(v, "depth", file, path);
    c.numHeads = requireInt(v, "num_heads", file, path);
    c.inChannels = intOr(v, "in_channels", intOr(v, "in_chans", 3, file, path), file, path);
    c.patchSize = intOr(v, "patch_size", 14, file, path);
    c.spatialMergeSize = intOr(v, "spatial_merge_size", 2, file, path);
    c.temporalPatchSize = intOr(v, "temporal_patch_size", 2, file, path);
    if (family == ModelFamily::Qwen2VL) {
        // Qwen2-VL: blocks of width embed_dim with LayerNorm and a QuickGELU MLP; hidden_size is the merger's
        // output (the text width).
        c.embedDim = requireInt(v, "embed_dim", file, path);
        requireSize(file, path + ".embed_dim", c.embedDim, kMaxWidth);
        const double mlpRatio = numberOr(v, "mlp_ratio", 4.0, file, path);
        if (!(mlpRatio > 0 && mlpRatio <= 64)) fail(file, path + ".mlp_ratio", "must be a number in (0, 64]");
        c.mlpHidden = static_cast<int64_t>(c.embedDim * mlpRatio);
        c.outHidden = requireInt(v, "hidden_size", file, path);
        c.norm = VisionNormKind::LayerNorm;
        c.mlp = VisionMlpKind::QuickGeluFc;
        c.hiddenAct = stringOr(v, "hidden_act", "quick_gelu", file, path);
        if (c.hiddenAct != "quick_gelu") fail(file, path + ".hidden_act", "only \"quick_gelu\" is supported for qwen2_vl");
    } else {
        c.embedDim = requireInt(v, "hidden_size", file, path);
        c.mlpHidden = requireInt(v, "intermediate_size", file, path);
        c.outHidden = requireInt(v, "out_hidden_size", file, path);
        c.windowSize = intOr(v, "window_size", 112, file, path);
        c.fullAttentionBlocks = intListOr(v, "fullatt_block_indexes", {7, 15, 23, 31}, file, path);
        c.tokensPerSecond = intOr(v, "tokens_per_second", 4, file, path);
        c.norm = VisionNormKind::RmsNorm;
        c.mlp = VisionMlpKind::GatedSilu;
        c.hiddenAct = stringOr(v, "hidden_act", "silu", file, path);
        if (c.hiddenAct != "silu") fail(file, path + ".hidden_act", "only \"silu\" is supported for qwen2_5_vl");
        requireSize(file, path + ".window_size", c.windowSize, kMaxImageSide);
        if (c.tokensPerSecond < 0 || c.tokensPerSecond > kMaxContext)
            fail(file, path + ".tokens_per_second", "must be between 0 and " + std::to_string(kMaxContext));
    }
    for (auto [name, value, limit] :
         {std::tuple{"depth", c.depth, kMaxLayers}, {"num_heads", c.numHeads, kMaxHeads},
          {"embed width", c.embedDim, kMaxWidth}, {"mlp width", c.mlpHidden, kMaxMlpWidth},
          {"output width", c.outHidden, kMaxWidth}, {"patch_size", c.patchSize, kMaxPatchSide},
          {"spatial_merge_size", c.spatialMergeSize, kMaxSmallFactor},
          {"temporal_patch_size", c.temporalPatchSize, kMaxSmallFactor}, {"in_channels", c.inChannels, kMaxSmallFactor}})
        requireSize(file, path + "." + name, value, limit);
    if (c.windowSize > 0 && c.windowSize % (c.patchSize * c.spatialMergeSize) != 0)
        fail(file, path + ".window_size", "must be a multiple of patch_size * spatial_merge_size");
    if (c.embedDim % c.numHeads != 0) fail(file, path + ".num_heads", "must divide the vision width");
    if ((c.embedDim / c.numHeads) % 4 != 0) fail(file, path + ".num_heads", "vision head_dim must be a multiple of 4");
    for (int64_t index : c.fullAttentionBlocks)
        if (index < 0 || index >= c.depth)
            fail(file, path + ".fullatt_block_indexes", "index " + std::to_string(index) + " is outside the blocks");
    return c;
}

ModelConfig parseLlava(const json& root, const std::string& file) {
    ModelConfig m;
    m.modelType = "llava";
    m.family = ModelFamily::Llava;
    if (!root.contains("text_config") || !root["text_config"].is_object()) fail(file, "text_config", "missing");
    const std::string textType = stringOr(root["text_config"], "model_type", "llama", file, "text_config");
    if (textType != "llama")
        throw InvalidInputError(file + ": text_config.model_type \"" + clip(textType) + "\" is not supported (supported: llama)");
    m.text = parseText(root, file, false);
    const std::string path = "vision_config";
    if (!root.contains(path) || !root[path].is_object()) fail(file, path, "missing");
    const json& v = root[path];
    const std::string visionType = stringOr(v, "model_type", "clip_vision_model", file, path);
    if (visionType != "clip_vision_model")
        throw InvalidInputError(file + ": vision_config.model_type \"" + clip(visionType) + "\" is not supported");
    ClipVisionConfig& c = m.clip;
    c.hiddenSize = requireInt(v, "hidden_size", file, path);
    c.intermediateSize = requireInt(v, "intermediate_size", file, path);
    c.numLayers = requireInt(v, "num_hidden_layers", file, path);
    c.numHeads = requireInt(v, "num_attention_heads", file, path);
    c.imageSize = intOr(v, "image_size", 224, file, path);
    c.patchSize = intOr(v, "patch_size", 32, file, path);
    c.numChannels = intOr(v, "num_channels", 3, file, path);
    c.layerNormEps = numberOr(v, "layer_norm_eps", 1e-5, file, path);
    const std::string act = stringOr(v, "hidden_act", "quick_gelu", file, path);
    if (act != "quick_gelu") fail(file, path + ".hidden_act", "only \"quick_gelu\" is supported");
    for (auto [name, value, limit] :
         {std::tuple{"hidden_size", c.hiddenSize, kMaxWidth}, {"intermediate_size", c.intermediateSize, kMaxMlpWidth},
          {"num_hidden_layers", c.numLayers, kMaxLayers}, {"num_attention_heads", c.numHeads, kMaxHeads},
          {"image_size", c.imageSize, kMaxImageSide}, {"patch_size", c.patchSize, kMaxPatchSide},
          {"num_channels", c.numChannels, kMaxSmallFactor}})
        requireSize(file, path + "." + name, value, limit);
    requireFiniteNonNegative(file, path + ".layer_norm_eps", c.layerNormEps);
    if (c.hiddenSize % c.numHeads != 0) fail(file, path + ".num_attention_heads", "must divide hidden_size");
    if (c.imageSize % c.patchSize != 0) fail(file, path + ".image_size", "must be a multiple of patch_size");
    c.featureLayer = intOr(root, "vision_feature_layer", -2, file, "");
    // numLayers + 1 hidden states, indexed from either end; written so that no bound overflows.
    const bool outside = c.featureLayer < 0 ? -(c.featureLayer + 1) > c.numLayers : c.featureLayer > c.numLayers;
    if (outside)
        fail(file, "vision_feature_layer",
             "outside the vision tower's " + std::to_string(uint64_t(c.numLayers) + 1) + " hidden states");
    c.selectStrategy = stringOr(root, "vision_feature_select_strategy", "default", file, "");
    if (c.selectStrategy != "default" && c.selectStrategy != "full")
        fail(file, "vision_feature_select_strategy", "expected \"default\" or \"full\"");
    const std::string projector = stringOr(root, "projector_hidden_act", "gelu", file, "");
    if (projector != "gelu") fail(file, "projector_hidden_act", "only \"gelu\" is supported");
    c.projectorBias = boolOr(root, "multimodal_projector_bias", true, file, "");
    m.imageTokenId = intOr(root, "image_token_index", 32000, file, "");
    if (m.imageTokenId < 0 || m.imageTokenId >= m.text.vocabSize) fail(file, "image_token_index", "outside the vocabulary");
    const json& text = root["text_config"];
    if (text.contains("bos_token_id") && !text["bos_token_id"].is_null())
        m.bosTokenId = requireInt(text, "bos_token_id", file, "text_config");
    m.eosTokenIds = intOrIntList(text, "eos_token_id", file, "text_config");
    if (m.eosTokenIds.empty()) m.eosTokenIds = intOrIntList(root, "eos_token_id", file, "");
    m.sourceDtype = stringOr(root, "torch_dtype", "", file, "");
    return m;
}

}  // namespace

int64_t ClipVisionConfig::imageTokens() const { return ClipVisionConfig_imageTokens(*this); }

ModelConfig parseModelConfig(const std::string& jsonText, const std::string& file) {
    const json root = json_fields::parseText(jsonText, file);
    if (!root.is_object()) throw FormatError(file + ": expected a JSON object");
    ModelConfig m;
    m.modelType = requireString(root, "model_type", file, "");
    if (m.modelType == "qwen2_vl") m.family = ModelFamily::Qwen2VL;
    else if (m.modelType == "qwen2_5_vl") m.family = ModelFamily::Qwen25VL;
    else if (m.modelType == "llava") return parseLlava(root, file);
    else
        throw InvalidInputError(file + ": model_type \"" + clip(m.modelType) +
                                "\" is not supported (supported: qwen2_vl, qwen2_5_vl, llava)");
    m.text = parseText(root, file, true);
    m.vision = parseVision(root, m.family, file);
    if (m.vision.outHidden != m.text.hiddenSize)
        fail(file, "vision_config", "merger output width " + std::to_string(m.vision.outHidden) +
                                        " differs from the text hidden_size " + std::to_string(m.text.hiddenSize));
    // Token ids: transformers' defaults when a field is absent (older Qwen2-VL configs omit some).
    m.imageTokenId = intOr(root, "image_token_id", 151655, file, "");
    m.videoTokenId = intOr(root, "video_token_id", 151656, file, "");
    m.visionStartTokenId = intOr(root, "vision_start_token_id", 151652, file, "");
    m.visionEndTokenId = intOr(root, "vision_end_token_id", 151653, file, "");
    if (root.contains("bos_token_id") && !root["bos_token_id"].is_null())
        m.bosTokenId = requireInt(root, "bos_token_id", file, "");
    m.eosTokenIds = intOrIntList(root, "eos_token_id", file, "");
    m.sourceDtype = stringOr(root, "torch_dtype", "", file, "");
    for (auto [name, id] : {std::pair{"image_token_id", m.imageTokenId}, {"vision_start_token_id", m.visionStartTokenId}})
        if (id < 0 || id >= m.text.vocabSize) fail(file, name, "outside the vocabulary");
    return m;
}

double minimumParameterCount(const ModelConfig& config) {
    const TextConfig& t = config.text;
    const double h = double(t.hiddenSize);
    // Embeddings, and per layer the query and output projections and the three MLP matrices.
    double count = double(t.vocabSize) * h + double(t.numLayers) * (2 * h * h + 3 * h * double(t.intermediateSize));
    if (config.family == ModelFamily::Llava) {
        const ClipVisionConfig& c = config.clip;
        const double e = double(c.hiddenSize);
        count += double(c.numLayers) * (4 * e * e + 2 * e * double(c.intermediateSize));
    } else {
        const VisionConfig& v = config.vision;
        const double e = double(v.embedDim);
        count += double(v.depth) * (4 * e * e + 2 * e * double(v.mlpHidden));
    }
    return count;
}

ModelConfig loadModelConfig(const std::string& path) {
    if (::access(path.c_str(), F_OK) != 0)
        throw Error(path + ": cannot open file (is this a Hugging Face model folder?)");
    return parseModelConfig(readBoundedFile(path, kMaxJsonFileBytes), path);
}

ImageProcessorConfig loadImageProcessorConfig(const std::string& path) {
    const json root = readFile(path);
    if (!root.is_object()) throw FormatError(path + ": expected a JSON object");
    ImageProcessorConfig c;
    // Newer files carry the bounds in "size" (shortest_edge = min_pixels, longest_edge = max_pixels).
    const json* size = root.contains("size") && root["size"].is_object() ? &root["size"] : nullptr;
    c.minPixels = intOr(root, "min_pixels", size ? intOr(*size, "shortest_edge", c.minPixels, path, "size") : c.minPixels,
                        path, "");
    c.maxPixels = intOr(root, "max_pixels", size ? intOr(*size, "longest_edge", c.maxPixels, path, "size") : c.maxPixels,
                        path, "");
    c.patchSize = intOr(root, "patch_size", c.patchSize, path, "");
    c.mergeSize = intOr(root, "merge_size", c.mergeSize, path, "");
    c.temporalPatchSize = intOr(root, "temporal_patch_size", c.temporalPatchSize, path, "");
    c.rescaleFactor = numberOr(root, "rescale_factor", c.rescaleFactor, path, "");
    c.doResize = boolOr(root, "do_resize", true, path, "");
    c.doRescale = boolOr(root, "do_rescale", true, path, "");
    c.doNormalize = boolOr(root, "do_normalize", true, path, "");
    for (const char* key : {"image_mean", "image_std"}) {
        if (!root.contains(key)) continue;
        const json& list = root[key];
        if (!list.is_array() || list.size() != 3) fail(path, key, "expected three numbers (R, G, B)");
        float* target = std::string(key) == "image_mean" ? c.mean : c.std;
        for (size_t i = 0; i < 3; ++i) {
            if (!list[i].is_number()) fail(path, key, "expected three numbers (R, G, B)");
            target[i] = list[i].get<float>();
        }
    }
    for (float s : c.std)
        if (!(s > 0) || !std::isfinite(s)) fail(path, "image_std", "values must be positive and finite");
    for (float m : c.mean)
        if (!std::isfinite(m)) fail(path, "image_mean", "values must be finite");
    if (!std::isfinite(c.rescaleFactor)) fail(path, "rescale_factor", "must be finite");
    // The resize target is bounded like a decoded image: a config asking for more pixels than any
    // picture may have would allocate without limit.
    requireSize(path, "max_pixels", c.maxPixels, kMaxImagePixels);
    requireSize(path, "min_pixels", c.minPixels, kMaxImagePixels);
    if (c.minPixels > c.maxPixels)
        fail(path, "min_pixels", std::to_string(c.minPixels) + " exceeds max_pixels " + std::to_string(c.maxPixels));
    requireSize(path, "patch_size", c.patchSize, kMaxPatchSide);
    requireSize(path, "merge_size", c.mergeSize, kMaxSmallFactor);
    requireSize(path, "temporal_patch_size", c.temporalPatchSize, kMaxSmallFactor);
    return c;
}

GenerationDefaults loadGenerationDefaults(const std::string& path, const std::vector<int64_t>& fallbackEos) {
    GenerationDefaults g;
    g.eosTokenIds = fallbackEos;
    std::ifstream probe(path);
    if (!probe) return g;
    const json root = readFile(path);
    if (!root.is_object()) throw FormatError(path + ": expected a JSON object");
    std::vector<int64_t> eos = intOrIntList(root, "eos_token_id", path, "");
    if (!eos.empty()) g.eosTokenIds = eos;
    if (root.contains("pad_token_id") && !root["pad_token_id"].is_null())
        g.padTokenId = requireInt(root, "pad_token_id", path, "");
    g.doSample = boolOr(root, "do_sample", false, path, "");
    g.temperature = numberOr(root, "temperature", 1.0, path, "");
    g.topK = intOr(root, "top_k", 50, path, "");
    g.topP = numberOr(root, "top_p", 1.0, path, "");
    return g;
}

}  // namespace headscope
