#include "model_input.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "headscope/error.h"
#include "headscope/safetensors.h"

namespace headscope::cli {

const std::set<std::string> kModelInputOptions = {"model", "image", "pixel-values", "prompt", "system",
                                                  "device", "dtype", "threads", "attention"};
const std::set<std::string> kDecodingOptions = {"max-new-tokens", "sample", "temperature", "top-k", "top-p", "seed"};

namespace {

// pixel_values (and image_grid_thw, for families that have one) taken from another implementation's output,
// to compare models apart from image resizing. The session checks the shapes for its family.
ProcessedImage readPixelValues(const std::string& path) {
    SafetensorsFile file(path);
    const TensorView* pixels = file.find("pixel_values");
    if (!pixels) throw InvalidInputError(path + ": has no tensor 'pixel_values'");
    ProcessedImage image;
    if (const TensorView* grid = file.find("image_grid_thw")) {
        const std::vector<int64_t> g = toInt64Vector(*grid);
        if (g.size() != 3) throw InvalidInputError(path + ": 'image_grid_thw' must hold three values (one image)");
        image.grid = {g[0], g[1], g[2]};
    }
    image.pixelValues = FloatArray(pixels->shape, toFloatVector(*pixels));
    return image;
}

int64_t parseInteger(const std::string& text, const std::string& item) {
    size_t used = 0;
    long long value = 0;
    try {
        value = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size()) throw UsageError("--gains: '" + item + "' is not LAYER:HEAD:GAIN");
    return value;
}

std::string formatBytes(int64_t bytes) {
    char text[32];
    const double mib = static_cast<double>(bytes) / (1024.0 * 1024.0);
    if (mib >= 1024.0) std::snprintf(text, sizeof text, "%.2f GiB", mib / 1024.0);
    else std::snprintf(text, sizeof text, "%.1f MiB", mib);
    return text;
}

}  // namespace

ModelInput loadModelInput(const Arguments& args) {
    if (args.has("image") && args.has("pixel-values")) throw UsageError("give at most one of --image and --pixel-values");
    ModelInput out;
    out.session = Session::load(args.value("model"), loadOptionsFrom(args));
    const ModelInfo& info = out.session->info();
    for (const auto& name : info.unusedTensors)
        std::fprintf(stderr, "note: checkpoint tensor '%s' is not used by the model\n", name.c_str());
    for (const auto& name : info.nonFiniteTensors)
        std::fprintf(stderr, "warning: checkpoint tensor '%s' holds NaN or infinite values; outputs will be too\n",
                     name.c_str());
    const std::string onDevice =
        info.deviceBytesAfterLoad >= 0 ? " (" + formatBytes(info.deviceBytesAfterLoad) + " held there)" : "";
    const std::string resident =
        info.residentBytesAfterLoad >= 0 ? formatBytes(info.residentBytesAfterLoad) : std::string("unknown");
    std::fprintf(stderr, "loaded %s: %.1fM parameters, %s of %s weights on %s%s; process resident %s\n",
                 info.name.c_str(), static_cast<double>(info.parameterCount) / 1e6,
                 formatBytes(info.parameterBytes).c_str(), info.dtype.c_str(), info.device.c_str(), onDevice.c_str(),
                 resident.c_str());
    ChatPrompt prompt;
    prompt.userText = args.value("prompt");
    if (args.has("system")) prompt.systemPrompt = args.value("system");
    if (args.has("image")) {
        out.imagePath = args.value("image");
        const RgbImage image = loadImageFile(out.imagePath);
        out.input = out.session->prepare(prompt, &image);
    } else if (args.has("pixel-values")) {
        out.input = out.session->prepareWithPixels(prompt, readPixelValues(args.value("pixel-values")));
    } else {
        out.input = out.session->prepare(prompt, nullptr);
    }
    return out;
}

HeadControl gainsFrom(const Arguments& args, const Session& session) {
    HeadControl control;
    if (!args.has("gains")) return control;
    const int64_t layers = session.config().text.numLayers, heads = session.config().text.numHeads;
    control.gains = FloatArray({layers, heads}, std::vector<float>(static_cast<size_t>(layers * heads), 1.0f));
    std::stringstream list(args.value("gains"));
    std::string item;
    while (std::getline(list, item, ',')) {
        const auto first = item.find(':'), second = item.find(':', first == std::string::npos ? 0 : first + 1);
        if (first == std::string::npos || second == std::string::npos)
            throw UsageError("--gains: '" + item + "' is not LAYER:HEAD:GAIN");
        const int64_t layer = parseInteger(item.substr(0, first), item);
        const int64_t head = parseInteger(item.substr(first + 1, second - first - 1), item);
        char* end = nullptr;
        const std::string gainText = item.substr(second + 1);
        const double gain = std::strtod(gainText.c_str(), &end);
        if (gainText.empty() || *end != '\0' || !std::isfinite(gain))
            throw UsageError("--gains: '" + item + "' has no valid gain");
        if (!isAcceptableGain(static_cast<float>(gain)))
            throw UsageError("--gains: '" + item + "': gains must be within -1000 to 1000");
        if (layer < 0 || layer >= layers || head < 0 || head >= heads)
            throw UsageError("--gains: layer " + std::to_string(layer) + ", head " + std::to_string(head) +
                             " is outside the model's " + std::to_string(layers) + " x " + std::to_string(heads) + " heads");
        control.gains.data[static_cast<size_t>(layer * heads + head)] = static_cast<float>(gain);
    }
    return control;
}

GenerationOptions decodingFrom(const Arguments& args, const Session& session) {
    GenerationOptions options;
    options.maxNewTokens = args.intOr("max-new-tokens", 128);
    if (options.maxNewTokens < 0) throw UsageError("--max-new-tokens must be >= 0");
    SamplingOptions& s = options.sampling;
    s.doSample = args.has("sample");
    s.temperature = args.numberOr("temperature", session.generationDefaults().temperature);
    s.topK = args.intOr("top-k", session.generationDefaults().topK);
    s.topP = args.numberOr("top-p", session.generationDefaults().topP);
    s.seed = static_cast<uint64_t>(args.intOr("seed", 0));
    // A value the user did not give comes from the model folder's generation_config.json: say so.
    const auto source = [&](const char* option, const char* field) {
        return args.has(option) ? std::string("--") + option
                                : session.info().folder + "/generation_config.json: " + field;
    };
    if (!(s.topP > 0 && s.topP <= 1)) throw UsageError(source("top-p", "top_p") + " must be in (0, 1]");
    if (s.topK < 0) throw UsageError(source("top-k", "top_k") + " must be >= 0");
    if (!(s.temperature >= 0 && std::isfinite(s.temperature)))
        throw UsageError(source("temperature", "temperature") + " must be a finite number >= 0");
    return options;
}

}  // namespace headscope::cli
