// The safetensors header parser, in memory. The input is the JSON header; the target frames it as a file
// (8-byte length, header, data area) with a data area as long as the largest "end" offset the header names
// (up to 1 MiB), so that well-formed layouts get past the framing and their tensors are converted.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <vector>

#include "fuzz_support.h"
#include "headscope/safetensors.h"
#include "safetensors_util.h"

namespace {

constexpr uint64_t kMaxDataBytes = 1 << 20;

uint64_t dataAreaSize(const uint8_t* data, size_t size) {
    const auto header = nlohmann::json::parse(data, data + size, nullptr, false);
    uint64_t largest = 0;
    if (!header.is_object()) return 0;
    for (const auto& [name, entry] : header.items()) {
        if (!entry.is_object()) continue;
        const auto offsets = entry.find("data_offsets");
        if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2) continue;
        if (!(*offsets)[1].is_number_unsigned()) continue;
        largest = std::max(largest, (*offsets)[1].get<uint64_t>());
    }
    return largest <= kMaxDataBytes ? largest : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace headscope;
    const uint64_t dataBytes = dataAreaSize(data, size);
    std::vector<uint8_t> file(8 + size + dataBytes, 0);
    const uint64_t length = size;
    std::memcpy(file.data(), &length, 8);
    if (size > 0) std::memcpy(file.data() + 8, data, size);
    for (uint64_t i = 0; i < dataBytes; ++i) file[8 + size + i] = uint8_t(i * 37);

    fuzz::runExpectingErrors("model.safetensors", [&] {
        const auto parsed = safetensors_detail::parseSafetensors("model.safetensors", file.data(), file.size());
        for (const TensorView& view : parsed.tensors) {
            (void)view.numel();
            (void)toFloatVector(view);
            try {
                (void)toInt64Vector(view);
            } catch (const InvalidInputError&) {
                // a floating tensor has no integer values: the documented answer
            }
        }
    });
    return 0;
}
