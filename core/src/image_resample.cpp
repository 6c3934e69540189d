// Pillow's separable resampler (libImaging/Resample.c) for 8-bit RGB with the bicubic filter: double
// precision weights normalised to sum 1, converted to 22-bit fixed point, 8-bit rounding after each pass.
#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "headscope/error.h"
#include "headscope/image.h"

namespace headscope {
namespace {

// 32 bits minus 8 for the value minus 2 for the overshoot of a kernel with negative lobes.
constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr int32_t kHalf = 1 << (kPrecisionBits - 1);
constexpr double kBicubicSupport = 2.0;

// Keys' cubic convolution kernel with a = -0.5, in the arithmetic order Pillow uses.
double bicubic(double x) {
    constexpr double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

// For every output sample: the first input sample used, how many, and their fixed-point weights.
struct Kernel {
    int taps = 0;  // stride of `weights`
    std::vector<int> first;
    std::vector<int> count;
    std::vector<int32_t> weights;
};

int32_t toFixedPoint(double weight) {
    return weight < 0 ? int32_t(-0.5 + weight * (1 << kPrecisionBits))
                      : int32_t(0.5 + weight * (1 << kPrecisionBits));
}

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for the full box [0, inSize). When shrinking, the
// kernel is stretched by the scale so that it averages (antialiases) instead of skipping samples.
Kernel buildKernel(int inSize, int outSize) {
    const double scale = double(inSize) / outSize;
    const double filterScale = scale < 1.0 ? 1.0 : scale;
    const double support = kBicubicSupport * filterScale;
    const double invFilterScale = 1.0 / filterScale;
    Kernel kernel;
    kernel.taps = int(std::ceil(support)) * 2 + 1;
    kernel.first.resize(size_t(outSize));
    kernel.count.resize(size_t(outSize));
    kernel.weights.assign(size_t(outSize) * kernel.taps, 0);
    std::vector<double> w(size_t(kernel.taps));
    for (int xx = 0; xx < outSize; ++xx) {
        const double center = (xx + 0.5) * scale;
        int xmin = int(center - support + 0.5);  // truncation, as in C
        if (xmin < 0) xmin = 0;
        int xmax = int(center + support + 0.5);
        if (xmax > inSize) xmax = inSize;
        xmax -= xmin;
        double sum = 0.0;
        for (int x = 0; x < xmax; ++x) {
            w[x] = bicubic((x + xmin - center + 0.5) * invFilterScale);
            sum += w[x];
        }
        int32_t* out = &kernel.weights[size_t(xx) * kernel.taps];
        for (int x = 0; x < xmax; ++x) out[x] = toFixedPoint(sum != 0.0 ? w[x] / sum : w[x]);
        kernel.first[size_t(xx)] = xmin;
        kernel.count[size_t(xx)] = xmax;
    }
    return kernel;
}

// Arithmetic shift of a signed accumulator, then clamp: Pillow's clip8 lookup table.
inline uint8_t clip8(int32_t accumulator) {
    const int32_t v = accumulator >> kPrecisionBits;
    return uint8_t(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Resamples each row of `in` (rows firstRow .. firstRow + rowCount) to kernel-many columns.
void resampleRows(const RgbImage& in, int firstRow, int rowCount, const Kernel& kernel, RgbImage& out) {
    const int outWidth = int(kernel.first.size());
    cv::parallel_for_(cv::Range(0, rowCount), [&](const cv::Range& range) {
        for (int y = range.start; y < range.end; ++y) {
            const uint8_t* lineIn = in.pixels.data() + size_t(y + firstRow) * in.width * 3;
            uint8_t* lineOut = out.pixels.data() + size_t(y) * outWidth * 3;
            for (int xx = 0; xx < outWidth; ++xx) {
                const int32_t* k = &kernel.weights[size_t(xx) * kernel.taps];
                const uint8_t* p = lineIn + size_t(kernel.first[size_t(xx)]) * 3;
                int32_t s0 = kHalf, s1 = kHalf, s2 = kHalf;
                for (int x = 0, n = kernel.count[size_t(xx)]; x < n; ++x, p += 3) {
                    s0 += p[0] * k[x];
                    s1 += p[1] * k[x];
                    s2 += p[2] * k[x];
                }
                lineOut[3 * xx] = clip8(s0);
                lineOut[3 * xx + 1] = clip8(s1);
                lineOut[3 * xx + 2] = clip8(s2);
            }
        }
    });
}

// Resamples the columns of `in`; the kernel's first indices are relative to row `rowOffset` of `in`.
// Integer sums are order independent, so taps are accumulated row by row over a whole line at once.
void resampleColumns(const RgbImage& in, int rowOffset, const Kernel& kernel, RgbImage& out) {
    const size_t lineSize = size_t(in.width) * 3;
    cv::parallel_for_(cv::Range(0, out.height), [&](const cv::Range& range) {
        std::vector<int32_t> sums(lineSize);
        for (int yy = range.start; yy < range.end; ++yy) {
            std::fill(sums.begin(), sums.end(), kHalf);
            const int32_t* k = &kernel.weights[size_t(yy) * kernel.taps];
            const int first = kernel.first[size_t(yy)] - rowOffset;
            for (int y = 0, n = kernel.count[size_t(yy)]; y < n; ++y) {
                const uint8_t* line = in.pixels.data() + size_t(first + y) * lineSize;
                const int32_t weight = k[y];
                for (size_t i = 0; i < lineSize; ++i) sums[i] += line[i] * weight;
            }
            uint8_t* lineOut = out.pixels.data() + size_t(yy) * lineSize;
            for (size_t i = 0; i < lineSize; ++i) lineOut[i] = clip8(sums[i]);
        }
    });
}

RgbImage allocate(int width, int height) {
    RgbImage image;
    image.width = width;
    image.height = height;
    image.pixels.resize(size_t(width) * height * 3);
    return image;
}

}  // namespace

RgbImage resizeBicubicPillow(const RgbImage& image, int width, int height) {
    const size_t expectedBytes = size_t(std::max(image.width, 0)) * size_t(std::max(image.height, 0)) * 3;
    if (image.width <= 0 || image.height <= 0 || image.pixels.size() != expectedBytes)
        throw InvalidInputError("resize: the source image is empty or its pixel buffer has the wrong size");
    if (width <= 0 || height <= 0)
        throw InvalidInputError("resize: target size " + std::to_string(width) + "x" +
                                std::to_string(height) + " is empty");
    const bool horizontal = width != image.width;
    const bool vertical = height != image.height;
    if (!horizontal && !vertical) return image;

    const Kernel rows = buildKernel(image.height, height);
    if (!horizontal) {
        RgbImage out = allocate(width, height);
        resampleColumns(image, 0, rows, out);
        return out;
    }
    // Only the source rows the vertical pass reads go through the horizontal pass.
    const int firstRow = rows.first.front();
    const int endRow = rows.first.back() + rows.count.back();
    RgbImage wide = allocate(width, endRow - firstRow);
    resampleRows(image, firstRow, endRow - firstRow, buildKernel(image.width, width), wide);
    if (!vertical) return wide;
    RgbImage out = allocate(width, height);
    resampleColumns(wide, firstRow, rows, out);
    return out;
}

}  // namespace headscope
