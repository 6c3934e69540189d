// Image decoding to 8-bit RGB with the conversions Pillow applies when transformers reads an image:
// EXIF orientation, grey expanded, 16-bit reduced the way Pillow's PNG modes do, alpha over white.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "headscope/error.h"
#include "headscope/image.h"
#include "image_header.h"
#include "image_jpeg.h"
#include "image_jpeg_cmyk.h"

namespace headscope {
namespace {

[[noreturn]] void failDecode(const std::string& name, const std::string& reason) {
    throw FormatError("cannot read image '" + name + "': " + reason);
}

// Pillow opens 16-bit grey as mode I;16 and converts it to RGB by clipping at 255; 16-bit colour PNGs
// are opened as RGB(A) keeping only the high byte of each sample.
cv::Mat toEightBit(const cv::Mat& image, const std::string& name) {
    if (image.depth() == CV_8U) return image;
    if (image.depth() != CV_16U) failDecode(name, "unsupported pixel format (only 8- and 16-bit images)");
    cv::Mat out(image.rows, image.cols, CV_MAKETYPE(CV_8U, image.channels()));
    const bool grey = image.channels() == 1;
    for (int y = 0; y < image.rows; ++y) {
        const uint16_t* in = image.ptr<uint16_t>(y);
        uint8_t* o = out.ptr<uint8_t>(y);
        const size_t count = size_t(image.cols) * image.channels();
        for (size_t i = 0; i < count; ++i)
            o[i] = grey ? uint8_t(in[i] > 255 ? 255 : in[i]) : uint8_t(in[i] >> 8);
    }
    return out;
}

// Pillow's Image.alpha_composite(white, rgba) (7-bit fixed point, rounded divisions by 255) followed
// by convert("RGB"). With an opaque white background the blended alpha is always 255*255.
void compositeOnWhite(const uint8_t* bgra, uint8_t* rgb, int count) {
    constexpr uint32_t kPrecisionBits = 7;
    constexpr uint32_t kWhite = 255;
    auto divide255 = [](uint32_t a) { return (((a >> 8) + a) >> 8); };
    for (int i = 0; i < count; ++i, bgra += 4, rgb += 3) {
        const uint32_t alpha = bgra[3];
        if (alpha == 0) {
            rgb[0] = rgb[1] = rgb[2] = uint8_t(kWhite);
            continue;
        }
        const uint32_t outAlpha255 = alpha * 255 + kWhite * (255 - alpha);
        const uint32_t coefSrc = alpha * 255 * 255 * (1u << kPrecisionBits) / outAlpha255;
        const uint32_t coefDst = 255 * (1u << kPrecisionBits) - coefSrc;
        for (int c = 0; c < 3; ++c) {
            const uint32_t blended = bgra[2 - c] * coefSrc + kWhite * coefDst;
            rgb[c] = uint8_t(divide255(blended + (0x80u << kPrecisionBits)) >> kPrecisionBits);
        }
    }
}

RgbImage toRgb(const cv::Mat& image, const std::string& name) {
    RgbImage out;
    out.width = image.cols;
    out.height = image.rows;
    out.pixels.resize(size_t(out.width) * out.height * 3);
    for (int y = 0; y < image.rows; ++y) {
        const uint8_t* in = image.ptr<uint8_t>(y);
        uint8_t* o = out.pixels.data() + size_t(y) * out.width * 3;
        switch (image.channels()) {
        case 1:
            for (int x = 0; x < image.cols; ++x) o[3 * x] = o[3 * x + 1] = o[3 * x + 2] = in[x];
            break;
        case 3:
            for (int x = 0; x < image.cols; ++x) {
                o[3 * x] = in[3 * x + 2];
                o[3 * x + 1] = in[3 * x + 1];
                o[3 * x + 2] = in[3 * x];
            }
            break;
        case 4:
            compositeOnWhite(in, o, image.cols);
            break;
        default:
            failDecode(name, "unsupported channel count " + std::to_string(image.channels()));
        }
    }
    return out;
}

// Turns the stored pixels upright as PIL.ImageOps.exif_transpose does.
cv::Mat applyOrientation(const cv::Mat& image, int orientation) {
    cv::Mat out;
    switch (orientation) {
    case 2: cv::flip(image, out, 1); break;
    case 3: cv::rotate(image, out, cv::ROTATE_180); break;
    case 4: cv::flip(image, out, 0); break;
    case 5: cv::transpose(image, out); break;
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); break;
    case 7: cv::transpose(image, out); cv::flip(out, out, -1); break;
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: return image;
    }
    return out;
}

cv::Mat decodeWithOpenCv(const std::vector<uint8_t>& encoded, const std::string& name) {
    const cv::Mat buffer(1, int(encoded.size()), CV_8U, const_cast<uint8_t*>(encoded.data()));
    cv::Mat image;
    try {
        // UNCHANGED keeps alpha and 16-bit samples; it also skips EXIF orientation, applied below.
        image = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        failDecode(name, std::string("decoder error: ") + e.what());
    }
    if (image.empty()) failDecode(name, "not a supported image format, or the data is corrupt");
    return image;
}


void refuseBombs(uint64_t width, uint64_t height, const std::string& name, const char* when) {
    if (width * height <= uint64_t(kMaxImagePixels)) return;  // both below 2^32: the product cannot wrap
    failDecode(name, "it is " + std::to_string(width) + " x " + std::to_string(height) + " = " +
                         std::to_string(width * height) + " pixels, more than the " +
                         std::to_string(kMaxImagePixels) + " decoded at most (Pillow refuses such images too); " +
                         "refused " + when);
}

}  // namespace

