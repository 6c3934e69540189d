// CLIPImageProcessor (transformers 4.50, the Pillow-based "slow" processor) as LLaVA-1.5 uses it: resize the
// shortest edge, centre crop (zero-padding an image smaller than the crop), rescale, normalise, channels
// first; and the reader of its preprocessor_config.json.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "headscope/error.h"
#include "image_levels.h"
#include "headscope/image.h"
#include "json_fields.h"

namespace headscope {
namespace {

using json_fields::json;

// Python's int(a / b) on ints is exact here only while a is exact in a double.
constexpr int64_t kMaxExactInteger = int64_t(1) << 53;
constexpr int64_t kMaxSide = std::numeric_limits<int>::max();

std::string sizeText(int64_t width, int64_t height) {
    return std::to_string(width) + "x" + std::to_string(height);
}

void validateImage(const RgbImage& image) {
    if (image.width <= 0 || image.height <= 0)
        throw InvalidInputError("CLIP image processor: image is empty (" +
                                sizeText(image.width, image.height) + ")");
    if (image.pixels.size() != size_t(image.width) * size_t(image.height) * 3)
        throw InvalidInputError("CLIP image processor: image pixel buffer does not match its size " +
                                sizeText(image.width, image.height));
}

void validateConfig(const ClipProcessorConfig& config) {
    if (config.doResize && (config.shortestEdge <= 0 || config.shortestEdge > kMaxSide))
        throw InvalidInputError(
            "CLIP image processor: size.shortest_edge must be positive and fit an int, got " +
            std::to_string(config.shortestEdge));
    if (config.doCenterCrop && (config.cropHeight <= 0 || config.cropWidth <= 0 ||
                                config.cropHeight > kMaxSide || config.cropWidth > kMaxSide))
        throw InvalidInputError("CLIP image processor: crop_size must be positive and fit an int, got " +
                                sizeText(config.cropWidth, config.cropHeight) + " (width x height)");
    if (config.doCenterCrop && config.cropHeight * config.cropWidth > kMaxImagePixels)
        throw InvalidInputError("CLIP image processor: crop_size " + sizeText(config.cropWidth, config.cropHeight) +
                                " has more pixels than the " + std::to_string(kMaxImagePixels) + " an image may have");
    for (float s : config.std) {
        if (config.doNormalize && s == 0.0f)
            throw InvalidInputError("CLIP image processor: image_std contains 0");
    }
}

// get_resize_output_image_size(default_to_square=False): the short side becomes `shortestEdge`, the long
// side int(shortestEdge * long / short), truncated; a square image stays square.
ResizedSize shortestEdgeSize(int64_t height, int64_t width, int64_t shortestEdge) {
    const bool portrait = width <= height;
    const int64_t shortSide = portrait ? width : height, longSide = portrait ? height : width;
    const int64_t product = shortestEdge * longSide;  // both sides fit an int: no overflow
    if (product >= kMaxExactInteger)
        throw InvalidInputError("CLIP image processor: resizing " + sizeText(width, height) +
                                " to a shortest edge of " + std::to_string(shortestEdge) + " is too large");
    const double newLong = std::trunc(double(product) / double(shortSide));
    // Bounded like a decoded picture: an absurd shortest_edge or a sliver of an image would allocate without limit.
    if (newLong > double(kMaxSide) || newLong * double(shortestEdge) > double(kMaxImagePixels))
        throw InvalidInputError("CLIP image processor: resizing " + sizeText(width, height) +
                                " to a shortest edge of " + std::to_string(shortestEdge) + " is too large");
    return portrait ? ResizedSize{int64_t(newLong), shortestEdge}
                    : ResizedSize{shortestEdge, int64_t(newLong)};
}

// Python's `difference // 2`, which floors towards minus infinity for a negative difference.
int64_t floorHalf(int64_t difference) { return difference >= 0 ? difference / 2 : -((1 - difference) / 2); }

// The output window in source coordinates. transformers' center_crop takes rows top..top+cropHeight with
// top = (h - cropHeight) // 2; when the image is smaller it first pads it with zeros, placed
// ceil((cropHeight - h) / 2) from the top, which lands on the same formula with the rows outside the image
// reading as 0. Likewise for columns.
struct CropWindow {
    int64_t top = 0;
    int64_t left = 0;
    int64_t height = 0;
    int64_t width = 0;
};

CropWindow cropWindow(const RgbImage& image, const ClipProcessorConfig& config) {
    if (!config.doCenterCrop) return {0, 0, image.height, image.width};
    return {floorHalf(image.height - config.cropHeight), floorHalf(image.width - config.cropWidth),
            config.cropHeight, config.cropWidth};
}

std::vector<float> channelLookup(const ClipProcessorConfig& config, int channel) {
    return detail::channelLevels(config.doRescale, config.rescaleFactor, config.doNormalize, config.mean[channel],
                                 config.std[channel]);
}

FloatArray channelsFirst(const RgbImage& image, const CropWindow& window, const ClipProcessorConfig& config) {
    FloatArray out({1, 3, window.height, window.width});
    float* dst = out.data.data();
    for (int c = 0; c < 3; ++c) {
        const std::vector<float> lookup = channelLookup(config, c);
        for (int64_t y = 0; y < window.height; ++y) {
            const int64_t sourceY = window.top + y;
            const bool rowInside = sourceY >= 0 && sourceY < image.height;
            for (int64_t x = 0; x < window.width; ++x) {
                const int64_t sourceX = window.left + x;
                const bool inside = rowInside && sourceX >= 0 && sourceX < image.width;
                const uint8_t level =
                    inside ? image.pixels[(size_t(sourceY) * size_t(image.width) + size_t(sourceX)) * 3 + c]
                           : 0;
                *dst++ = lookup[level];
            }
        }
    }
    return out;
}

// --- preprocessor_config.json -------------------------------------------------------------------------

const json* field(const json& object, const std::string& key) {
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

int64_t requirePositive(int64_t value, const std::string& file, const std::string& fieldPath) {
    if (value <= 0) json_fields::fail(file, fieldPath, "must be positive, found " + std::to_string(value));
    return value;
}

// A bare int is the old spelling of {"shortest_edge": n} (get_size_dict with default_to_square=False).
int64_t readShortestEdge(const json& root, const std::string& file) {
    const json* size = field(root, "size");
    if (!size) json_fields::fail(file, "size", "missing");
    if (size->is_number())
        return requirePositive(json_fields::requireInt(root, "size", file, ""), file, "size");
    if (!size->is_object())
        json_fields::fail(file, "size",
                          "expected an integer or an object with shortest_edge, found " + json_fields::quote(*size));
    return requirePositive(json_fields::requireInt(*size, "shortest_edge", file, "size"), file,
                           "size.shortest_edge");
}

// A bare int is the old spelling of a square crop (get_size_dict with default_to_square=True).
void readCropSize(const json& root, const std::string& file, ClipProcessorConfig& config) {
    const json* crop = field(root, "crop_size");
    if (!crop) json_fields::fail(file, "crop_size", "missing");
    if (crop->is_number()) {
        config.cropHeight =
            requirePositive(json_fields::requireInt(root, "crop_size", file, ""), file, "crop_size");
        config.cropWidth = config.cropHeight;
        return;
    }
    if (!crop->is_object())
        json_fields::fail(file, "crop_size",
                          "expected an integer or an object with height and width, found " + json_fields::quote(*crop));
    config.cropHeight = requirePositive(json_fields::requireInt(*crop, "height", file, "crop_size"), file,
                                        "crop_size.height");
    config.cropWidth =
        requirePositive(json_fields::requireInt(*crop, "width", file, "crop_size"), file, "crop_size.width");
}

// Three per-channel numbers, or one number for all channels (transformers' normalize broadcasts it).
void readChannelTriple(const json& root, const std::string& key, const std::string& file, float (&out)[3]) {
    const json* value = field(root, key);
    if (!value) json_fields::fail(file, key, "missing");
    if (value->is_number()) {
        const float number = float(value->get<double>());
        for (float& channel : out) channel = number;
        return;
    }
    if (!value->is_array() || value->size() != 3)
        json_fields::fail(file, key, "expected a list of 3 numbers, found " + json_fields::quote(*value));
    for (int c = 0; c < 3; ++c) {
        const json& item = (*value)[size_t(c)];
        if (!item.is_number())
            json_fields::fail(file, key + "[" + std::to_string(c) + "]",
                              "expected a number, found " + json_fields::quote(item));
        out[c] = float(item.get<double>());  // np.array(..., dtype=float32) rounds to nearest
    }
}

// Other processors (Qwen2-VL, SigLIP, ...) resize and crop differently; the CLIP family shares this one.
void checkProcessorKind(const json& root, const std::string& file) {
    const std::string type =
        json_fields::stringOr(root, "image_processor_type", "CLIPImageProcessor", file, "");
    if (type.rfind("CLIP", 0) != 0)
        throw InvalidInputError(file + ": image_processor_type '" + type + "' is not a CLIP image processor");
    constexpr int64_t kPillowBicubic = 3;
    const int64_t resample = json_fields::intOr(root, "resample", kPillowBicubic, file, "");
    if (resample != kPillowBicubic)
        throw InvalidInputError(file + ": resample " + std::to_string(resample) +
                                " is not supported; only 3 (BICUBIC) is");
}

}  // namespace

FloatArray preprocessImageClip(const RgbImage& image, const ClipProcessorConfig& config) {
    validateImage(image);
    validateConfig(config);
    RgbImage resized;
    const RgbImage* source = &image;
    if (config.doResize) {
        const ResizedSize size = shortestEdgeSize(image.height, image.width, config.shortestEdge);
        resized = resizeBicubicPillow(image, int(size.width), int(size.height));
        source = &resized;
    }
    return channelsFirst(*source, cropWindow(*source, config), config);
}

ClipProcessorConfig loadClipProcessorConfig(const std::string& path) {
    const json root = json_fields::readFile(path);
    if (!root.is_object()) json_fields::fail(path, "(top level)", "expected a JSON object");
    checkProcessorKind(root, path);
    ClipProcessorConfig config;
    config.doResize = json_fields::boolOr(root, "do_resize", true, path, "");
    config.doCenterCrop = json_fields::boolOr(root, "do_center_crop", true, path, "");
    config.doRescale = json_fields::boolOr(root, "do_rescale", true, path, "");
    config.doNormalize = json_fields::boolOr(root, "do_normalize", true, path, "");
    config.rescaleFactor = json_fields::numberOr(root, "rescale_factor", 1.0 / 255.0, path, "");
    if (config.doResize) config.shortestEdge = readShortestEdge(root, path);
    if (config.doCenterCrop) readCropSize(root, path, config);
    if (config.doNormalize) {
        readChannelTriple(root, "image_mean", path, config.mean);
        readChannelTriple(root, "image_std", path, config.std);
    }
    return config;
}

}  // namespace headscope
