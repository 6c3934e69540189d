// Helpers shared by the safetensors reader, writer and weight store (internal to headscope_core).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace headscope::safetensors_detail {

// "[2, 3, 4]"
std::string formatShape(const std::vector<int64_t>& shape);

// prod(shape) * elementSize; false when a dimension is negative or the result does not fit in 64 bits.
bool checkedByteCount(const std::vector<int64_t>& shape, size_t elementSize, uint64_t* out);

}  // namespace headscope::safetensors_detail
