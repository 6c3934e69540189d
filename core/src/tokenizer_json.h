// Reading the JSON files of a tokenizer with errors that name the file and the field.
#pragma once
#include "tokenizer_added.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace headscope::tok {

using Json = nlohmann::json;

std::string readWholeFile(const std::string& path);  // throws Error when the file cannot be read
std::string fieldPath(const std::string& parent,
                      const std::string& key);  // "model" + "vocab" -> "model.vocab"

class JsonFile {
public:
    // Throws Error when the file cannot be read and FormatError when it is not JSON.
    static JsonFile load(const std::string& path);

    const std::string& path() const { return path_; }
    const Json& root() const { return root_; }

    [[noreturn]] void fail(const std::string& field, const std::string& problem) const;
    const Json& object(const Json& value, const std::string& field) const;  // checks it is an object
    const Json& array(const Json& value, const std::string& field) const;
    // A required member of `parent` (an object at `parentField`).
    const Json& member(const Json& parent, const std::string& parentField, const std::string& key) const;
    // nullptr when the member is missing or JSON null.
    const Json* optionalMember(const Json& parent, const std::string& key) const;
    bool flag(const Json& parent, const std::string& parentField, const std::string& key,
              bool fallback) const;
    std::string text(const Json& value, const std::string& field) const;
    int32_t tokenId(const Json& value, const std::string& field) const;

    // An added-token description ({"content", "special", "lstrip", ...}); the id comes from the caller.
    AddedToken addedToken(const Json& value, const std::string& field, int32_t id) const;

    // tokenizer_config.json's "added_tokens_decoder" (token id -> description); empty when absent.
    std::vector<AddedToken> addedTokensDecoder() const;

private:
    JsonFile(std::string path, Json root) : path_(std::move(path)), root_(std::move(root)) {}
    std::string path_;
    Json root_;
};

}  // namespace headscope::tok
