#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "checked_math.h"
#include "headscope/error.h"
#include "headscope/platform.h"
#include "models/llava_model.h"
#include "models/qwen_vl_model.h"
#include "models/weight_loader.h"
#include "session_impl.h"
#include "torch_errors.h"

namespace headscope {

namespace fs = std::filesystem;

namespace {

// The module tree follows the transformers 4.50 names; later releases moved the decoder to
// "model.language_model." and the vision tower to "model.visual.".
std::vector<std::string> qwenCheckpointNames(const std::string& parameter) {
    auto startsWith = [&](const char* prefix) { return parameter.rfind(prefix, 0) == 0; };
    if (startsWith("model.")) return {parameter, "model.language_model." + parameter.substr(6)};
    if (startsWith("visual.")) return {parameter, "model." + parameter};
    return {parameter};
}

// llava-hf's layout ("language_model.model.*", "language_model.lm_head.*") and the later one
// ("model.language_model.*", "model.vision_tower.*", "model.multi_modal_projector.*", "lm_head.*").
std::vector<std::string> llavaCheckpointNames(const std::string& parameter) {
    auto startsWith = [&](const char* prefix) { return parameter.rfind(prefix, 0) == 0; };
    if (startsWith("language_model.model.")) return {parameter, "model.language_model." + parameter.substr(21)};
    if (startsWith("language_model.lm_head.")) return {parameter, parameter.substr(15)};
    return {parameter, "model." + parameter};
}

// Text positions 0 .. N-1 on all three rotary axes (families without multimodal RoPE).
Int64Array sequentialPositions(int64_t n) {
    Int64Array positions({3, n});
    for (int64_t axis = 0; axis < 3; ++axis)
        for (int64_t i = 0; i < n; ++i) positions.data[static_cast<size_t>(axis * n + i)] = i;
    return positions;
}

void checkContext(const std::vector<int64_t>& ids, const ModelConfig& config) {
    if (static_cast<int64_t>(ids.size()) >= config.text.maxPositionEmbeddings)
        throw InvalidInputError("the prompt has " + std::to_string(ids.size()) +
                                " tokens; the model's context holds " + std::to_string(config.text.maxPositionEmbeddings));
    // A tokenizer may know more tokens than the model has embeddings for; say so before the lookup fails.
    for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i] < 0 || ids[i] >= config.text.vocabSize)
            throw InvalidInputError("the prompt's token " + std::to_string(i) + " has id " + std::to_string(ids[i]) +
                                    ", outside the model's vocabulary of " + std::to_string(config.text.vocabSize) +
                                    " (vocab_size in config.json): the tokenizer does not match the model");
}

torch::Tensor int64Tensor(const std::vector<int64_t>& values, std::vector<int64_t> shape, const torch::Device& device) {
    return torch::tensor(values, torch::kInt64).view(shape).to(device);
}

