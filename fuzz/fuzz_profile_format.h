// How fuzz_profile's input holds the two files of a head profile (shared with the seed maker).
#pragma once
#include <string_view>

namespace headscope::fuzz {

inline constexpr std::string_view kProfileSeparator = "\n--- p.safetensors ---\n";

}  // namespace headscope::fuzz
