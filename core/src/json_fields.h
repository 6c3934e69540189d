// Reading typed fields out of nlohmann::json with errors that name the file and the field path.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "headscope/error.h"

namespace headscope::json_fields {

using nlohmann::json;

// Reads and parses a JSON file; a missing file is an Error, bad JSON a FormatError, both naming the file.
json readFile(const std::string& path);
json parseText(const std::string& text, const std::string& nameForErrors);

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
