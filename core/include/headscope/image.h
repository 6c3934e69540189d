// Images and the Qwen2-VL / Qwen2.5-VL image processor (Qwen2VLImageProcessor), reproduced with OpenCV
// and a Pillow-compatible resampler.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "headscope/array.h"

namespace headscope {

// 8-bit RGB pixels, row-major, 3 bytes per pixel.
struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;
};

// Decodes an image file (any format OpenCV reads) to RGB as Pillow would see it: JPEG EXIF orientation
// applied, grey expanded, 16-bit colour reduced to its high byte and 16-bit grey clipped at 255, alpha
// composited onto white with Pillow's alpha_composite (the convert_to_rgb of transformers' Idefics/Mllama
// processors; the 4.50 Qwen2-VL processor itself would drop alpha). Throws FormatError naming the file
// when it is missing, a directory, not an image, corrupt or truncated, or empty (0x0).
// Decoding stops above this many pixels: the threshold at which Pillow, which transformers reads images with,
// raises DecompressionBombError (twice its MAX_IMAGE_PIXELS warning level). Resize targets are bounded by it too.
constexpr int64_t kMaxImagePixels = 178956970;

RgbImage loadImageFile(const std::string& path);
RgbImage decodeImage(const std::vector<uint8_t>& encoded, const std::string& nameForErrors);

// Writes an RGB image as a PNG. Throws Error naming the file when it cannot be written.
void savePngFile(const RgbImage& image, const std::string& path);

// Pillow's Image.resize(..., BICUBIC) for 8-bit RGB, bit for bit: separable cubic (a = -0.5) with the
// support widened by the scale when shrinking (antialiasing), fixed-point coefficients, horizontal pass
// first.
RgbImage resizeBicubicPillow(const RgbImage& image, int width, int height);

struct ImageProcessorConfig {
    int64_t minPixels = 56 * 56;
    int64_t maxPixels = 28 * 28 * 1280;
    int64_t patchSize = 14;
    int64_t mergeSize = 2;
    int64_t temporalPatchSize = 2;
    float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
    float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
    double rescaleFactor = 1.0 / 255.0;
    bool doResize = true;
    bool doRescale = true;
    bool doNormalize = true;
};

struct ResizedSize {
    int64_t height = 0;
    int64_t width = 0;
};

// Qwen2-VL smart_resize: both sides multiples of `factor`, area within [minPixels, maxPixels], aspect ratio
// kept as closely as possible. Throws InvalidInputError for an empty image, an aspect ratio above 200 or,
// as transformers 4.50 does, a side shorter than `factor`.
ResizedSize smartResize(int64_t height, int64_t width, int64_t factor, int64_t minPixels, int64_t maxPixels);

struct GridTHW {
    int64_t t = 0;
    int64_t h = 0;  // in patches
    int64_t w = 0;
};

struct ProcessedImage {
    FloatArray pixelValues;  // [t*h*w, channels * temporalPatch * patch * patch]
    GridTHW grid;
    int64_t resizedWidth = 0;
    int64_t resizedHeight = 0;
    int64_t mergeSize = 0;  // of the config that made it, for mergedTokenCount()
    int64_t mergedTokenCount() const;  // t*h*w / merge^2: the number of image pad tokens in the prompt
};

// smart_resize -> bicubic -> rescale -> normalise -> duplicate to the temporal patch -> patchify in
// merge-block order: rows (t, h/merge, w/merge, merge_y, merge_x), columns (channel, frame, y, x).
ProcessedImage preprocessImage(const RgbImage& image, const ImageProcessorConfig& config);

// CLIPImageProcessor (as LLaVA-1.5 uses it): resize so the shortest edge is `shortestEdge` (the long side
// int(edge * long / short), truncated), Pillow bicubic, centre crop cropHeight x cropWidth
// (top = (h - ch) / 2, left = (w - cw) / 2, floor), rescale, normalise, channels first:
// pixelValues [1, 3, cropHeight, cropWidth].
struct ClipProcessorConfig {
    int64_t shortestEdge = 336;
    int64_t cropHeight = 336;
    int64_t cropWidth = 336;
    float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
    float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
    double rescaleFactor = 1.0 / 255.0;
    bool doResize = true;
    bool doCenterCrop = true;
    bool doRescale = true;
    bool doNormalize = true;
};
// As transformers' center_crop, a side shorter than the crop is padded with level-0 pixels (the odd one on
// the top/left); without the crop the output has the resized size. Throws InvalidInputError for an empty
// image, a non-positive size or crop, or a zero std.
FloatArray preprocessImageClip(const RgbImage& image, const ClipProcessorConfig& config);

// Reads a CLIPImageProcessor preprocessor_config.json: size.shortest_edge (or a bare int), crop_size
// height/width (or a bare int), image_mean/image_std (3 numbers or one), rescale_factor and the do_* flags
// (absent: 1/255 and true, as transformers defaults). size, crop_size and mean/std are required when the
// step using them is on. Throws FormatError naming the file and field for a missing, mistyped or
// non-positive value, InvalidInputError for another processor type or a resample other than BICUBIC (3).
ClipProcessorConfig loadClipProcessorConfig(const std::string& path);

}  // namespace headscope
