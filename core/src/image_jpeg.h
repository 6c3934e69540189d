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

// The frame size a start-of-frame segment declares, read before anything is decoded. False when there is
// none before the first scan, or it defers the height (0, given later by a DNL marker).
bool jpegFrameSize(const uint8_t* data, size_t size, uint32_t* width, uint32_t* height);

// True when an end-of-image marker follows the first start-of-scan marker. Entropy-coded data stuffs
// every 0xFF with 0x00, so the marker cannot occur there by accident.
bool jpegHasEndOfImage(const uint8_t* data, size_t size);

}  // namespace headscope::detail
