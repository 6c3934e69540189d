// Typed views of a Hugging Face model folder's JSON files: config.json, preprocessor_config.json and
// generation_config.json. Errors name the file and the field.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "headscope/image.h"

namespace headscope {

enum class ModelFamily { Qwen2VL, Qwen25VL, Llava };
const char* familyName(ModelFamily family);

struct TextConfig {
    int64_t vocabSize = 0;
    int64_t hiddenSize = 0;
    int64_t intermediateSize = 0;
    int64_t numLayers = 0;
    int64_t numHeads = 0;
    int64_t numKeyValueHeads = 0;
    int64_t headDim = 0;  // hiddenSize / numHeads
    double rmsNormEps = 1e-6;
    double ropeTheta = 1e6;
    std::vector<int64_t> mropeSection;  // sums to headDim / 2; empty: plain 1-D RoPE (Llama)
    bool attentionBias = true;          // q/k/v biases (Qwen2: yes, Llama: no)
    int64_t maxPositionEmbeddings = 32768;
    bool tieWordEmbeddings = false;
    std::string hiddenAct = "silu";
};

enum class VisionNormKind { LayerNorm, RmsNorm };
enum class VisionMlpKind { QuickGeluFc, GatedSilu };

struct VisionConfig {
    int64_t depth = 0;
    int64_t embedDim = 0;          // width of the vision blocks
    int64_t mlpHidden = 0;         // intermediate size of a block's MLP
    int64_t numHeads = 0;
    int64_t outHidden = 0;         // width after the patch merger (= text hidden size)
    int64_t inChannels = 3;
    int64_t patchSize = 14;
    int64_t spatialMergeSize = 2;
    int64_t temporalPatchSize = 2;
    int64_t windowSize = 0;        // pixels; 0 = every block attends to the whole image
    std::vector<int64_t> fullAttentionBlocks;
    VisionNormKind norm = VisionNormKind::LayerNorm;
    VisionMlpKind mlp = VisionMlpKind::QuickGeluFc;
    std::string hiddenAct;
    int64_t tokensPerSecond = 2;
};

// LLaVA-1.5's CLIP vision tower and projector.
struct ClipVisionConfig {
    int64_t hiddenSize = 0;
    int64_t intermediateSize = 0;
    int64_t numLayers = 0;
    int64_t numHeads = 0;
    int64_t imageSize = 336;
    int64_t patchSize = 14;
    int64_t numChannels = 3;
    double layerNormEps = 1e-5;
    int64_t featureLayer = -2;             // hidden state index (negative: from the end, as Python indexes)
    std::string selectStrategy = "default";  // "default" drops the class token, "full" keeps it
    bool projectorBias = true;
    int64_t patchesPerSide() const { return imageSize / patchSize; }
    int64_t imageTokens() const;  // tokens per image after selection
};

struct ModelConfig {
    std::string modelType;
    ModelFamily family = ModelFamily::Qwen25VL;
    TextConfig text;
    VisionConfig vision;    // Qwen2-VL / Qwen2.5-VL
    ClipVisionConfig clip;  // LLaVA
    int64_t imageTokenId = 0;
    int64_t videoTokenId = 0;
    int64_t visionStartTokenId = 0;
    int64_t visionEndTokenId = 0;
    std::optional<int64_t> bosTokenId;
    std::vector<int64_t> eosTokenIds;
    std::string sourceDtype;  // "torch_dtype" as written, e.g. "bfloat16"
};

struct GenerationDefaults {
    std::vector<int64_t> eosTokenIds;
    std::optional<int64_t> padTokenId;
    bool doSample = false;
    double temperature = 1.0;
    int64_t topK = 50;    // transformers' default; 0 = off
    double topP = 1.0;
};

// config.json: model_type qwen2_vl, qwen2_5_vl or llava (a Llama text_config and a CLIP vision_config); text fields at the top level (transformers <= 4.51) or
// under "text_config" (later releases). Throws Error for an unsupported model_type, FormatError for a
// missing or mistyped field, each naming the file and field.
ModelConfig loadModelConfig(const std::string& path);
ModelConfig parseModelConfig(const std::string& jsonText, const std::string& nameForErrors);

// A lower bound on the number of weights config.json describes (its large matrices only), computed
// without overflow. A loader compares it with the checkpoint's size before building a model of that size.
double minimumParameterCount(const ModelConfig& config);

// preprocessor_config.json (min_pixels / max_pixels, or size.shortest_edge / size.longest_edge).
ImageProcessorConfig loadImageProcessorConfig(const std::string& path);

// generation_config.json; an absent file gives the defaults with `fallbackEos`.
GenerationDefaults loadGenerationDefaults(const std::string& path, const std::vector<int64_t>& fallbackEos);

}  // namespace headscope
