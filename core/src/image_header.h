// What an image file's header declares, read before any decoder runs: OpenCV's decoders allocate the
// whole picture from the header's width and height (and channel count) before they read a pixel, so a
// file of twenty bytes can ask for gigabytes. Covers every format OpenCV's imgcodecs decodes: PNG, JPEG,
// JPEG 2000, TIFF, WebP, BMP, PBM/PGM/PPM/PAM, PFM, Sun raster and Radiance HDR.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace headscope::detail {

struct DeclaredImage {
    const char* format = "";
    uint64_t width = 0;
    uint64_t height = 0;
    // Non-empty: the header alone shows that the pixels cannot be used ("floating-point samples",
    // "6 components"), so the file is refused without decoding.
    std::string unsupported;
};

// False when the data is in none of these formats or its header is too short or malformed to tell (the
// decoder then reports the problem).
bool readDeclaredImage(const uint8_t* data, size_t size, DeclaredImage* out);

}  // namespace headscope::detail