RgbImage decodeImage(const std::vector<uint8_t>& encoded, const std::string& nameForErrors) {
    if (encoded.empty()) failDecode(nameForErrors, "the file is empty");
    if (encoded.size() > size_t(std::numeric_limits<int>::max())) failDecode(nameForErrors, "file too large");
    // Every decoder allocates the whole picture from its header first: the header is checked before.
    detail::DeclaredImage declared;
    if (detail::readDeclaredImage(encoded.data(), encoded.size(), &declared)) {
        if (!declared.unsupported.empty())
            failDecode(nameForErrors, std::string("a ") + declared.format + " image with " + declared.unsupported +
                                          "; only 8- and 16-bit images of up to 4 channels are read (refused "
                                          "before decoding)");
        refuseBombs(declared.width, declared.height, nameForErrors, "before decoding");
    }
    const bool jpeg = detail::looksLikeJpeg(encoded.data(), encoded.size());
    if (jpeg && !detail::jpegHasEndOfImage(encoded.data(), encoded.size()))
        failDecode(nameForErrors, "the JPEG data is truncated (no end-of-image marker)");
    cv::Mat image;
    if (jpeg) {
        detail::CmykJpeg cmyk = detail::decodeCmykJpeg(encoded.data(), encoded.size(), uint64_t(kMaxImagePixels),
                                                       nameForErrors);
        if (cmyk.isCmyk) cv::cvtColor(cv::Mat(cmyk.height, cmyk.width, CV_8UC3, cmyk.rgb.data()), image,
                                      cv::COLOR_RGB2BGR);
    }
    if (image.empty()) image = decodeWithOpenCv(encoded, nameForErrors);
    if (image.cols <= 0 || image.rows <= 0) failDecode(nameForErrors, "the image is empty (0x0)");
    refuseBombs(uint64_t(image.cols), uint64_t(image.rows), nameForErrors, "after decoding");
    image = toEightBit(image, nameForErrors);
    if (jpeg) image = applyOrientation(image, detail::jpegExifOrientation(encoded.data(), encoded.size()));
    return toRgb(image, nameForErrors);
}

void savePngFile(const RgbImage& image, const std::string& path) {
    cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    bool written = false;
    try {
        written = cv::imwrite(path, bgr);
    } catch (const cv::Exception& e) {
        throw Error(path + ": cannot write the image (" + e.what() + ")");
    }
    if (!written) throw Error(path + ": cannot write the image");
}

RgbImage loadImageFile(const std::string& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) failDecode(path, "no such file");
    if (std::filesystem::is_directory(status)) failDecode(path, "it is a directory, not an image file");
    // Opening a FIFO would wait for a writer and a device reads without end.
    if (!std::filesystem::is_regular_file(status))
        failDecode(path, "it is not a regular file (a device, a pipe or a socket)");
    const auto fileSize = std::filesystem::file_size(path, ec);
    if (ec) failDecode(path, "cannot read the file size: " + ec.message());
    if (fileSize > uintmax_t(std::numeric_limits<int>::max())) failDecode(path, "file too large");
    std::ifstream file(path, std::ios::binary);
    if (!file) failDecode(path, std::string("cannot open the file: ") + std::strerror(errno));
    std::vector<uint8_t> bytes(static_cast<size_t>(fileSize));
    if (!file.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size())))
        failDecode(path, "read error");
    return decodeImage(bytes, path);
}

}  // namespace headscope
