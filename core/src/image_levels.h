// The processed value of each 8-bit level of one channel, shared by the image processors: rescale multiplies
// in float64 and casts to float32 (transformers' rescale), normalise then works in float32 as numpy does with
// the float32 image and float32 mean/std arrays.
#pragma once
#include <cstddef>
#include <vector>

namespace headscope::detail {

inline std::vector<float> channelLevels(bool doRescale, double rescaleFactor, bool doNormalize, float mean, float std) {
    std::vector<float> table(256);
    for (int level = 0; level < 256; ++level) {
        float v = doRescale ? static_cast<float>(static_cast<double>(level) * rescaleFactor) : static_cast<float>(level);
        if (doNormalize) v = (v - mean) / std;
        table[static_cast<std::size_t>(level)] = v;
    }
    return table;
}

}  // namespace headscope::detail
