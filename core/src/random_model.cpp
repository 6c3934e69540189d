#include "headscope/random_model.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "headscope/config.h"
#include "headscope/error.h"
#include "headscope/safetensors.h"
#include "models/qwen_vl_model.h"
#include "qwen_model_json.h"
#include "qwen_tokenizer_files.h"
#include "tokenizer_unicode.h"

namespace headscope {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int64_t kByteTokens = 256;

// A byte-level BPE with one token per byte and no merges: every text encodes, and ids stay small. The ids
// are the byte values rather than the alphabet order a trained BPE has, so random models keep their ids.
TrainedBpe byteOnlyBpe() {
    TrainedBpe bpe;
    const auto& alphabet = tok::ByteLevelAlphabet::instance();
    for (int b = 0; b < kByteTokens; ++b) bpe.vocab.push_back(alphabet.encode(std::string(1, static_cast<char>(b))));
    return bpe;
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
    const QwenSpecialIds ids(kByteTokens);
    const json config = qwenConfigJson(spec, ids, "bfloat16");
    const ModelConfig parsed = parseModelConfig(config.dump(), "generated config.json");  // validates the spec

    const fs::path staging = target.parent_path() / (target.filename().string() + ".partial");
    fs::remove_all(staging);
    fs::create_directories(staging);
    try {
        writeJsonFile((staging / "config.json").string(), config);
        writeJsonFile((staging / "preprocessor_config.json").string(), qwenPreprocessorJson(spec));
        writeJsonFile((staging / "generation_config.json").string(), qwenGenerationConfigJson(ids));
        writeTextFile((staging / "tokenizer.json").string(), qwen::tokenizerJson(byteOnlyBpe()));
        writeTextFile((staging / "tokenizer_config.json").string(), qwen::tokenizerConfigJson(kByteTokens));
        writeJsonFile((staging / "chat_template.json").string(), {{"chat_template", qwen::kChatTemplate}});
        writeSafetensors((staging / "model.safetensors").string(), randomWeights(parsed, seed), {{"format", "pt"}});
        fs::rename(staging, target);
    } catch (...) {
        std::error_code ignored;
        fs::remove_all(staging, ignored);
        throw;
    }
}

}  // namespace headscope
