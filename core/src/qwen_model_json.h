// The JSON files of a Qwen2.5-VL / Qwen2-VL model folder other than the tokenizer's (config.json,
// preprocessor_config.json, generation_config.json), written with the names and fields transformers uses.
// Shared by the random-model writer and the demo-model trainer.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "headscope/random_model.h"

namespace headscope {

// Ids of Qwen2's added tokens, which follow the BPE vocabulary (<|endoftext|> first).
struct QwenSpecialIds {
    explicit QwenSpecialIds(int64_t firstAddedId) : endOfText(firstAddedId) {}
    int64_t endOfText;
    int64_t imStart() const { return endOfText + 1; }
    int64_t imEnd() const { return endOfText + 2; }
    int64_t visionStart() const { return endOfText + 9; }
    int64_t visionEnd() const { return endOfText + 10; }
    int64_t visionPad() const { return endOfText + 11; }
    int64_t imagePad() const { return endOfText + 12; }
    int64_t videoPad() const { return endOfText + 13; }
};

nlohmann::json qwenConfigJson(const RandomModelSpec& spec, const QwenSpecialIds& ids,
                              const std::string& torchDtype);
nlohmann::json qwenPreprocessorJson(const RandomModelSpec& spec);
nlohmann::json qwenGenerationConfigJson(const QwenSpecialIds& ids);

// Write `text` / `value` pretty-printed to `path`; throw Error naming the path when they cannot.
void writeTextFile(const std::string& path, const std::string& text);
void writeJsonFile(const std::string& path, const nlohmann::json& value);

}  // namespace headscope
