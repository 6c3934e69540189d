#include <cstdio>

#include "commands.h"
#include "headscope/error.h"
#include "headscope/safetensors.h"

namespace headscope::cli {

namespace {

// pixel_values and image_grid_thw taken from another implementation's output, to compare models apart
// from image resizing.
ProcessedImage readPixelValues(const std::string& path) {
    SafetensorsFile file(path);
    const TensorView* pixels = file.find("pixel_values");
    const TensorView* grid = file.find("image_grid_thw");
    if (!pixels) throw InvalidInputError(path + ": has no tensor 'pixel_values'");
    if (!grid) throw InvalidInputError(path + ": has no tensor 'image_grid_thw'");
    if (pixels->shape.size() != 2) throw InvalidInputError(path + ": 'pixel_values' must be 2-D [patches, dim]");
    const std::vector<int64_t> g = toInt64Vector(*grid);
    if (g.size() != 3) throw InvalidInputError(path + ": 'image_grid_thw' must hold three values (one image)");
    ProcessedImage image;
    image.grid = {g[0], g[1], g[2]};
    image.pixelValues = FloatArray(pixels->shape, toFloatVector(*pixels));
    return image;
}

}  // namespace

int runDump(const Arguments& args) {
    args.allowOnly({"model", "image", "pixel-values", "prompt", "system", "out", "device", "dtype", "threads"});
    if (args.has("image") == args.has("pixel-values")) throw UsageError("give exactly one of --image and --pixel-values");
    const std::string outPath = args.value("out");
    auto session = Session::load(args.value("model"), loadOptionsFrom(args));

    ChatPrompt prompt;
    prompt.userText = args.value("prompt");
    if (args.has("system")) prompt.systemPrompt = args.value("system");
    PreparedInput input;
    if (args.has("image")) {
        const RgbImage image = loadImageFile(args.value("image"));
        input = session->prepare(prompt, &image);
    } else {
        input = session->prepareWithPixels(prompt, readPixelValues(args.value("pixel-values")));
    }
    const PrefillOutput prefill = session->prefill(input, 8);

    const auto n = static_cast<int64_t>(input.inputIds.size());
    std::vector<TensorToWrite> tensors;
    tensors.push_back(makeI64Tensor("input_ids", {n}, input.inputIds));
    tensors.push_back(makeI64Tensor("position_ids", input.positionIds.shape, input.positionIds.data));
    tensors.push_back(makeF32Tensor("logits_last", prefill.lastLogits.shape, prefill.lastLogits.data));
    tensors.push_back(makeF32Tensor("logits_first8", prefill.leadingLogits.shape, prefill.leadingLogits.data));
    if (input.image) {
        const GridTHW& g = input.image->grid;
        tensors.push_back(makeI64Tensor("image_grid_thw", {1, 3}, {g.t, g.h, g.w}));
        tensors.push_back(makeF32Tensor("pixel_values", input.image->pixelValues.shape, input.image->pixelValues.data));
    }
    writeSafetensors(outPath, tensors,
                     {{"format", "pt"}, {"producer", "headscope-cli dump"}, {"rope_delta", std::to_string(input.ropeDelta)}});
    std::fprintf(stderr, "wrote %zu tensors for %lld prompt tokens to %s\n", tensors.size(), static_cast<long long>(n),
                 outPath.c_str());
    return 0;
}

}  // namespace headscope::cli
