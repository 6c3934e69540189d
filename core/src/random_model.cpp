#include "headscope/random_model.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "headscope/config.h"
#include "headscope/error.h"
#include "headscope/safetensors.h"
#include "models/qwen_vl_model.h"
#include "qwen_tokenizer_files.h"
#include "tokenizer_unicode.h"

namespace headscope {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int64_t kByteTokens = 256;

void writeText(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) throw Error(path.string() + ": cannot write");
}

void writeJson(const fs::path& path, const json& value) { writeText(path, value.dump(2) + "\n"); }

// A byte-level BPE with one token per byte and no merges: every text encodes, and ids stay small. The ids
// are the byte values rather than the alphabet order a trained BPE has, so random models keep their ids.
TrainedBpe byteOnlyBpe() {
    TrainedBpe bpe;
    const auto& alphabet = tok::ByteLevelAlphabet::instance();
    for (int b = 0; b < kByteTokens; ++b) bpe.vocab.push_back(alphabet.encode(std::string(1, static_cast<char>(b))));
    return bpe;
}

int64_t addedId(const std::string& content) { return qwen::addedTokenId(content, kByteTokens); }

json visionConfigJson(const RandomModelSpec& s) {
    if (s.family == ModelFamily::Qwen2VL)
        return {{"depth", s.visionDepth}, {"embed_dim", s.visionHidden},
                {"mlp_ratio", static_cast<double>(s.visionIntermediate) / static_cast<double>(s.visionHidden)},
                {"num_heads", s.visionHeads}, {"in_chans", 3}, {"hidden_size", s.hiddenSize}, {"patch_size", 14},
                {"spatial_merge_size", 2}, {"temporal_patch_size", 2}, {"hidden_act", "quick_gelu"}};
    return {{"model_type", "qwen2_5_vl"}, {"depth", s.visionDepth}, {"hidden_act", "silu"},
            {"hidden_size", s.visionHidden}, {"intermediate_size", s.visionIntermediate},
            {"num_heads", s.visionHeads}, {"in_channels", 3}, {"out_hidden_size", s.hiddenSize},
            {"patch_size", 14}, {"spatial_merge_size", 2}, {"temporal_patch_size", 2}, {"window_size", 112},
            {"fullatt_block_indexes", s.visionDepth >= 2 ? json{1, s.visionDepth - 1} : json{0}},
            {"tokens_per_second", 2}};
}

json configJson(const RandomModelSpec& s) {
    const int64_t headDim = s.hiddenSize / s.heads;
    // Rotary pairs split 1/4 : 3/8 : 3/8 over (t, h, w), the proportions of Qwen2.5-VL's [16, 24, 24].
    const int64_t pairs = headDim / 2, hw = pairs * 3 / 8;
    const bool qwen2 = s.family == ModelFamily::Qwen2VL;
    return {{"architectures", {qwen2 ? "Qwen2VLForConditionalGeneration" : "Qwen2_5_VLForConditionalGeneration"}},
            {"model_type", qwen2 ? "qwen2_vl" : "qwen2_5_vl"},
            {"attention_dropout", 0.0},
            {"bos_token_id", addedId("<|endoftext|>")},
            {"eos_token_id", addedId("<|im_end|>")},
            {"pad_token_id", addedId("<|endoftext|>")},
            {"hidden_act", "silu"},
            {"hidden_size", s.hiddenSize},
            {"intermediate_size", s.intermediateSize},
            {"num_hidden_layers", s.layers},
            {"num_attention_heads", s.heads},
            {"num_key_value_heads", s.kvHeads},
            {"max_position_embeddings", 32768},
            {"max_window_layers", s.layers},
            {"rms_norm_eps", 1e-6},
            {"rope_theta", 1000000.0},
            {"rope_scaling", {{"type", "default"}, {"rope_type", "default"}, {"mrope_section", {pairs - 2 * hw, hw, hw}}}},
            {"sliding_window", 32768},
            {"use_sliding_window", false},
            {"tie_word_embeddings", s.tieWordEmbeddings},
            {"torch_dtype", "bfloat16"},
            {"use_cache", true},
            {"vocab_size", s.vocabSize},
            {"image_token_id", addedId("<|image_pad|>")},
            {"video_token_id", addedId("<|video_pad|>")},
            {"vision_start_token_id", addedId("<|vision_start|>")},
            {"vision_end_token_id", addedId("<|vision_end|>")},
            {"vision_token_id", addedId("<|vision_pad|>")},
            {"vision_config", visionConfigJson(s)}};
}

