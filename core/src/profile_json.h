// The JSON half of a head profile (internal to headscope_core): settings and model identity, without the
// [layers, heads] tables, which live in the companion .safetensors file.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "headscope/profile.h"

namespace headscope::profile_detail {

inline constexpr const char* kProfileFormat = "headscope-head-profile";
inline constexpr int64_t kProfileFormatVersion = 1;

// The JSON document of `profile`; "tensors" names `tensorFileName` (a file name, no folder).
nlohmann::ordered_json profileToJson(const HeadProfile& profile, const std::string& tensorFileName);

// The settings of a parsed profile document (tables left empty) and its "tensors" file name. Throws
// FormatError / InvalidInputError naming `file` and the field at fault.
HeadProfile profileFromJson(const nlohmann::json& document, const std::string& file,
                            std::string* tensorFileName);

}  // namespace headscope::profile_detail
