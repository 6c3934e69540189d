// Four-component (CMYK and YCCK) JPEGs decoded as Pillow decodes them. OpenCV converts CMYK to BGR itself
// with a product divided by 256, up to two levels away from what transformers sees; here libjpeg returns
// the raw samples and they are converted exactly as Pillow's Image.open(...).convert("RGB") does.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace headscope::detail {

struct CmykJpeg {
    bool isCmyk = false;  // false: not a four-component JPEG, decode it the usual way
    int width = 0;
    int height = 0;
    std::vector<uint8_t> rgb;  // width * height * 3, row-major
};

// Throws FormatError (naming nameForErrors) when libjpeg refuses the data or the frame has more than
// maxPixels pixels (checked before anything is allocated).
CmykJpeg decodeCmykJpeg(const uint8_t* data, size_t size, uint64_t maxPixels, const std::string& nameForErrors);

// Pillow's cmyk2rgb on samples read as "CMYK;I" (Pillow assumes Adobe's inverted samples for every
// four-component JPEG): c, m, y, k are the values libjpeg returns.
void invertedCmykToRgb(const uint8_t* cmyk, uint8_t* rgb, size_t pixels);

}  // namespace headscope::detail
