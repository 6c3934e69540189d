// Plain shaped arrays: how core hands tensors to the app, the CLI and tests without exposing LibTorch.
#pragma once
#include <cstdint>
#include <numeric>
#include <utility>
#include <functional>
#include <vector>

namespace headscope {

template <typename T>
struct Array {
    std::vector<int64_t> shape;
    std::vector<T> data;  // row-major

    Array() = default;
    Array(std::vector<int64_t> s, std::vector<T> d) : shape(std::move(s)), data(std::move(d)) {}
    explicit Array(std::vector<int64_t> s)
        : shape(std::move(s)), data(static_cast<size_t>(elementCount(shape))) {}

    static int64_t elementCount(const std::vector<int64_t>& s) {
        return std::accumulate(s.begin(), s.end(), int64_t{1}, std::multiplies<int64_t>());
    }
    int64_t numel() const { return elementCount(shape); }
    int64_t dim(size_t i) const { return shape.at(i); }
};

using FloatArray = Array<float>;
using Int64Array = Array<int64_t>;

}  // namespace headscope
