// The safetensors writer: validated tensors, a space-padded header, and an atomic temp-file-then-rename.
#include "headscope/error.h"
#include "headscope/safetensors.h"
#include "headscope/text_files.h"
#include "safetensors_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <utility>


namespace headscope {

using safetensors_detail::checkedByteCount;
using safetensors_detail::formatShape;

namespace {

uint64_t requiredBytes(const std::string& context, DType dtype, const std::vector<int64_t>& shape) {
    uint64_t bytes = 0;
    if (!checkedByteCount(shape, dtypeSize(dtype), &bytes))
        throw InvalidInputError(context + std::string(dtypeName(dtype)) + " shape " + formatShape(shape) +
                                " has a negative dimension or a byte size that overflows 64 bits");
    return bytes;
}

void validateTensorToWrite(const std::string& path, const TensorToWrite& tensor) {
    const std::string context = path + ": tensor '" + tensor.name + "': ";
    if (tensor.name.empty()) throw InvalidInputError(path + ": a tensor has an empty name");
    if (tensor.name == "__metadata__")
        throw InvalidInputError(context + "the name is reserved for the header's metadata map");
    const uint64_t needed = requiredBytes(context, tensor.dtype, tensor.shape);
    if (tensor.data.size() != needed)
        throw InvalidInputError(context + "holds " + std::to_string(tensor.data.size()) + " bytes but " +
                                dtypeName(tensor.dtype) + " shape " + formatShape(tensor.shape) + " needs " +
                                std::to_string(needed));
}

std::vector<const TensorToWrite*> sortedByName(const std::string& path,
                                               const std::vector<TensorToWrite>& tensors) {
    std::vector<const TensorToWrite*> sorted;
    for (const TensorToWrite& tensor : tensors) sorted.push_back(&tensor);
    std::sort(sorted.begin(), sorted.end(),
              [](const TensorToWrite* a, const TensorToWrite* b) { return a->name < b->name; });
    for (size_t i = 1; i < sorted.size(); ++i)
        if (sorted[i]->name == sorted[i - 1]->name)
            throw InvalidInputError(path + ": tensor '" + sorted[i]->name + "' is given twice");
    return sorted;
}

// JSON header, padded with spaces so the data area starts 8-byte aligned (8 + N is a multiple of 8).
std::string buildHeader(const std::vector<const TensorToWrite*>& sorted,
                        const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const TensorToWrite* tensor : sorted) {
        const uint64_t end = offset + tensor->data.size();
        header[tensor->name] = {
            {"dtype", dtypeName(tensor->dtype)}, {"shape", tensor->shape}, {"data_offsets", {offset, end}}};
        offset = end;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    return text;
}

template <typename T>
std::vector<uint8_t> rawBytes(const std::vector<T>& values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
}

template <typename T>
TensorToWrite makeTensor(const std::string& name, DType dtype, std::vector<int64_t> shape,
                         const std::vector<T>& values) {
    const std::string context = "tensor '" + name + "': ";
    const uint64_t needed = requiredBytes(context, dtype, shape);
    if (needed != values.size() * sizeof(T))
        throw InvalidInputError(context + std::to_string(values.size()) + " values given but shape " +
                                formatShape(shape) + " holds " + std::to_string(needed / sizeof(T)));
    return TensorToWrite{name, dtype, std::move(shape), rawBytes(values)};
}

}  // namespace

TensorToWrite makeF32Tensor(const std::string& name, std::vector<int64_t> shape,
                            const std::vector<float>& values) {
    return makeTensor(name, DType::F32, std::move(shape), values);
}

TensorToWrite makeI64Tensor(const std::string& name, std::vector<int64_t> shape,
                            const std::vector<int64_t>& values) {
    return makeTensor(name, DType::I64, std::move(shape), values);
}

void writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    StagedFile file(path);
    stageSafetensors(file, tensors, metadata);
    file.commit();
}

void stageSafetensors(StagedFile& file, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    const std::string& path = file.target();
    for (const TensorToWrite& tensor : tensors) validateTensorToWrite(path, tensor);
    const std::vector<const TensorToWrite*> sorted = sortedByName(path, tensors);
    const std::string header = buildHeader(sorted, metadata);
    // The format stores the header length as a little-endian u64; the host is little-endian.
    const uint64_t headerLength = header.size();
    file.write(&headerLength, sizeof headerLength);
    file.write(header.data(), header.size());
    for (const TensorToWrite* tensor : sorted) file.write(tensor->data.data(), tensor->data.size());
}

}  // namespace headscope