// FNV-1a, 64 bit: a stable fingerprint (not a security measure) of a small file.
std::string fingerprint(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    uint64_t hash = 1469598103934665603ull;
    for (std::istreambuf_iterator<char> it(in), end; it != end; ++it) {
        hash ^= static_cast<unsigned char>(*it);
        hash *= 1099511628211ull;
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

std::string formatGiB(double bytes) {
    char text[48];
    std::snprintf(text, sizeof text, "%.3g GiB", bytes / double(int64_t{1} << 30));
    return text;
}

bool blank(const std::string& text) {
    return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
}

}  // namespace

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

std::unique_ptr<Session> Session::load(const std::string& folder, const LoadOptions& options,
                                       const ProgressCallback& progress) {
    const fs::path dir(folder);
    if (!fs::is_directory(dir)) throw Error(folder + ": not a folder");
    auto report = [&](double fraction, const std::string& stage) {
        if (progress) progress(fraction, stage);
    };
    auto impl = std::make_unique<Impl>();
    report(0.0, "config");
    const ModelConfig config = loadModelConfig((dir / "config.json").string());
    const bool llava = config.family == ModelFamily::Llava;
    const std::string preprocessor = (dir / "preprocessor_config.json").string();
    if (llava) {
        impl->clipConfig = loadClipProcessorConfig(preprocessor);
        if (impl->clipConfig.cropHeight != config.clip.imageSize || impl->clipConfig.cropWidth != config.clip.imageSize)
            throw InvalidInputError(preprocessor + ": crop_size disagrees with config.json's vision_config.image_size");
    } else {
        impl->imageConfig = loadImageProcessorConfig(preprocessor);
        if (impl->imageConfig.patchSize != config.vision.patchSize ||
            impl->imageConfig.mergeSize != config.vision.spatialMergeSize ||
            impl->imageConfig.temporalPatchSize != config.vision.temporalPatchSize)
            throw InvalidInputError(preprocessor +
                                    ": patch_size / merge_size / temporal_patch_size disagree with config.json's vision_config");
    }
    impl->generationDefaults = loadGenerationDefaults((dir / "generation_config.json").string(), config.eosTokenIds);
    report(0.02, "tokenizer");
    // LLaVA folders ship tokenizer.model; their tokenizer.json (Metaspace + byte fallback) says the same.
    if (llava && fs::exists(dir / "tokenizer.model"))
        impl->tokenizer = loadSentencePieceTokenizer((dir / "tokenizer.model").string(),
                                                     (dir / "tokenizer_config.json").string());
    else
        impl->tokenizer = Tokenizer::fromFolder(folder);

    impl->placement = detail::choosePlacement(options);
    const bool fused = detail::chooseFusedAttention(options.attention);
    ModelInfo& info = impl->info;
    info.folder = fs::absolute(dir).lexically_normal().string();
    info.name = fs::absolute(dir).lexically_normal().filename().string();
    if (info.name.empty()) info.name = fs::absolute(dir).lexically_normal().parent_path().filename().string();
    info.config = config;
    info.configHash = fingerprint((dir / "config.json").string());
    info.threads = detail::configureThreads(options.threads);
    info.device = detail::deviceLabel(impl->placement.device);
    info.dtype = detail::dtypeLabel(impl->placement.dtype);
    info.attention = fused ? "fused" : "eager";

    report(0.05, "weights");
    WeightStore store(folder);
    // Every weight comes from the checkpoint in at least 16 bits; a config describing more than the files
    // hold (num_hidden_layers 1e9, say) is refused before a model of that size is allocated.
    const double describedBytes = 2 * minimumParameterCount(config);
    if (describedBytes > double(store.totalBytes()))
        throw InvalidInputError(folder + ": config.json describes a model of at least " +
                                formatGiB(describedBytes) + " of 16-bit weights, but the checkpoint holds " +
                                formatGiB(double(store.totalBytes())) +
                                " of tensors: the config does not match these weights");
    torch::NoGradGuard noGrad;
    if (llava) impl->model = std::make_shared<models::LlavaModelImpl>(config);
    else impl->model = std::make_shared<models::QwenVLModelImpl>(config);
    auto loaded = detail::translateTorchErrors(folder + ": loading weights", [&] {
        return models::loadParameters(*impl->model, store, llava ? llavaCheckpointNames : qwenCheckpointNames,
                                      impl->placement.device,
                                      impl->placement.dtype,
                                      [&](double f, const std::string& stage) { report(0.05 + 0.95 * f, stage); });
    });
    impl->model->eval();
    impl->model->decoder().fusedAttentionAllowed = fused;
    // Analyses differentiate with respect to gates and inputs only; weights never collect gradients.
    for (auto& parameter : impl->model->parameters()) parameter.set_requires_grad(false);
    info.parameterCount = loaded.parameterCount;
    info.parameterBytes = loaded.parameterBytes;
    info.unusedTensors = loaded.unusedTensors;
    info.nonFiniteTensors = loaded.nonFiniteTensors;
    detail::synchronize(impl->placement.device);
    info.residentBytesAfterLoad = residentMemoryBytes();
    info.deviceBytesAfterLoad = detail::deviceBytesAllocated(impl->placement.device);
    report(1.0, "ready");
    return std::unique_ptr<Session>(new Session(std::move(impl)));
}

std::string userMessage(const std::exception& error) {
    if (const auto* torchError = dynamic_cast<const c10::Error*>(&error)) return torchError->what_without_backtrace();
    return error.what();
}

const ModelInfo& Session::info() const { return impl_->info; }
const ModelConfig& Session::config() const { return impl_->info.config; }
const Tokenizer& Session::tokenizer() const { return *impl_->tokenizer; }
const ImageProcessorConfig& Session::imageProcessorConfig() const { return impl_->imageConfig; }
const GenerationDefaults& Session::generationDefaults() const { return impl_->generationDefaults; }
const ClipProcessorConfig& Session::clipProcessorConfig() const { return impl_->clipConfig; }

ImageInputShape imageInputShape(const ModelConfig& config, const ImageProcessorConfig& qwen,
                                const ClipProcessorConfig& clip, int64_t width, int64_t height) {
    ImageInputShape shape;
    if (config.family == ModelFamily::Llava) {
        shape.width = clip.cropWidth;
        shape.height = clip.cropHeight;
        shape.gridWidth = shape.gridHeight = config.clip.patchesPerSide();
        shape.tokens = config.clip.imageTokens();
        return shape;
    }
    const int64_t factor = qwen.patchSize * qwen.mergeSize;
    const ResizedSize r = smartResize(height, width, factor, qwen.minPixels, qwen.maxPixels);
    shape.width = r.width;
    shape.height = r.height;
    shape.gridWidth = r.width / factor;
    shape.gridHeight = r.height / factor;
    shape.tokens = shape.gridWidth * shape.gridHeight;
    return shape;
}

PreparedInput Session::prepare(const ChatPrompt& prompt, const RgbImage* image) const {
    if (blank(prompt.userText)) throw InvalidInputError("the prompt is empty");
    if (image) {
        ProcessedImage pixels;
        if (config().family == ModelFamily::Llava) pixels.pixelValues = preprocessImageClip(*image, impl_->clipConfig);
        else pixels = preprocessImage(*image, impl_->imageConfig);
        return prepareWithPixels(prompt, std::move(pixels));
    }
    ChatPrompt textOnly = prompt;
    textOnly.withImage = false;
    PreparedInput input;
    if (config().family == ModelFamily::Llava) {
        input.inputIds = {config().bosTokenId.value_or(1)};
        const std::vector<int64_t> text = impl_->tokenizer->encode(renderLlavaChat(textOnly));
        input.inputIds.insert(input.inputIds.end(), text.begin(), text.end());
        input.positionIds = sequentialPositions(static_cast<int64_t>(input.inputIds.size()));
    } else {
        input.inputIds = impl_->tokenizer->encode(renderQwenChat(textOnly));
        input.positionIds = computeMropePositions(input.inputIds, {}, config().imageTokenId,
                                                  config().vision.spatialMergeSize, &input.ropeDelta);
        input.multimodalRope = true;
    }
    checkContext(input.inputIds, config());
    return input;
}

PreparedInput Session::prepareWithPixels(const ChatPrompt& prompt, ProcessedImage pixels) const {
    if (blank(prompt.userText)) throw InvalidInputError("the prompt is empty");
    return config().family == ModelFamily::Llava ? prepareLlavaPixels(prompt, std::move(pixels))
                                                 : prepareQwenPixels(prompt, std::move(pixels));
}

PreparedInput Session::prepareLlavaPixels(const ChatPrompt& prompt, ProcessedImage pixels) const {
    const ClipVisionConfig& clip = config().clip;
    const std::vector<int64_t> expected{1, clip.numChannels, clip.imageSize, clip.imageSize};
    if (pixels.pixelValues.shape != expected)
        throw InvalidInputError("pixel values must be [1, " + std::to_string(clip.numChannels) + ", " +
                                std::to_string(clip.imageSize) + ", " + std::to_string(clip.imageSize) + "]");
    // The image tokens cover the patch grid row by row: a grid of patches with a merge size of 1.
    pixels.grid = {1, clip.patchesPerSide(), clip.patchesPerSide()};
    pixels.mergeSize = 1;
    pixels.resizedWidth = pixels.resizedHeight = clip.imageSize;
    PreparedInput input;
    ChatPrompt withImage = prompt;
    withImage.withImage = true;
    input.inputIds = encodeLlavaChatWithImage(*impl_->tokenizer, withImage, clip.imageTokens(),
                                              config().bosTokenId.value_or(1));
    checkContext(input.inputIds, config());
    input.positionIds = sequentialPositions(static_cast<int64_t>(input.inputIds.size()));
    input.image = std::move(pixels);
    return input;
}

PreparedInput Session::prepareQwenPixels(const ChatPrompt& prompt, ProcessedImage pixels) const {
    const VisionConfig& vision = config().vision;
    const int64_t patchWidth = vision.inChannels * vision.temporalPatchSize * vision.patchSize * vision.patchSize;
    const GridTHW& g = pixels.grid;
    const std::string gridText =
        "image grid (" + std::to_string(g.t) + ", " + std::to_string(g.h) + ", " + std::to_string(g.w) + ")";
    if (g.t <= 0 || g.h <= 0 || g.w <= 0 || g.h % vision.spatialMergeSize || g.w % vision.spatialMergeSize)
        throw InvalidInputError(gridText + " is not a positive multiple of the merge size");
    // A grid whose product wraps could match a small pixel tensor; the pixels bound the product instead.
    const std::optional<int64_t> patches = checkedProduct({g.t, g.h, g.w});
    if (!patches) throw InvalidInputError(gridText + " has more patches than 64-bit sizes can count");
    if (pixels.pixelValues.shape != std::vector<int64_t>{*patches, patchWidth})
        throw InvalidInputError("pixel values must be [" + std::to_string(*patches) + ", " +
                                std::to_string(patchWidth) + "] for " + gridText);
    PreparedInput input;
    ChatPrompt withImage = prompt;
    withImage.withImage = true;
    const int64_t imageTokens = *patches / (vision.spatialMergeSize * vision.spatialMergeSize);
    input.inputIds = encodeChatWithImage(*impl_->tokenizer, withImage, imageTokens);
    checkContext(input.inputIds, config());
    input.positionIds = computeMropePositions(input.inputIds, {g}, config().imageTokenId, vision.spatialMergeSize,
                                              &input.ropeDelta);
    input.multimodalRope = true;
    pixels.mergeSize = vision.spatialMergeSize;
    input.image = std::move(pixels);
    return input;
}

Int64Array Session::Impl::positionsFor(const std::vector<int64_t>& ids, const PreparedInput& like) const {
    if (!like.multimodalRope) return sequentialPositions(static_cast<int64_t>(ids.size()));
    std::vector<GridTHW> grids;
    if (like.image) grids.push_back(like.image->grid);
    return computeMropePositions(ids, grids, info.config.imageTokenId, info.config.vision.spatialMergeSize, nullptr);
}

torch::Tensor Session::Impl::inputIds(const PreparedInput& input) const {
    return int64Tensor(input.inputIds, {1, static_cast<int64_t>(input.inputIds.size())}, placement.device);
}

torch::Tensor Session::Impl::positions(const PreparedInput& input) const {
    return int64Tensor(input.positionIds.data, {3, 1, input.positionIds.dim(1)}, placement.device);
}

torch::Tensor Session::Impl::pixelValues(const PreparedInput& input) const {
    if (!input.image) return {};
    const FloatArray& pv = input.image->pixelValues;
    return torch::from_blob(const_cast<float*>(pv.data.data()), pv.shape, torch::kFloat32)
        .to(torch::TensorOptions().device(placement.device).dtype(placement.dtype), false, true);
}

std::vector<GridTHW> Session::Impl::grids(const PreparedInput& input) const {
    return input.image ? std::vector<GridTHW>{input.image->grid} : std::vector<GridTHW>{};
}

torch::Tensor Session::Impl::prefillHidden(const PreparedInput& input, models::KVCache* cache,
                                           const models::DecoderRunOptions& run) const {
    auto embeds = model->embedInputs(inputIds(input), pixelValues(input), grids(input));
    if (run.cancel && run.cancel->load()) throw models::RunCancelled();
    return model->decoder().forward(embeds, positions(input), cache, run);
}

PrefillOutput Session::prefill(const PreparedInput& input, int64_t leadingVocabColumns) const {
    return detail::translateTorchErrors("prefill", [&] { return prefillUnchecked(input, leadingVocabColumns); });
}

PrefillOutput Session::prefillUnchecked(const PreparedInput& input, int64_t leadingVocabColumns) const {
    torch::NoGradGuard noGrad;
    return impl_->logitsOf(impl_->prefillHidden(input, nullptr, {})[0], leadingVocabColumns);
}

PrefillOutput Session::Impl::logitsOf(const torch::Tensor& hidden, int64_t leadingVocabColumns) const {
    torch::NoGradGuard noGrad;
    PrefillOutput out;
    auto last = model->logits(hidden[-1]).to(torch::kCPU).contiguous();
    out.lastLogits = FloatArray({last.size(0)}, std::vector<float>(last.data_ptr<float>(), last.data_ptr<float>() + last.numel()));
    const int64_t k = std::clamp<int64_t>(leadingVocabColumns, 0, info.config.text.vocabSize);
    auto leading = torch::nn::functional::linear(hidden, model->lmHeadWeight().narrow(0, 0, k))
                       .to(torch::kFloat32).to(torch::kCPU).contiguous();
    out.leadingLogits = FloatArray({leading.size(0), k},
                                   std::vector<float>(leading.data_ptr<float>(), leading.data_ptr<float>() + leading.numel()));
    return out;
}

}  // namespace headscope
