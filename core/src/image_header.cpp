#include "image_header.h"

#include <cstring>
#include <string_view>

#include "image_jpeg.h"

namespace headscope::detail {
namespace {

constexpr uint64_t kMaxSide = 0xFFFFFFFFu;  // sides are clamped here, so width x height never wraps

uint64_t clampSide(uint64_t side) { return side < kMaxSide ? side : kMaxSide; }

// Bounds-checked reads; `false` when the field lies past the end.
struct Bytes {
    const uint8_t* data;
    size_t size;

    bool has(size_t offset, size_t length) const { return offset <= size && size - offset >= length; }
    bool startsWith(std::string_view magic) const {
        return has(0, magic.size()) && std::memcmp(data, magic.data(), magic.size()) == 0;
    }
    uint64_t be(size_t offset, size_t length) const {
        uint64_t value = 0;
        for (size_t i = 0; i < length; ++i) value = (value << 8) | data[offset + i];
        return value;
    }
    uint64_t le(size_t offset, size_t length) const {
        uint64_t value = 0;
        for (size_t i = length; i-- > 0;) value = (value << 8) | data[offset + i];
        return value;
    }
};

bool setSize(DeclaredImage* out, const char* format, uint64_t width, uint64_t height) {
    out->format = format;
    out->width = clampSide(width);
    out->height = clampSide(height);
    return true;
}

bool png(const Bytes& b, DeclaredImage* out) {
    static const char kSignature[] = "\x89PNG\r\n\x1A\n";
    if (!b.startsWith(std::string_view(kSignature, 8)) || !b.has(12, 12) || std::memcmp(b.data + 12, "IHDR", 4) != 0)
        return false;
    return setSize(out, "PNG", b.be(16, 4), b.be(20, 4));
}

bool jpeg(const Bytes& b, DeclaredImage* out) {
    uint32_t width = 0, height = 0;
    if (!jpegFrameSize(b.data, b.size, &width, &height)) return false;
    return setSize(out, "JPEG", width, height);
}

// JPEG 2000 codestream: SOC, then the SIZ segment (Xsiz, Ysiz, XOsiz, YOsiz, ..., Csiz, Ssiz per component).
bool jpeg2000Codestream(const Bytes& b, size_t at, DeclaredImage* out) {
    if (!b.has(at, 40) || b.be(at, 4) != 0xFF4FFF51u) return false;
    const uint64_t xsiz = b.be(at + 8, 4), ysiz = b.be(at + 12, 4), xo = b.be(at + 16, 4), yo = b.be(at + 20, 4);
    if (xo >= xsiz || yo >= ysiz) return false;
    const uint64_t components = b.be(at + 38, 2);
    setSize(out, "JPEG 2000", xsiz - xo, ysiz - yo);
    if (components > 4) out->unsupported = std::to_string(components) + " components";
    for (uint64_t c = 0; c < components && c < 4 && b.has(at + 40 + c, 1); ++c)
        if ((b.data[at + 40 + c] & 0x7F) + 1 > 16) out->unsupported = "samples of more than 16 bits";
    return true;
}

// The JP2 file format: boxes; the image header box (height, width, components, bits) sits in the header
// superbox, the codestream in its own box.
bool jpeg2000(const Bytes& b, DeclaredImage* out) {
    static const uint8_t kSignature[] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
    if (jpeg2000Codestream(b, 0, out)) return true;
    if (!b.has(0, sizeof kSignature) || std::memcmp(b.data, kSignature, sizeof kSignature) != 0) return false;
    // Walks the boxes of [begin, end); returns the payload offset and length of the first of `type`.
    const auto findBox = [&](size_t begin, size_t end, const char* type, size_t* payload, size_t* length) {
        size_t pos = begin;
        for (int boxes = 0; boxes < 1000 && pos < end && end - pos >= 8; ++boxes) {
            uint64_t boxLength = b.be(pos, 4);
            size_t header = 8;
            if (boxLength == 1) {
                if (end - pos < 16) return false;
                boxLength = b.be(pos + 8, 8);
                header = 16;
            } else if (boxLength == 0) {
                boxLength = end - pos;
            }
            if (boxLength < header || boxLength > end - pos) return false;
            if (std::memcmp(b.data + pos + 4, type, 4) == 0) {
                *payload = pos + header;
                *length = size_t(boxLength) - header;
                return true;
            }
            pos += size_t(boxLength);
        }
        return false;
    };
    size_t headerBox = 0, headerLength = 0, ihdr = 0, ihdrLength = 0;
    if (findBox(0, b.size, "jp2h", &headerBox, &headerLength) &&
        findBox(headerBox, headerBox + headerLength, "ihdr", &ihdr, &ihdrLength) && ihdrLength >= 11) {
        setSize(out, "JPEG 2000", b.be(ihdr + 4, 4), b.be(ihdr, 4));
        const uint64_t components = b.be(ihdr + 8, 2);
        if (components > 4) out->unsupported = std::to_string(components) + " components";
        if (b.data[ihdr + 10] != 0xFF && (b.data[ihdr + 10] & 0x7F) + 1 > 16)
            out->unsupported = "samples of more than 16 bits";
        return true;
    }
    size_t codestream = 0, codestreamLength = 0;
    return findBox(0, b.size, "jp2c", &codestream, &codestreamLength) && jpeg2000Codestream(b, codestream, out);
}

// TIFF and BigTIFF: the first image file directory's width, length, samples per pixel, bits per sample and
// sample format.
bool tiff(const Bytes& b, DeclaredImage* out) {
    const bool little = b.startsWith("II"), big = b.startsWith("MM");
    if (!(little || big) || !b.has(0, 8)) return false;
    const auto read = [&](size_t offset, size_t length) { return little ? b.le(offset, length) : b.be(offset, length); };
    const uint64_t version = read(2, 2);
    if (version != 42 && version != 43) return false;
    const bool bigTiff = version == 43;
    if (bigTiff && (!b.has(0, 16) || read(4, 2) != 8)) return false;
    const uint64_t ifd = bigTiff ? read(8, 8) : read(4, 4);
    const size_t countBytes = bigTiff ? 8 : 2, entryBytes = bigTiff ? 20 : 12, valueBytes = bigTiff ? 8 : 4;
    if (ifd > b.size || !b.has(size_t(ifd), countBytes)) return false;
    const uint64_t entries = read(size_t(ifd), countBytes);
    uint64_t width = 0, height = 0, samples = 1, bits = 1, sampleFormat = 1;
    bool haveWidth = false, haveHeight = false;
    for (uint64_t i = 0; i < entries && i < 4096; ++i) {
        const size_t entry = size_t(ifd) + countBytes + size_t(i) * entryBytes;
        if (!b.has(entry, entryBytes)) break;
        const uint64_t tag = read(entry, 2), type = read(entry + 2, 2);
        const size_t typeBytes = type == 3 ? 2 : type == 4 ? 4 : type == 16 ? 8 : 0;  // SHORT, LONG, LONG8
        if (typeBytes == 0) continue;
        // The first value: inline when the values fit in the entry, else at the offset it holds.
        const uint64_t count = read(entry + 4, bigTiff ? 8 : 4);
        size_t at = entry + 4 + (bigTiff ? 8 : 4);
        if (count > valueBytes / typeBytes) {
            const uint64_t offset = read(at, valueBytes);
            if (offset > b.size) continue;
            at = size_t(offset);
        }
        if (count == 0 || !b.has(at, typeBytes)) continue;
        const uint64_t value = read(at, typeBytes);
        switch (tag) {
        case 256: width = value, haveWidth = true; break;
        case 257: height = value, haveHeight = true; break;
        case 258: bits = value; break;
        case 277: samples = value; break;
        case 339: sampleFormat = value; break;
        default: break;
        }
    }
    if (!haveWidth || !haveHeight) return false;
    setSize(out, "TIFF", width, height);
    if (samples > 4)
        out->unsupported = std::to_string(samples) + " samples per pixel";
    else if (bits > 16 || sampleFormat == 3)
        out->unsupported = sampleFormat == 3 ? "floating-point samples" : std::to_string(bits) + "-bit samples";
    return true;
}

bool webp(const Bytes& b, DeclaredImage* out) {
    if (!b.startsWith("RIFF") || !b.has(8, 4) || std::memcmp(b.data + 8, "WEBP", 4) != 0 || !b.has(12, 18))
        return false;
    const std::string_view chunk(reinterpret_cast<const char*>(b.data + 12), 4);
    if (chunk == "VP8 ") {  // lossy: frame tag, start code, 14-bit width and height
        if (b.be(23, 3) != 0x9D012A) return false;
        return setSize(out, "WebP", b.le(26, 2) & 0x3FFF, b.le(28, 2) & 0x3FFF);
    }
    if (chunk == "VP8L") {  // lossless: signature byte, then width - 1 and height - 1 in 14 bits each
        if (b.data[20] != 0x2F) return false;
        const uint64_t bits = b.le(21, 4);
        return setSize(out, "WebP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
    }
    if (chunk == "VP8X") {  // extended: canvas width - 1 and height - 1 in 24 bits each
        return setSize(out, "WebP", b.le(24, 3) + 1, b.le(27, 3) + 1);
    }
    return false;
}

bool bmp(const Bytes& b, DeclaredImage* out) {
    if (!b.startsWith("BM") || !b.has(14, 4)) return false;
    const uint64_t headerSize = b.le(14, 4);
    if (headerSize == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit sides
        if (!b.has(18, 4)) return false;
        return setSize(out, "BMP", b.le(18, 2), b.le(20, 2));
    }
    if (!b.has(18, 8)) return false;
    // Signed 32-bit sides; a negative height means rows stored top down.
    const auto side = [&](size_t offset) {
        const auto value = int64_t(int32_t(uint32_t(b.le(offset, 4))));
        return uint64_t(value < 0 ? -value : value);
    };
    return setSize(out, "BMP", side(18), side(22));
}

// The header tokens of the Netpbm formats: whitespace and '#' comments between decimal numbers.
class NetpbmTokens {
public:
    NetpbmTokens(const Bytes& b, size_t pos) : b_(b), pos_(pos) {}

    bool number(uint64_t* value) {
        skipSpaceAndComments();
        if (pos_ >= b_.size || b_.data[pos_] < '0' || b_.data[pos_] > '9') return false;
        *value = 0;
        for (; pos_ < b_.size && b_.data[pos_] >= '0' && b_.data[pos_] <= '9'; ++pos_)
            *value = clampSide(*value * 10 + uint64_t(b_.data[pos_] - '0'));
        return true;
    }

    std::string_view word() {
        skipSpaceAndComments();
        const size_t start = pos_;
        while (pos_ < b_.size && !isSpace(b_.data[pos_])) ++pos_;
        return {reinterpret_cast<const char*>(b_.data + start), pos_ - start};
    }

    bool atEnd() {
        skipSpaceAndComments();
        return pos_ >= b_.size;
    }

private:
    static bool isSpace(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
    void skipSpaceAndComments() {
        while (pos_ < b_.size) {
            if (isSpace(b_.data[pos_])) {
                ++pos_;
            } else if (b_.data[pos_] == '#') {
                while (pos_ < b_.size && b_.data[pos_] != '\n' && b_.data[pos_] != '\r') ++pos_;
            } else {
                break;
            }
        }
    }

    const Bytes& b_;
    size_t pos_;
};

bool netpbm(const Bytes& b, DeclaredImage* out) {
    if (!b.has(0, 2) || b.data[0] != 'P') return false;
    const uint8_t kind = b.data[1];
    if (kind >= '1' && kind <= '6') {  // PBM, PGM, PPM: width and height follow the magic number
        NetpbmTokens tokens(b, 2);
        uint64_t width = 0, height = 0;
        if (!tokens.number(&width) || !tokens.number(&height)) return false;
        return setSize(out, "PNM", width, height);
    }
    if (kind == '7') {  // PAM: "KEY value" lines up to ENDHDR
        NetpbmTokens tokens(b, 2);
        uint64_t width = 0, height = 0, depth = 1;
        bool haveWidth = false, haveHeight = false;
        while (!tokens.atEnd()) {
            const std::string_view key = tokens.word();
            if (key == "ENDHDR") break;
            uint64_t value = 0;
            if (key == "WIDTH" && tokens.number(&value)) width = value, haveWidth = true;
            else if (key == "HEIGHT" && tokens.number(&value)) height = value, haveHeight = true;
            else if (key == "DEPTH" && tokens.number(&value)) depth = value;
        }
        if (!haveWidth || !haveHeight) return false;
        setSize(out, "PAM", width, height);
        if (depth > 4) out->unsupported = std::to_string(depth) + " channels";
        return true;
    }
    if (kind == 'F' || kind == 'f') {  // PFM: always floating point
        out->format = "PFM";
        out->unsupported = "floating-point samples";
        return true;
    }
    return false;
}

bool sunRaster(const Bytes& b, DeclaredImage* out) {
    if (!b.has(0, 12) || b.be(0, 4) != 0x59A66A95u) return false;
    return setSize(out, "Sun raster", b.be(4, 4), b.be(8, 4));
}

bool radianceHdr(const Bytes& b, DeclaredImage* out) {
    if (!b.startsWith("#?RADIANCE") && !b.startsWith("#?RGBE")) return false;
    out->format = "Radiance HDR";
    out->unsupported = "floating-point samples";
    return true;
}

}  // namespace

bool readDeclaredImage(const uint8_t* data, size_t size, DeclaredImage* out) {
    const Bytes b{data, size};
    *out = DeclaredImage();
    for (bool (*reader)(const Bytes&, DeclaredImage*) :
         {png, jpeg, jpeg2000, tiff, webp, bmp, netpbm, sunRaster, radianceHdr}) {
        if (reader(b, out)) return true;
        *out = DeclaredImage();
    }
    return false;
}

}  // namespace headscope::detail
