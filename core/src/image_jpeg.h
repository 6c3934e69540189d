// JPEG marker-level facts the OpenCV decoder does not report: the EXIF orientation (OpenCV only applies
// it when it also converts colours) and whether the file was cut short (libjpeg then only warns and
// fills the rest with grey, where Pillow refuses the file).
#pragma once
#include <cstddef>
#include <cstdint>

namespace headscope::detail {

bool looksLikeJpeg(const uint8_t* data, size_t size);

// EXIF orientation 1..8 (1 = as stored). Returns 1 when the data has no EXIF block or the block is
// malformed: a broken tag must never make a decodable image fail.
int jpegExifOrientation(const uint8_t* data, size_t size);

// True when an end-of-image marker follows the first start-of-scan marker. Entropy-coded data stuffs
// every 0xFF with 0x00, so the marker cannot occur there by accident.
bool jpegHasEndOfImage(const uint8_t* data, size_t size);

}  // namespace headscope::detail
