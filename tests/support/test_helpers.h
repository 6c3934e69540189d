// Small helpers shared by the suites: synthetic images and a reference log-softmax.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "headscope/image.h"

namespace headscope::testing {

// An RGB image whose channel c at (y, x) is value(c, y, x).
inline RgbImage makeImage(int width, int height, const std::function<uint8_t(int c, int y, int x)>& value) {
    RgbImage image;
    image.width = width;
    image.height = height;
    image.pixels.resize(size_t(width) * height * 3);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < 3; ++c) image.pixels[(size_t(y) * width + x) * 3 + c] = value(c, y, x);
    return image;
}

// log softmax(logits)[id] in double precision.
inline double logSoftmaxAt(const std::vector<float>& logits, int64_t id) {
    const double maxLogit = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (float l : logits) sum += std::exp(double(l) - maxLogit);
    return double(logits[size_t(id)]) - maxLogit - std::log(sum);
}

}  // namespace headscope::testing
