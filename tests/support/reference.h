// Access to a fixture's reference.json and reference.safetensors (the numbers transformers produced).
#pragma once
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "headscope/array.h"
#include "headscope/safetensors.h"

namespace headscope::testing {

inline nlohmann::json readJsonFile(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

inline FloatArray referenceFloats(const SafetensorsFile& file, const std::string& name) {
    const TensorView* view = file.find(name);
    if (!view) throw std::runtime_error("reference has no tensor " + name);
    return FloatArray(view->shape, toFloatVector(*view));
}

inline Int64Array referenceInts(const SafetensorsFile& file, const std::string& name) {
    const TensorView* view = file.find(name);
    if (!view) throw std::runtime_error("reference has no tensor " + name);
    return Int64Array(view->shape, toInt64Vector(*view));
}

template <typename A, typename B>
double maxAbsDiff(const A& a, const B& b) {
    double worst = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
        worst = std::max(worst, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
    return worst;
}

}  // namespace headscope::testing
