// Access to a fixture's reference.json and reference.safetensors (the numbers transformers produced).
#pragma once
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fixtures.h"
#include "headscope/array.h"
#include "headscope/safetensors.h"
#include "headscope/session.h"

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

// Largest |a[i] - b[i]|. Infinite when the lengths differ or either side holds a NaN or an infinity, so that a
// check `<= tolerance` fails on a missing, truncated or broken output instead of passing it.
template <typename A, typename B>
double maxAbsDiff(const A& a, const B& b) {
    if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double x = static_cast<double>(a[i]), y = static_cast<double>(b[i]);
        if (!std::isfinite(x) || !std::isfinite(y)) return std::numeric_limits<double>::infinity();
        worst = std::max(worst, std::abs(x - y));
    }
    return worst;
}

// The same for shaped arrays, which must also agree in shape.
template <typename T, typename U>
double maxAbsDiff(const Array<T>& a, const Array<U>& b) {
    if (a.shape != b.shape) return std::numeric_limits<double>::infinity();
    return maxAbsDiff(a.data, b.data);
}

// The qwen25vl-tiny fixture loaded in fp32 on CPU with its reference files, and its prompt prepared with
// the reference pixel values (so that model numbers are compared apart from image resizing).
struct QwenFixture {
    std::string dir;
    std::unique_ptr<Session> session;
    std::unique_ptr<SafetensorsFile> reference;
    nlohmann::json json;
    PreparedInput input;

    ChatPrompt prompt() const {
        ChatPrompt p;
        p.userText = json.at("prompt").get<std::string>();
        return p;
    }
};

inline QwenFixture loadQwenFixture() {
    QwenFixture f;
    f.dir = fixtureDir("qwen25vl-tiny");
    LoadOptions options;
    options.device = DeviceChoice::Cpu;
    options.dtype = DTypeChoice::Float32;
    f.session = Session::load(f.dir, options);
    f.reference = std::make_unique<SafetensorsFile>(f.dir + "/reference.safetensors");
    f.json = readJsonFile(f.dir + "/reference.json");
    ProcessedImage pixels;
    const Int64Array grid = referenceInts(*f.reference, "image_grid_thw");
    pixels.grid = {grid.data[0], grid.data[1], grid.data[2]};
    pixels.pixelValues = referenceFloats(*f.reference, "pixel_values");
    f.input = f.session->prepareWithPixels(f.prompt(), pixels);
    return f;
}

}  // namespace headscope::testing
