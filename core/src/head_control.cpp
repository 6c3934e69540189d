#include "headscope/head_control.h"

#include <algorithm>
#include <string>

#include "headscope/error.h"

namespace headscope {

bool HeadControl::isIdentity() const {
    // Exactly 1: any other gain changes the output, and the identity path must match the plain model.
    return ablations.empty() &&
           std::all_of(gains.data.begin(), gains.data.end(), [](float g) { return g == 1.0f; });
}

FloatArray unitGains(int64_t layers, int64_t heads) {
    if (layers < 0 || heads < 0)
        throw InvalidInputError("a gain table of " + std::to_string(layers) + " layers x " +
                                std::to_string(heads) + " heads cannot exist; counts cannot be negative");
    FloatArray gains({layers, heads});
    std::fill(gains.data.begin(), gains.data.end(), 1.0f);
    return gains;
}

}  // namespace headscope
