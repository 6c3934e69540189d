// config.json parsing: parseModelConfig, which loadModelConfig calls on the file's text, in memory.
#include "fuzz_support.h"
#include "headscope/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace headscope;
    const std::string text(reinterpret_cast<const char*>(data), size);
    fuzz::runExpectingErrors("config.json", [&] {
        const ModelConfig config = parseModelConfig(text, "config.json");
        if (config.family == ModelFamily::Llava) (void)config.clip.imageTokens();
    });
    return 0;
}
