// The safetensors reader: maps a file read-only and validates its whole header before handing out views.
// Layout rules follow the reference implementation (huggingface/safetensors, tensor.rs): entries may
// appear in any order in the JSON, but sorted by offset they must tile the data area exactly, with no
// overlap, no gap and no trailing bytes.
#include "headscope/safetensors.h"

#include "headscope/error.h"
#include "json_fields.h"
#include "safetensors_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <unordered_map>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

// The format is little-endian and tensor bytes are read in place, so the host must be little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors support assumes a little-endian host");

namespace headscope {

using nlohmann::json;

namespace {

struct DTypeInfo {
    DType dtype;
    const char* name;
    size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 8}, {DType::F32, "F32", 4},   {DType::F16, "F16", 2}, {DType::BF16, "BF16", 2},
    {DType::I64, "I64", 8}, {DType::I32, "I32", 4},   {DType::I16, "I16", 2}, {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},   {DType::Bool, "BOOL", 1},
};

const DTypeInfo& dtypeInfo(DType dtype) {
    for (const DTypeInfo& info : kDTypes)
        if (info.dtype == dtype) return info;
    throw InvalidInputError("invalid DType value " + std::to_string(static_cast<int>(dtype)));
}

}  // namespace

size_t dtypeSize(DType dtype) { return dtypeInfo(dtype).size; }

const char* dtypeName(DType dtype) { return dtypeInfo(dtype).name; }

bool parseDType(const std::string& name, DType* out) {
    for (const DTypeInfo& info : kDTypes) {
        if (name == info.name) {
            if (out) *out = info.dtype;
            return true;
        }
    }
    return false;
}

int64_t TensorView::numel() const {
    int64_t count = 1;
    for (int64_t dim : shape) count *= dim;
    return count;
}

namespace safetensors_detail {

std::string formatShape(const std::vector<int64_t>& shape) {
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) text += ", ";
        text += std::to_string(shape[i]);
    }
    return text + "]";
}

bool checkedByteCount(const std::vector<int64_t>& shape, size_t elementSize, uint64_t* out) {
    uint64_t total = elementSize;
    for (int64_t dim : shape) {
        if (dim < 0) return false;
        if (__builtin_mul_overflow(total, static_cast<uint64_t>(dim), &total)) return false;
    }
    *out = total;
    return true;
}

}  // namespace safetensors_detail

using safetensors_detail::checkedByteCount;
using safetensors_detail::formatShape;

