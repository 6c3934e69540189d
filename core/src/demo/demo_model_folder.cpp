#include "demo/demo_model_folder.h"

#include <filesystem>

#include "headscope/error.h"
#include "headscope/safetensors.h"
#include "json_fields.h"
#include "qwen_model_json.h"

namespace headscope::demo {

namespace fs = std::filesystem;

namespace {

std::vector<TensorToWrite> float32Tensors(torch::nn::Module& model) {
    std::vector<TensorToWrite> tensors;
    for (const auto& item : model.named_parameters()) {
        const auto value = item.value().detach().to(torch::kCPU, torch::kFloat32).contiguous();
        TensorToWrite t;
        t.name = item.key();
        t.dtype = DType::F32;
        t.shape.assign(value.sizes().begin(), value.sizes().end());
        const auto* bytes = static_cast<const uint8_t*>(value.data_ptr());
        t.data.assign(bytes, bytes + value.numel() * 4);
        tensors.push_back(std::move(t));
    }
    return tensors;
}

}  // namespace

void writeDemoModelFolder(const std::string& folder, torch::nn::Module& model, const DemoFolderContents& contents) {
    const fs::path target(folder);
    if (fs::exists(target)) throw InvalidInputError(folder + ": already exists; choose a new folder");
    const fs::path staging = target.string() + ".partial";
    fs::remove_all(staging);
    fs::create_directories(staging);
    try {
        writeJsonFile((staging / "config.json").string(), contents.config);
        writeJsonFile((staging / "generation_config.json").string(), contents.generation);
        writeJsonFile((staging / "preprocessor_config.json").string(), contents.preprocessor);
        for (const char* name : {"tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json"})
            fs::copy_file(fs::path(contents.tokenizerFolder) / name, staging / name);
        const auto tokenizerConfig = json_fields::readFile((staging / "tokenizer_config.json").string());
        writeJsonFile((staging / "chat_template.json").string(),
                      {{"chat_template", tokenizerConfig.at("chat_template")}});
        writeSafetensors((staging / "model.safetensors").string(), float32Tensors(model), {{"format", "pt"}});
        writeJsonFile((staging / "training.json").string(),
                      {{"options", contents.trainingOptions}, {"final_loss", contents.finalLoss},
                       {"training_seconds", contents.trainingSeconds}});
        fs::rename(staging, target);
    } catch (...) {
        std::error_code ignored;
        fs::remove_all(staging, ignored);
        throw;
    }
}

}  // namespace headscope::demo
