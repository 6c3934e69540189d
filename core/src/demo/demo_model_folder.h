// Writes the trained demo model as a standard Hugging Face Qwen2.5-VL folder.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "torch_pch.h"

namespace headscope::demo {

struct DemoFolderContents {
    nlohmann::json config;
    nlohmann::json preprocessor;
    nlohmann::json generation;
    std::string tokenizerFolder;  // tokenizer.json, vocab.json, merges.txt, tokenizer_config.json
    nlohmann::json trainingOptions;
    double finalLoss = 0;
    double trainingSeconds = 0;
};

// config.json, generation_config.json, preprocessor_config.json, chat_template.json, the tokenizer files,
// model.safetensors (float32, Hugging Face names) and training.json. The folder must not exist; it
// appears complete or not at all.
void writeDemoModelFolder(const std::string& folder, torch::nn::Module& model, const DemoFolderContents& contents);

}  // namespace headscope::demo
