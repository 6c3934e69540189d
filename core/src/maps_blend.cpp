// A pixel map drawn over its picture: viridis over the map's own range, alpha-blended with OpenCV.
#include "headscope/maps.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "headscope/error.h"

namespace headscope {
namespace {

std::string sizeText(int64_t height, int64_t width) {
    return "[" + std::to_string(height) + ", " + std::to_string(width) + "]";
}

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

void requireImage(const RgbImage& image) {
    if (image.width <= 0 || image.height <= 0)
        throw InvalidInputError("cannot blend a map onto an empty image (" + std::to_string(image.width) +
                                " x " + std::to_string(image.height) + " pixels)");
    const int64_t expectedBytes = int64_t{image.width} * image.height * 3;
    if (static_cast<int64_t>(image.pixels.size()) != expectedBytes)
        throw InvalidInputError("the image holds " + std::to_string(image.pixels.size()) + " bytes; " +
                                std::to_string(image.width) + " x " + std::to_string(image.height) +
                                " RGB pixels need " + std::to_string(expectedBytes));
}

void requireMapFitsImage(const FloatArray& pixelMap, const RgbImage& image) {
    const bool shapeMatches = pixelMap.shape.size() == 2 && pixelMap.shape[0] == image.height &&
                              pixelMap.shape[1] == image.width;
    if (!shapeMatches)
        throw InvalidInputError("the pixel map's shape " + shapeText(pixelMap.shape) +
                                " does not match the image, which needs " +
                                sizeText(image.height, image.width));
    if (static_cast<int64_t>(pixelMap.data.size()) != pixelMap.numel())
        throw InvalidInputError("the pixel map holds " + std::to_string(pixelMap.data.size()) +
                                " values for its shape " + shapeText(pixelMap.shape));
    const auto bad = std::find_if(pixelMap.data.begin(), pixelMap.data.end(),
                                  [](float value) { return !std::isfinite(value); });
    if (bad != pixelMap.data.end()) {
        const auto index = bad - pixelMap.data.begin();
        throw InvalidInputError("the pixel map has a non-finite value (" + std::to_string(*bad) +
                                ") at row " + std::to_string(index / image.width) + ", column " +
                                std::to_string(index % image.width));
    }
}

void requireOpacity(double opacity) {
    // Written so that NaN fails as well.
    if (!(opacity >= 0.0 && opacity <= 1.0))
        throw InvalidInputError("the overlay opacity must lie within [0, 1]; it is " +
                                std::to_string(opacity));
}

// The map as levels 0..255 over its own min..max, rounded to nearest. The subtraction happens in double so
// that a small range on top of large values keeps its detail; a constant map has no range and becomes 0.
cv::Mat mapLevels(const FloatArray& pixelMap, int width, int height) {
    const auto [lowest, highest] = std::minmax_element(pixelMap.data.begin(), pixelMap.data.end());
    const double low = *lowest;
    const double range = static_cast<double>(*highest) - low;
    const double scale = range > 0.0 ? 255.0 / range : 0.0;
    cv::Mat levels(height, width, CV_8UC1);
    uchar* out = levels.ptr<uchar>(0);  // freshly allocated, hence continuous
    for (size_t i = 0; i < pixelMap.data.size(); ++i) {
        const double level = std::round((pixelMap.data[i] - low) * scale);
        out[i] = static_cast<uchar>(std::clamp(level, 0.0, 255.0));
    }
    return levels;
}

// Viridis colours of the levels in RGB order (applyColorMap writes BGR).
cv::Mat viridisRgb(const cv::Mat& levels) {
    cv::Mat bgr;
    cv::applyColorMap(levels, bgr, cv::COLORMAP_VIRIDIS);
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

}  // namespace

RgbImage blendMapOntoImage(const RgbImage& image, const FloatArray& pixelMap, double opacity) {
    requireImage(image);
    requireMapFitsImage(pixelMap, image);
    requireOpacity(opacity);

    const cv::Mat colours = viridisRgb(mapLevels(pixelMap, image.width, image.height));
    // addWeighted only reads its sources, so the image's own buffer can back one without a copy.
    const cv::Mat source(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));

    RgbImage blended;
    blended.width = image.width;
    blended.height = image.height;
    blended.pixels.resize(image.pixels.size());
    cv::Mat target(image.height, image.width, CV_8UC3, blended.pixels.data());
    // addWeighted evaluates (1 - opacity) * image + opacity * colour in single precision and rounds to the
    // nearest integer, ties to even (cvRound), saturating to 0..255. A target of the right size and type
    // is written in place, so the result lands in `blended` directly.
    cv::addWeighted(source, 1.0 - opacity, colours, opacity, 0.0, target);
    return blended;
}

}  // namespace headscope
