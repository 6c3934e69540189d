#include "image_jpeg.h"

#include <cstring>

namespace headscope::detail {
namespace {

constexpr uint16_t kOrientationTag = 0x0112;
constexpr uint16_t kTypeShort = 3;

// A bounds-checked view of the TIFF structure inside the APP1 segment.
class TiffReader {
public:
    TiffReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

    bool init() {
        if (size_ < 8) return false;
        if (data_[0] == 'I' && data_[1] == 'I') {
            littleEndian_ = true;
        } else if (data_[0] == 'M' && data_[1] == 'M') {
            littleEndian_ = false;
        } else {
            return false;
        }
        uint16_t magic = 0;
        return read16(2, &magic) && magic == 42;
    }

    bool read16(size_t offset, uint16_t* out) const {
        if (offset > size_ || size_ - offset < 2) return false;
        const uint8_t* p = data_ + offset;
        *out = littleEndian_ ? uint16_t(p[0] | (p[1] << 8)) : uint16_t((p[0] << 8) | p[1]);
        return true;
    }

    bool read32(size_t offset, uint32_t* out) const {
        if (offset > size_ || size_ - offset < 4) return false;
        const uint8_t* p = data_ + offset;
        *out = littleEndian_
                   ? uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24)
                   : (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
        return true;
    }

private:
    const uint8_t* data_;
    size_t size_;
    bool littleEndian_ = false;
};

// Orientation from the first IFD of a TIFF block ("II*\0" / "MM\0*"), or 1.
int orientationFromTiff(const uint8_t* data, size_t size) {
    TiffReader tiff(data, size);
    uint32_t ifdOffset = 0;
    uint16_t entryCount = 0;
    if (!tiff.init() || !tiff.read32(4, &ifdOffset) || !tiff.read16(ifdOffset, &entryCount)) return 1;
    for (uint32_t i = 0; i < entryCount; ++i) {
        const size_t entry = size_t(ifdOffset) + 2 + size_t(i) * 12;
        uint16_t tag = 0, type = 0, value = 0;
        uint32_t count = 0;
        if (!tiff.read16(entry, &tag) || !tiff.read16(entry + 2, &type) || !tiff.read32(entry + 4, &count))
            return 1;
        if (tag != kOrientationTag) continue;
        if (type != kTypeShort || count < 1 || !tiff.read16(entry + 8, &value)) return 1;
        return (value >= 1 && value <= 8) ? value : 1;
    }
    return 1;
}

bool isStandaloneMarker(uint8_t marker) {
    return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7);
}

// Walks the marker segments before the first scan. Calls onSegment(marker, payload, payloadSize) for
// each; returns the offset of the start-of-scan marker, or 0 when the walk ended without one.
template <typename OnSegment>
size_t walkHeaderSegments(const uint8_t* data, size_t size, OnSegment onSegment) {
    size_t pos = 2;
    while (pos + 4 <= size) {
        if (data[pos] != 0xFF) return 0;
        const uint8_t marker = data[pos + 1];
        if (marker == 0xFF) {  // fill byte before a marker
            ++pos;
            continue;
        }
        if (isStandaloneMarker(marker)) {
            pos += 2;
            continue;
        }
        if (marker == 0xD9) return 0;
        if (marker == 0xDA) return pos;
        const size_t length = (size_t(data[pos + 2]) << 8) | data[pos + 3];
        if (length < 2 || length > size - pos - 2) return 0;
        if (!onSegment(marker, data + pos + 4, length - 2)) return 0;
        pos += 2 + length;
    }
    return 0;
}

}  // namespace

bool jpegFrameSize(const uint8_t* data, size_t size, uint32_t* width, uint32_t* height) {
    if (!looksLikeJpeg(data, size)) return false;
    bool found = false;
    walkHeaderSegments(data, size, [&](uint8_t marker, const uint8_t* payload, size_t length) {
        // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC): precision, height, width, components.
        const bool startOfFrame =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (!startOfFrame) return true;
        if (length >= 5) {
            *height = (uint32_t(payload[1]) << 8) | payload[2];
            *width = (uint32_t(payload[3]) << 8) | payload[4];
            found = *height > 0 && *width > 0;
        }
        return false;
    });
    return found;
}

bool looksLikeJpeg(const uint8_t* data, size_t size) {
    return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

int jpegExifOrientation(const uint8_t* data, size_t size) {
    if (!looksLikeJpeg(data, size)) return 1;
    static const uint8_t kExifHeader[6] = {'E', 'x', 'i', 'f', 0, 0};
    int orientation = 1;
    walkHeaderSegments(data, size, [&](uint8_t marker, const uint8_t* payload, size_t payloadSize) {
        if (marker != 0xE1 || payloadSize < 6 || std::memcmp(payload, kExifHeader, 6) != 0) return true;
        orientation = orientationFromTiff(payload + 6, payloadSize - 6);
        return false;
    });
    return orientation;
}

bool jpegHasEndOfImage(const uint8_t* data, size_t size) {
    if (!looksLikeJpeg(data, size)) return false;
    const size_t scan = walkHeaderSegments(data, size, [](uint8_t, const uint8_t*, size_t) { return true; });
    if (scan == 0) return false;
    for (size_t pos = scan + 2; pos + 1 < size; ++pos) {
        if (data[pos] == 0xFF && data[pos + 1] == 0xD9) return true;
    }
    return false;
}

}  // namespace headscope::detail
