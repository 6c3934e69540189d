// Helpers shared by the safetensors reader, writer and weight store (internal to headscope_core).
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "headscope/safetensors.h"

namespace headscope::safetensors_detail {

// "[2, 3, 4]"
std::string formatShape(const std::vector<int64_t>& shape);

// prod(shape) * elementSize; false when a dimension is negative or the result does not fit in 64 bits.
bool checkedByteCount(const std::vector<int64_t>& shape, size_t elementSize, uint64_t* out);

// A whole safetensors file held in memory (length field, header, data area), validated as SafetensorsFile
// validates a mapped file: the tensors, in file order, view `bytes`. Throws FormatError naming `path`.
struct ParsedSafetensors {
    std::vector<TensorView> tensors;
    std::map<std::string, std::string> metadata;
};
ParsedSafetensors parseSafetensors(const std::string& path, const uint8_t* bytes, uint64_t size);

}  // namespace headscope::safetensors_detail