json preprocessorJson(const RandomModelSpec& s) {
    return {{"do_convert_rgb", true}, {"do_normalize", true}, {"do_rescale", true}, {"do_resize", true},
            {"image_mean", {0.48145466, 0.4578275, 0.40821073}}, {"image_std", {0.26862954, 0.26130258, 0.27577711}},
            {"image_processor_type", "Qwen2VLImageProcessor"}, {"max_pixels", s.maxPixels}, {"merge_size", 2},
            {"min_pixels", 3136}, {"patch_size", 14},
            {"processor_class", s.family == ModelFamily::Qwen2VL ? "Qwen2VLProcessor" : "Qwen2_5_VLProcessor"},
            {"resample", 3},
            {"rescale_factor", 1.0 / 255.0}, {"temporal_patch_size", 2}};
}

// Matrices N(0, 1/fan_in), embeddings N(0, 1), biases N(0, 0.02^2), norm weights 1 + N(0, 0.02^2); stored as BF16.
std::vector<TensorToWrite> randomWeights(const ModelConfig& config, uint64_t seed) {
    torch::NoGradGuard noGrad;
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    models::QwenVLModel model(config);
    std::vector<TensorToWrite> tensors;
    for (const auto& item : model->named_parameters()) {
        const std::string& name = item.key();
        const auto shape = item.value().sizes();
        auto value = torch::randn(shape, generator, torch::kFloat32);
        const bool isNorm = name.find("norm") != std::string::npos || name.find("ln_q") != std::string::npos;
        if (isNorm && name.size() > 5 && name.substr(name.size() - 5) == ".bias") value *= 0.02;
        else if (isNorm) value = 1 + 0.02 * value;
        else if (name.size() > 5 && name.substr(name.size() - 5) == ".bias") value *= 0.02;
        else if (name.find("embed_tokens") != std::string::npos) {
        } else value /= std::sqrt(static_cast<double>(value[0].numel()));
        auto bf16 = value.to(torch::kBFloat16).contiguous();
        TensorToWrite t;
        t.name = name;
        t.dtype = DType::BF16;
        t.shape.assign(shape.begin(), shape.end());
        const auto* bytes = static_cast<const uint8_t*>(bf16.data_ptr());
        t.data.assign(bytes, bytes + bf16.numel() * 2);
        tensors.push_back(std::move(t));
    }
    return tensors;
}

}  // namespace

RandomModelSpec randomModelPreset(const std::string& name) {
    RandomModelSpec s;
    if (name == "tiny") return s;
    if (name == "tiny-qwen2-vl") {
        s.family = ModelFamily::Qwen2VL;
        s.visionIntermediate = 128;  // mlp_ratio 4
        return s;
    }
    if (name == "qwen2-0.5b") {
        s.hiddenSize = 896;
        s.layers = 24;
        s.heads = 14;
        s.kvHeads = 2;
        s.intermediateSize = 4864;
        s.vocabSize = 151936;
        s.tieWordEmbeddings = true;
        s.visionDepth = 4;
        s.visionHidden = 256;
        s.visionHeads = 4;
        s.visionIntermediate = 512;
        s.maxPixels = 1003520;  // 1280 merged tokens at most
        return s;
    }
    throw InvalidInputError("unknown model preset '" + name + "' (known: tiny, tiny-qwen2-vl, qwen2-0.5b)");
}

void writeRandomQwenModel(const std::string& folder, const RandomModelSpec& spec, uint64_t seed) {
    const fs::path target(folder);
    if (fs::exists(target)) throw InvalidInputError(folder + ": already exists; choose a new folder");
    if (spec.vocabSize < kByteTokens + static_cast<int64_t>(qwen::kAddedTokenCount))
        throw InvalidInputError("vocab size " + std::to_string(spec.vocabSize) + " is below the tokenizer's " +
                                std::to_string(kByteTokens + qwen::kAddedTokenCount) + " ids");
    const json config = configJson(spec);
    const ModelConfig parsed = parseModelConfig(config.dump(), "generated config.json");  // validates the spec

    const fs::path staging = target.parent_path() / (target.filename().string() + ".partial");
    fs::remove_all(staging);
    fs::create_directories(staging);
    try {
        writeJson(staging / "config.json", config);
        writeJson(staging / "preprocessor_config.json", preprocessorJson(spec));
        writeJson(staging / "generation_config.json",
                  {{"bos_token_id", addedId("<|endoftext|>")}, {"pad_token_id", addedId("<|endoftext|>")},
                   {"eos_token_id", {addedId("<|im_end|>"), addedId("<|endoftext|>")}}, {"do_sample", false}});
        writeText(staging / "tokenizer.json", qwen::tokenizerJson(byteOnlyBpe()));
        writeText(staging / "tokenizer_config.json", qwen::tokenizerConfigJson(kByteTokens));
        writeJson(staging / "chat_template.json", {{"chat_template", qwen::kChatTemplate}});
        writeSafetensors((staging / "model.safetensors").string(), randomWeights(parsed, seed), {{"format", "pt"}});
        fs::rename(staging, target);
    } catch (...) {
        std::error_code ignored;
        fs::remove_all(staging, ignored);
        throw;
    }
}

}  // namespace headscope
