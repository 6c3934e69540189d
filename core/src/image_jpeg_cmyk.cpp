#include "image_jpeg_cmyk.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
// jpeglib.h needs FILE and size_t declared before it.
#include <jpeglib.h>

#include "headscope/error.h"

namespace headscope::detail {
namespace {

// libjpeg reports errors by calling error_exit, which must not return: it jumps back to decodeRaw.
struct ErrorManager {
    jpeg_error_mgr base;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

void onError(j_common_ptr info) {
    auto* errors = reinterpret_cast<ErrorManager*>(info->err);
    (*info->err->format_message)(info, errors->message);
    std::longjmp(errors->jump, 1);
}

void onMessage(j_common_ptr) {}  // warnings (a truncated file is refused before decoding)

// C-style on purpose: longjmp must not skip a C++ destructor, so nothing here owns one. Returns 0 on
// success, 1 for "not four components", 2 on a libjpeg error or a frame over maxPixels (message filled).
// *samples is malloc'ed.
int decodeRaw(const uint8_t* data, size_t size, uint64_t maxPixels, int* width, int* height,
              unsigned char** samples, char* message) {
    jpeg_decompress_struct info;
    ErrorManager errors;
    info.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = onError;
    errors.base.output_message = onMessage;
    errors.message[0] = '\0';
    *samples = nullptr;
    if (setjmp(errors.jump)) {
        std::free(*samples);
        *samples = nullptr;
        jpeg_destroy_decompress(&info);
        std::snprintf(message, JMSG_LENGTH_MAX, "decoder error: %s", errors.message);
        return 2;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, static_cast<unsigned long>(size));
    jpeg_read_header(&info, TRUE);
    if (info.num_components != 4) {
        jpeg_destroy_decompress(&info);
        return 1;
    }
    if (uint64_t(info.image_width) * info.image_height > maxPixels) {
        jpeg_destroy_decompress(&info);
        std::snprintf(message, JMSG_LENGTH_MAX, "it is %u x %u pixels, more than the %llu decoded at most",
                      unsigned(info.image_width), unsigned(info.image_height), (unsigned long long)maxPixels);
        return 2;
    }
    // YCCK is turned into CMYK by libjpeg, as in Pillow's decoder.
    info.out_color_space = JCS_CMYK;
    jpeg_start_decompress(&info);
    const size_t stride = size_t(info.output_width) * 4;
    *samples = static_cast<unsigned char*>(std::malloc(stride * info.output_height));
    if (*samples == nullptr) {
        jpeg_destroy_decompress(&info);
        std::strcpy(message, "out of memory");
        return 2;
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = *samples + size_t(info.output_scanline) * stride;
        jpeg_read_scanlines(&info, &row, 1);
    }
    *width = int(info.output_width);
    *height = int(info.output_height);
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    return 0;
}

}  // namespace

void invertedCmykToRgb(const uint8_t* cmyk, uint8_t* rgb, size_t pixels) {
    // MULDIV255 of Pillow's Convert.c: a * b / 255, rounded.
    auto mulDiv255 = [](int a, int b) {
        const int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    };
    for (size_t i = 0; i < pixels; ++i, cmyk += 4, rgb += 3) {
        // Pillow unpacks "CMYK;I" as 255 - sample, then takes nk = 255 - k: the stored black sample.
        const int notK = cmyk[3];
        for (int c = 0; c < 3; ++c) {
            const int value = notK - mulDiv255(255 - cmyk[c], notK);
            rgb[c] = uint8_t(value < 0 ? 0 : value > 255 ? 255 : value);
        }
    }
}

CmykJpeg decodeCmykJpeg(const uint8_t* data, size_t size, uint64_t maxPixels, const std::string& nameForErrors) {
    CmykJpeg out;
    int width = 0, height = 0;
    unsigned char* samples = nullptr;
    char message[JMSG_LENGTH_MAX] = {};
    const int status = decodeRaw(data, size, maxPixels, &width, &height, &samples, message);
    if (status == 1) return out;
    if (status == 2) throw FormatError("cannot read image '" + nameForErrors + "': " + std::string(message));
    const std::unique_ptr<unsigned char, decltype(&std::free)> owned(samples, &std::free);
    out.isCmyk = true;
    out.width = width;
    out.height = height;
    out.rgb.resize(size_t(width) * height * 3);
    invertedCmykToRgb(samples, out.rgb.data(), size_t(width) * height);
    return out;
}

}  // namespace headscope::detail
