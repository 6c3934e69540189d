// Parsing JSON that came from a file, for code outside core: nesting bounded, NUL bytes refused, errors
// short. Core's readers use the same rules.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace headscope {

// Throws FormatError naming `nameForErrors` when the text is malformed, nested too deep or holds a NUL.
nlohmann::json parseJsonText(std::string_view text, const std::string& nameForErrors);

// A value as an error message may quote it, at most about `limit` characters.
std::string quoteJson(const nlohmann::json& value, size_t limit = 80);

}  // namespace headscope
