// Qwen2VLImageProcessor (transformers 4.50, the Pillow-based "slow" processor): smart_resize, bicubic
// resize, rescale, normalise and the patch layout the vision tower expects.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "headscope/error.h"
#include "image_levels.h"
#include "headscope/image.h"

namespace headscope {
namespace {

constexpr double kMaxAspectRatio = 200.0;

// Python's round(): halves go to the even neighbour (std::nearbyint under the default rounding mode).
int64_t roundHalfEven(double value) { return int64_t(std::nearbyint(value)); }

// The shortest text that reads back as the same double, with ".0" for whole numbers: Python's repr().
std::string formatPythonFloat(double value) {
    char buffer[64];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
        if (std::strtod(buffer, nullptr) == value) break;
    }
    std::string text = buffer;
    if (text.find_first_of(".eni") == std::string::npos) text += ".0";
    return text;
}

void validateConfig(const ImageProcessorConfig& config) {
    if (config.patchSize <= 0 || config.mergeSize <= 0 || config.temporalPatchSize <= 0)
        throw InvalidInputError(
            "image processor: patch_size, merge_size and temporal_patch_size must be positive");
    for (float s : config.std) {
        if (config.doNormalize && s == 0.0f) throw InvalidInputError("image processor: image_std contains 0");
    }
}

std::vector<float> channelLookup(const ImageProcessorConfig& config, int channel) {
    return detail::channelLevels(config.doRescale, config.rescaleFactor, config.doNormalize, config.mean[channel],
                                 config.std[channel]);
}

// Rows ordered (t, h/m, w/m, m_y, m_x), columns (channel, frame, py, px): numpy's
// reshape(t, T, C, h/m, m, p, w/m, m, p).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8). All frames are copies
// of the one image, so the frame index does not change the value.
FloatArray patchify(const RgbImage& image, const ImageProcessorConfig& config) {
    const int64_t p = config.patchSize, m = config.mergeSize, frames = config.temporalPatchSize;
    const int64_t gridH = image.height / p, gridW = image.width / p;
    const int64_t rowLength = 3 * frames * p * p;
    FloatArray out({gridH * gridW, rowLength});
    const std::vector<float> lookup[3] = {channelLookup(config, 0), channelLookup(config, 1),
                                          channelLookup(config, 2)};
    float* dst = out.data.data();
    for (int64_t blockY = 0; blockY < gridH / m; ++blockY)
        for (int64_t blockX = 0; blockX < gridW / m; ++blockX)
            for (int64_t my = 0; my < m; ++my)
                for (int64_t mx = 0; mx < m; ++mx) {
                    const int64_t top = (blockY * m + my) * p, left = (blockX * m + mx) * p;
                    for (int c = 0; c < 3; ++c)
                        for (int64_t f = 0; f < frames; ++f)
                            for (int64_t py = 0; py < p; ++py) {
                                const uint8_t* src =
                                    image.pixels.data() + (size_t(top + py) * image.width + left) * 3 + c;
                                for (int64_t px = 0; px < p; ++px) *dst++ = lookup[c][src[3 * px]];
                            }
                }
    return out;
}

}  // namespace

int64_t ProcessedImage::mergedTokenCount() const {
    const int64_t merged = grid.t * grid.h * grid.w;
    return mergeSize > 0 ? merged / (mergeSize * mergeSize) : 0;
}

ResizedSize smartResize(int64_t height, int64_t width, int64_t factor, int64_t minPixels, int64_t maxPixels) {
    if (height <= 0 || width <= 0)
        throw InvalidInputError("image is empty (" + std::to_string(width) + "x" + std::to_string(height) +
                                ")");
    if (factor <= 0) throw InvalidInputError("smart_resize: factor must be positive");
    // Bounded like a decoded picture, which also keeps every product below exact in a double.
    if (minPixels <= 0 || maxPixels < minPixels || maxPixels > kMaxImagePixels)
        throw InvalidInputError("smart_resize: min_pixels " + std::to_string(minPixels) + " and max_pixels " +
                                std::to_string(maxPixels) + " must satisfy 0 < min_pixels <= max_pixels <= " +
                                std::to_string(kMaxImagePixels));
    if (height < factor || width < factor)
        throw InvalidInputError("height:" + std::to_string(height) + " or width:" + std::to_string(width) +
                                " must be larger than factor:" + std::to_string(factor));
    const double aspect = double(std::max(height, width)) / double(std::min(height, width));
    if (aspect > kMaxAspectRatio)
        throw InvalidInputError("absolute aspect ratio must be smaller than 200, got " +
                                formatPythonFloat(aspect));
    // Python divides ints exactly rounded; all operands here are exact in a double.
    const double h = double(height), w = double(width), f = double(factor), area = double(height * width);
    ResizedSize size{roundHalfEven(h / f) * factor, roundHalfEven(w / f) * factor};
    if (size.height * size.width > maxPixels) {
        const double beta = std::sqrt(area / double(maxPixels));
        size.height = int64_t(std::floor(h / beta / f)) * factor;
        size.width = int64_t(std::floor(w / beta / f)) * factor;
    } else if (size.height * size.width < minPixels) {
        const double beta = std::sqrt(double(minPixels) / area);
        size.height = int64_t(std::ceil(h * beta / f)) * factor;
        size.width = int64_t(std::ceil(w * beta / f)) * factor;
    }
    // transformers 4.50 would go on to fail inside Pillow; say why instead.
    if (size.height <= 0 || size.width <= 0)
        throw InvalidInputError("image of " + std::to_string(width) + "x" + std::to_string(height) +
                                " cannot be fitted into " + std::to_string(maxPixels) + " pixels");
    return size;
}

ProcessedImage preprocessImage(const RgbImage& image, const ImageProcessorConfig& config) {
    if (image.width <= 0 || image.height <= 0)
        throw InvalidInputError("image is empty (" + std::to_string(image.width) + "x" +
                                std::to_string(image.height) + ")");
    if (image.pixels.size() != size_t(image.width) * image.height * 3)
        throw InvalidInputError("image pixel buffer does not match its size");
    validateConfig(config);
    const int64_t factor = config.patchSize * config.mergeSize;
    RgbImage resized;
    const RgbImage* source = &image;
    if (config.doResize) {
        const ResizedSize size =
            smartResize(image.height, image.width, factor, config.minPixels, config.maxPixels);
        if (size.width > std::numeric_limits<int>::max() || size.height > std::numeric_limits<int>::max())
            throw InvalidInputError("image processor: min_pixels asks for an impossibly large image");
        if (size.width != image.width || size.height != image.height) {
            resized = resizeBicubicPillow(image, int(size.width), int(size.height));
            source = &resized;
        }
    } else if (image.width % factor != 0 || image.height % factor != 0) {
        throw InvalidInputError("without resizing, the image sides (" + std::to_string(image.width) + "x" +
                                std::to_string(image.height) + ") must be multiples of " +
                                std::to_string(factor));
    }
    ProcessedImage out;
    out.pixelValues = patchify(*source, config);
    out.grid = {1, source->height / config.patchSize, source->width / config.patchSize};
    out.resizedWidth = source->width;
    out.resizedHeight = source->height;
    out.mergeSize = config.mergeSize;
    return out;
}

}  // namespace headscope
