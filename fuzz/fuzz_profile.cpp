// The head profile reader (loadProfile, which takes a path). The input holds both files of a profile: the
// JSON, then the separator line below, then the .safetensors bytes (without the separator, all JSON and an
// empty tensor file). They are written as p.json and p.safetensors and loaded.
#include <cstring>
#include <string_view>

#include "fuzz_support.h"
#include "fuzz_profile_format.h"
#include "headscope/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace headscope;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t split = input.find(fuzz::kProfileSeparator);
    const std::string_view json = input.substr(0, split);
    const std::string_view tensors =
        split == std::string_view::npos ? std::string_view() : input.substr(split + fuzz::kProfileSeparator.size());
    fuzz::writeScratchFile("p.safetensors", std::string(tensors));
    const std::string path = fuzz::writeScratchFile("p.json", std::string(json));
    // An error names one of the two files; both sit in the scratch folder.
    fuzz::runExpectingErrors(fuzz::scratchDir(), [&] {
        const HeadProfile profile = loadProfile(path);
        (void)profile.visualShare.numel();
    });
    return 0;
}
