// safetensors: a validating, memory-mapped reader (single files and sharded folders) and an atomic writer.
// Format: 8-byte little-endian header length N, N bytes of JSON header, then the data area. Every tensor
// entry is {"dtype", "shape", "data_offsets": [begin, end]} relative to the data area; "__metadata__" is
// an optional string->string map.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace headscope {

class StagedFile;

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

size_t dtypeSize(DType dtype);
const char* dtypeName(DType dtype);          // the safetensors spelling: "F32", "BF16", ...
bool parseDType(const std::string& name, DType* out);

// A tensor inside a mapped file. `data` stays valid while the owning reader lives.
struct TensorView {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    const uint8_t* data = nullptr;
    size_t nbytes = 0;

    int64_t numel() const;
};

// One .safetensors file, mapped read-only. The header is validated completely on open: length bounded
// (<= 100 MB and inside the file), JSON well formed, dtypes known, shape product x dtype size equal to the
// byte length, offsets inside the data area, sorted and non-overlapping. Throws FormatError naming the file
// and the offending tensor.
class SafetensorsFile {
public:
    static constexpr uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;

    explicit SafetensorsFile(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;
    SafetensorsFile(SafetensorsFile&&) noexcept;
    SafetensorsFile& operator=(SafetensorsFile&&) noexcept;

    const std::string& path() const;
    const std::vector<TensorView>& tensors() const;  // in file order
    const TensorView* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// All weights of a model folder: `model.safetensors`, or the shards listed by
// `model.safetensors.index.json` ("weight_map": tensor name -> shard file). Also accepts a single file path.
// A tensor listed in the index but absent from its shard, a shard outside the folder, or a name present in
// two shards is a FormatError.
class WeightStore {
public:
    explicit WeightStore(const std::string& folderOrFile);
    ~WeightStore();
    WeightStore(const WeightStore&) = delete;
    WeightStore& operator=(const WeightStore&) = delete;

    const TensorView* find(const std::string& name) const;
    std::vector<std::string> names() const;  // sorted
    size_t totalBytes() const;

private:
    std::vector<std::unique_ptr<SafetensorsFile>> files_;
    std::map<std::string, const TensorView*> byName_;
};

// A tensor to write. `data` must hold exactly prod(shape) * dtypeSize(dtype) bytes, little-endian.
struct TensorToWrite {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;
};

TensorToWrite makeF32Tensor(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& values);
TensorToWrite makeI64Tensor(const std::string& name, std::vector<int64_t> shape, const std::vector<int64_t>& values);

// Writes tensors (sorted by name, 8-byte aligned header as the reference implementation does) to a
// temporary file beside `path`, then renames it into place: a crash never leaves a half-written file.
void writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
// The same into a staged file the caller commits (with the files that must change together with it).
void stageSafetensors(StagedFile& file, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Converts any floating or integer tensor to float32 values (F16/BF16 widened exactly).
std::vector<float> toFloatVector(const TensorView& view);
std::vector<int64_t> toInt64Vector(const TensorView& view);

}  // namespace headscope