namespace {

// A read-only private mapping of a whole file, unmapped on destruction.
class MappedRegion {
public:
    MappedRegion() = default;
    MappedRegion(void* address, size_t size) : address_(address), size_(size) {}
    ~MappedRegion() {
        if (address_) ::munmap(address_, size_);
    }
    MappedRegion(const MappedRegion&) = delete;
    MappedRegion& operator=(const MappedRegion&) = delete;
    MappedRegion(MappedRegion&& other) noexcept
        : address_(std::exchange(other.address_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    MappedRegion& operator=(MappedRegion&& other) noexcept {
        std::swap(address_, other.address_);
        std::swap(size_, other.size_);
        return *this;
    }

    const uint8_t* bytes() const { return static_cast<const uint8_t*>(address_); }
    size_t size() const { return size_; }

private:
    void* address_ = nullptr;
    size_t size_ = 0;
};

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

constexpr uint64_t kLengthFieldBytes = 8;

MappedRegion mapWholeFile(const std::string& path) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the regular-file check then refuses it.
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (fd.get() < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) throw Error(path + ": cannot stat: " + std::strerror(errno));
    if (S_ISDIR(status.st_mode)) throw Error(path + ": is a folder, not a safetensors file");
    if (!S_ISREG(status.st_mode)) throw Error(path + ": is not a regular file (a device, a pipe or a socket)");

    const auto size = static_cast<uint64_t>(status.st_size);
    if (size == 0) throw FormatError(path + ": file is empty, not a safetensors file");

    void* address = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (address == MAP_FAILED) throw Error(path + ": cannot map into memory: " + std::strerror(errno));
    return MappedRegion(address, size);
}

// Returns N, the JSON header length, after checking it is bounded and inside the file.
uint64_t readHeaderLength(const std::string& path, const uint8_t* bytes, uint64_t size) {
    if (size == 0) throw FormatError(path + ": file is empty, not a safetensors file");
    if (size < kLengthFieldBytes)
        throw FormatError(path + ": file is only " + std::to_string(size) +
                          " bytes, too short for the 8-byte header length of a safetensors file");
    uint64_t length = 0;
    std::memcpy(&length, bytes, sizeof length);
    if (length > SafetensorsFile::kMaxHeaderBytes)
        throw FormatError(path + ": header length " + std::to_string(length) + " exceeds the limit of " +
                          std::to_string(SafetensorsFile::kMaxHeaderBytes) + " bytes (100 MB)");
    if (length > size - kLengthFieldBytes)
        throw FormatError(path + ": header length " + std::to_string(length) +
                          " runs past the end of the file (" + std::to_string(size) + " bytes)");
    return length;
}

json parseHeaderJson(const std::string& path, const uint8_t* begin, uint64_t length) {
    json header;
    try {
        header = json_fields::parseBoundedUniqueKeys(std::string_view(reinterpret_cast<const char*>(begin), length));
    } catch (const json_fields::BadJson& e) {
        throw FormatError(path + ": header is not valid JSON: " + e.what());
    }
    if (!header.is_object())
        throw FormatError(path + ": header is not a JSON object (found " + std::string(header.type_name()) +
                          ")");
    return header;
}

// One tensor entry of the header, checked on its own; its place in the data area is checked later.
struct HeaderEntry {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0;
    uint64_t end = 0;
};

std::string offsetsText(uint64_t begin, uint64_t end) {
    return "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

const json& requireField(const std::string& context, const json& entry, const char* field) {
    auto it = entry.find(field);
    if (it == entry.end()) throw FormatError(context + "missing field '" + field + "'");
    return *it;
}

DType parseEntryDType(const std::string& context, const json& entry) {
    const json& value = requireField(context, entry, "dtype");
    if (!value.is_string())
        throw FormatError(context + "'dtype' is not a string (found " + json_fields::quote(value) + ")");
    DType dtype;
    if (!parseDType(value.get<std::string>(), &dtype))
        throw FormatError(context + "unknown dtype " + json_fields::quote(value) +
                          " (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");
    return dtype;
}

std::vector<int64_t> parseEntryShape(const std::string& context, const json& entry) {
    const json& value = requireField(context, entry, "shape");
    if (!value.is_array())
        throw FormatError(context + "'shape' is not an array (found " + json_fields::quote(value) + ")");
    std::vector<int64_t> shape;
    for (size_t i = 0; i < value.size(); ++i) {
        const json& dim = value[i];
        const std::string where = context + "shape " + json_fields::quote(value) + ": dimension " + std::to_string(i);
        if (!dim.is_number_unsigned())
            throw FormatError(where + " is " + json_fields::quote(dim) + ", not a non-negative integer");
        if (dim.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
            throw FormatError(where + " is " + json_fields::quote(dim) +
                              ", which does not fit in a signed 64-bit integer");
        shape.push_back(dim.get<int64_t>());
    }
    return shape;
}

std::pair<uint64_t, uint64_t> parseEntryOffsets(const std::string& context, const json& entry) {
    const json& value = requireField(context, entry, "data_offsets");
    const bool wellTyped = value.is_array() && value.size() == 2 && value[0].is_number_unsigned() &&
                           value[1].is_number_unsigned();
    if (!wellTyped)
        throw FormatError(context + "'data_offsets' must be two non-negative integers [begin, end], found " +
                          json_fields::quote(value));
    const auto begin = value[0].get<uint64_t>();
    const auto end = value[1].get<uint64_t>();
    if (begin > end) throw FormatError(context + offsetsText(begin, end) + " end before they begin");
    return {begin, end};
}

HeaderEntry parseEntry(const std::string& path, const std::string& name, const json& entry) {
    const std::string context = path + ": tensor '" + name + "': ";
    if (!entry.is_object())
        throw FormatError(context + "entry is not an object (found " + json_fields::quote(entry) + ")");

    HeaderEntry parsed;
    parsed.name = name;
    parsed.dtype = parseEntryDType(context, entry);
    parsed.shape = parseEntryShape(context, entry);
    std::tie(parsed.begin, parsed.end) = parseEntryOffsets(context, entry);

    uint64_t needed = 0;
    if (!checkedByteCount(parsed.shape, dtypeSize(parsed.dtype), &needed))
        throw FormatError(context + std::string(dtypeName(parsed.dtype)) + " shape " +
                          formatShape(parsed.shape) + " overflows: its byte size does not fit in 64 bits");
    // numel() and the tensor's readers multiply the dimensions in int64. A zero dimension makes the byte
    // count 0 however large the others are, so the other dimensions' product is checked on its own.
    int64_t elements = 1;
    for (int64_t dim : parsed.shape)
        if (dim != 0 && __builtin_mul_overflow(elements, dim, &elements))
            throw FormatError(context + std::string(dtypeName(parsed.dtype)) + " shape " + formatShape(parsed.shape) +
                              " overflows: its element count does not fit in a signed 64-bit integer");
    const uint64_t held = parsed.end - parsed.begin;
    if (held != needed)
        throw FormatError(context + offsetsText(parsed.begin, parsed.end) + " hold " + std::to_string(held) +
                          " bytes but " + dtypeName(parsed.dtype) + " shape " + formatShape(parsed.shape) +
                          " needs " + std::to_string(needed));
    return parsed;
}

std::map<std::string, std::string> parseMetadata(const std::string& path, const json& value) {
    if (!value.is_object())
        throw FormatError(path + ": '__metadata__' is not an object of strings (found " + json_fields::quote(value) + ")");
    std::map<std::string, std::string> metadata;
    for (const auto& [key, item] : value.items()) {
        if (!item.is_string())
            throw FormatError(path + ": '__metadata__' field '" + key + "' is not a string (found " +
                              json_fields::quote(item) + ")");
        metadata[key] = item.get<std::string>();
    }
    return metadata;
}

// Sorts entries by offset and checks that they tile [0, dataSize) exactly, as the reference reader does.
void validateLayout(const std::string& path, std::vector<HeaderEntry>& entries, uint64_t dataSize) {
    std::sort(entries.begin(), entries.end(), [](const HeaderEntry& a, const HeaderEntry& b) {
        return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
    });
    uint64_t covered = 0;
    const HeaderEntry* previous = nullptr;
    for (const HeaderEntry& entry : entries) {
        const std::string context =
            path + ": tensor '" + entry.name + "': " + offsetsText(entry.begin, entry.end);
        if (entry.end > dataSize)
            throw FormatError(context + " run past the end of the data area (" + std::to_string(dataSize) +
                              " bytes); the file is truncated or the offsets are wrong");
        if (entry.begin < covered)
            throw FormatError(context + " overlap tensor '" + previous->name + "', which ends at byte " +
                              std::to_string(covered));
        if (entry.begin > covered)
            throw FormatError(context + " leave a gap of " + std::to_string(entry.begin - covered) +
                              " unused bytes after byte " + std::to_string(covered) +
                              "; tensors must cover the data area without holes");
        covered = entry.end;
        previous = &entry;
    }
    if (covered != dataSize)
        throw FormatError(path + ": the data area holds " + std::to_string(dataSize) +
                          " bytes but the tensors cover only " + std::to_string(covered) + " (" +
                          std::to_string(dataSize - covered) + " trailing bytes)");
}

}  // namespace

namespace safetensors_detail {

ParsedSafetensors parseSafetensors(const std::string& path, const uint8_t* bytes, uint64_t size) {
    const uint64_t headerLength = readHeaderLength(path, bytes, size);
    const json header = parseHeaderJson(path, bytes + kLengthFieldBytes, headerLength);

    ParsedSafetensors parsed;
    std::vector<HeaderEntry> entries;
    for (const auto& [name, value] : header.items()) {
        if (name == "__metadata__")
            parsed.metadata = parseMetadata(path, value);
        else
            entries.push_back(parseEntry(path, name, value));
    }
    const uint64_t dataStart = kLengthFieldBytes + headerLength;
    validateLayout(path, entries, size - dataStart);

    parsed.tensors.reserve(entries.size());
    for (HeaderEntry& entry : entries) {
        TensorView view;
        view.name = std::move(entry.name);
        view.dtype = entry.dtype;
        view.shape = std::move(entry.shape);
        view.data = bytes + dataStart + entry.begin;
        view.nbytes = static_cast<size_t>(entry.end - entry.begin);
        parsed.tensors.push_back(std::move(view));
    }
    return parsed;
}

}  // namespace safetensors_detail

struct SafetensorsFile::Impl {
    std::string path;
    MappedRegion region;
    std::vector<TensorView> tensors;
    std::unordered_map<std::string, size_t> indexByName;
    std::map<std::string, std::string> metadata;
};

SafetensorsFile::SafetensorsFile(const std::string& path) : impl_(std::make_unique<Impl>()) {
    impl_->path = path;
    impl_->region = mapWholeFile(path);
    safetensors_detail::ParsedSafetensors parsed =
        safetensors_detail::parseSafetensors(path, impl_->region.bytes(), impl_->region.size());
    impl_->tensors = std::move(parsed.tensors);
    impl_->metadata = std::move(parsed.metadata);
    for (size_t i = 0; i < impl_->tensors.size(); ++i) impl_->indexByName.emplace(impl_->tensors[i].name, i);
}

SafetensorsFile::~SafetensorsFile() = default;
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;

const std::string& SafetensorsFile::path() const { return impl_->path; }

const std::vector<TensorView>& SafetensorsFile::tensors() const { return impl_->tensors; }

const TensorView* SafetensorsFile::find(const std::string& name) const {
    auto it = impl_->indexByName.find(name);
    return it == impl_->indexByName.end() ? nullptr : &impl_->tensors[it->second];
}

const std::map<std::string, std::string>& SafetensorsFile::metadata() const { return impl_->metadata; }

// ---- Element conversion ----------------------------------------------------------------------------------

namespace {

// Tensor data may sit at any byte offset (the writer packs tensors by name), so elements are copied out.
template <typename Stored>
Stored loadElement(const uint8_t* data, size_t index) {
    Stored value;
    std::memcpy(&value, data + index * sizeof(Stored), sizeof(Stored));
    return value;
}

template <typename Out, typename Stored, typename Convert>
std::vector<Out> convertElements(const TensorView& view, Convert convert) {
    const size_t count = view.nbytes / sizeof(Stored);
    std::vector<Out> out(count);
    for (size_t i = 0; i < count; ++i) out[i] = convert(loadElement<Stored>(view.data, i));
    return out;
}

float bitsToFloat(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

// bfloat16 is the upper half of a float32.
float bf16ToFloat(uint16_t half) { return bitsToFloat(uint32_t(half) << 16); }

// IEEE binary16 -> binary32; every half value is representable, so this is exact.
float f16ToFloat(uint16_t half) {
    const uint32_t sign = uint32_t(half & 0x8000u) << 16;
    const uint32_t exponent = (half >> 10) & 0x1fu;
    const uint32_t mantissa = half & 0x3ffu;
    if (exponent == 0) {
        // Zero or subnormal: mantissa * 2^-24, exact in float.
        const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 0x1f) return bitsToFloat(sign | 0x7f800000u | (mantissa << 13));  // inf / NaN
    return bitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

template <typename T>
T identity(T value) {
    return value;
}

}  // namespace

std::vector<float> toFloatVector(const TensorView& view) {
    auto cast = [](auto value) { return static_cast<float>(value); };
    switch (view.dtype) {
        case DType::F32:
            return convertElements<float, float>(view, identity<float>);
        case DType::F16:
            return convertElements<float, uint16_t>(view, f16ToFloat);
        case DType::BF16:
            return convertElements<float, uint16_t>(view, bf16ToFloat);
        case DType::F64:
            return convertElements<float, double>(view, cast);
        case DType::I64:
            return convertElements<float, int64_t>(view, cast);
        case DType::I32:
            return convertElements<float, int32_t>(view, cast);
        case DType::I16:
            return convertElements<float, int16_t>(view, cast);
        case DType::I8:
            return convertElements<float, int8_t>(view, cast);
        case DType::U8:
            return convertElements<float, uint8_t>(view, cast);
        case DType::Bool:
            return convertElements<float, uint8_t>(view, [](uint8_t b) { return b ? 1.0f : 0.0f; });
    }
    throw InvalidInputError("tensor '" + view.name + "': unsupported dtype");
}

std::vector<int64_t> toInt64Vector(const TensorView& view) {
    auto cast = [](auto value) { return static_cast<int64_t>(value); };
    switch (view.dtype) {
        case DType::I64:
            return convertElements<int64_t, int64_t>(view, identity<int64_t>);
        case DType::I32:
            return convertElements<int64_t, int32_t>(view, cast);
        case DType::I16:
            return convertElements<int64_t, int16_t>(view, cast);
        case DType::I8:
            return convertElements<int64_t, int8_t>(view, cast);
        case DType::U8:
            return convertElements<int64_t, uint8_t>(view, cast);
        case DType::Bool:
            return convertElements<int64_t, uint8_t>(view, [](uint8_t b) { return int64_t(b != 0); });
        case DType::F64:
        case DType::F32:
        case DType::F16:
        case DType::BF16:
            break;
    }
    throw InvalidInputError("tensor '" + view.name + "' has dtype " + dtypeName(view.dtype) +
                            "; integer values need an integer dtype (I64, I32, I16, I8, U8 or BOOL)");
}

}  // namespace headscope
