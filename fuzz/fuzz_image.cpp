// The image decoder's front door (decodeImage: the bytes loadImageFile reads, and pasted or dropped
// images), then, for small pictures, the two preprocessors the models use on a decoded image.
#include "fuzz_support.h"
#include "headscope/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace headscope;
    const std::vector<uint8_t> bytes(data, data + size);
    RgbImage image;
    if (!fuzz::runExpectingErrors("image.png", [&] { image = decodeImage(bytes, "image.png"); })) return 0;
    if (image.width <= 0 || image.height <= 0 ||
        image.pixels.size() != size_t(image.width) * size_t(image.height) * 3)
        std::abort();  // decodeImage promises a non-empty RGB picture
    // The preprocessors on small pictures and to small sizes keep each run short; what matters here is the
    // odd shapes a decoder can produce (1 x N, extreme aspect ratios).
    if (int64_t(image.width) * image.height > 256 * 256) return 0;
    ImageProcessorConfig qwen;
    qwen.maxPixels = 112 * 112;
    fuzz::runExpectingErrors("", [&] { (void)preprocessImage(image, qwen); });
    ClipProcessorConfig clip;
    clip.shortestEdge = 28;
    clip.cropHeight = clip.cropWidth = 28;
    fuzz::runExpectingErrors("", [&] { (void)preprocessImageClip(image, clip); });
    return 0;
}
