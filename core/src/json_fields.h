// Reading typed fields out of nlohmann::json with errors that name the file and the field path.
#pragma once
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "headscope/error.h"

namespace headscope::json_fields {

using nlohmann::json;

// Every JSON text HeadScope reads is parsed here. nlohmann's parser is iterative, so a value nested a
// million deep parses, and then overflows the stack when it is printed or copied (both recursive); and its
// error messages quote the last token, which may be 50 MB long. So nesting is bounded, NUL bytes (never
// valid in JSON, and a sign the text is not what it claims) are refused, and messages are clipped.
constexpr int kMaxJsonDepth = 200;

// Malformed, too deep or containing NUL; the message is short and says where.
class BadJson : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

json parseBounded(std::string_view text);  // throws BadJson
// The same, also refusing a key that appears twice in one object (a JSON parser keeps the last silently;
// in a safetensors header that would be two tensors of one name).
json parseBoundedUniqueKeys(std::string_view text);

// Reads and parses a JSON file; a missing file is an Error, bad JSON a FormatError, both naming the file.
json readFile(const std::string& path);
json parseText(std::string_view text, const std::string& nameForErrors);

// A value as an error message may quote it: at most about `limit` characters, "..." marking a cut.
std::string quote(const json& value, size_t limit = 80);
// Text (a parser's message, a file's value) clipped for a message.
std::string clip(std::string_view text, size_t limit = 200);

[[noreturn]] void fail(const std::string& file, const std::string& field, const std::string& problem);

int64_t requireInt(const json& obj, const std::string& key, const std::string& file, const std::string& path);
double requireNumber(const json& obj, const std::string& key, const std::string& file, const std::string& path);
std::string requireString(const json& obj, const std::string& key, const std::string& file,
                          const std::string& path);

int64_t intOr(const json& obj, const std::string& key, int64_t fallback, const std::string& file,
              const std::string& path);
double numberOr(const json& obj, const std::string& key, double fallback, const std::string& file,
                const std::string& path);
bool boolOr(const json& obj, const std::string& key, bool fallback, const std::string& file,
            const std::string& path);
std::string stringOr(const json& obj, const std::string& key, const std::string& fallback,
                     const std::string& file, const std::string& path);
std::vector<int64_t> intListOr(const json& obj, const std::string& key, std::vector<int64_t> fallback,
                               const std::string& file, const std::string& path);
// An int or a list of ints (eos_token_id is written both ways); absent gives an empty list.
std::vector<int64_t> intOrIntList(const json& obj, const std::string& key, const std::string& file,
                                  const std::string& path);

}  // namespace headscope::json_fields
