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
    // Preprocessing scales to the model's size; only small inputs keep each run short.
    if (int64_t(image.width) * image.height > 256 * 256) return 0;
    fuzz::runExpectingErrors("", [&] { (void)preprocessImage(image, ImageProcessorConfig{}); });
    fuzz::runExpectingErrors("", [&] { (void)preprocessImageClip(image, ClipProcessorConfig{}); });
    return 0;
}
