#include "tokenizer_json.h"

#include "headscope/error.h"
#include "json_fields.h"
#include "headscope/text_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace headscope::tok {
namespace {

// Ids above this are refused so that a hostile file cannot make tables huge.
constexpr int64_t kMaxTokenId = (int64_t{1} << 24) - 1;

}  // namespace

std::string readWholeFile(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) throw Error(path + ": file not found");
    return readBoundedFile(path, kMaxJsonFileBytes);
}

std::string fieldPath(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

JsonFile JsonFile::load(const std::string& path) {
    const std::string contents = readWholeFile(path);
    Json root;
    try {
        root = json_fields::parseBounded(contents);
    } catch (const json_fields::BadJson& error) {
        throw FormatError(path + ": not valid JSON: " + error.what());
    }
    return JsonFile(path, std::move(root));
}

void JsonFile::fail(const std::string& field, const std::string& problem) const {
    throw FormatError(path_ + ": " + (field.empty() ? std::string("top level") : field) + ": " + problem);
}

const Json& JsonFile::object(const Json& value, const std::string& field) const {
    if (!value.is_object()) fail(field, std::string("expected an object, found ") + value.type_name());
    return value;
}

const Json& JsonFile::array(const Json& value, const std::string& field) const {
    if (!value.is_array()) fail(field, std::string("expected an array, found ") + value.type_name());
    return value;
}

const Json& JsonFile::member(const Json& parent, const std::string& parentField,
                             const std::string& key) const {
    object(parent, parentField);
    const auto found = parent.find(key);
    if (found == parent.end()) fail(fieldPath(parentField, key), "missing");
    return *found;
}

const Json* JsonFile::optionalMember(const Json& parent, const std::string& key) const {
    if (!parent.is_object()) return nullptr;
    const auto found = parent.find(key);
    return found == parent.end() || found->is_null() ? nullptr : &*found;
}

bool JsonFile::flag(const Json& parent, const std::string& parentField, const std::string& key,
                    bool fallback) const {
    const Json* value = optionalMember(parent, key);
    if (!value) return fallback;
    if (!value->is_boolean()) fail(fieldPath(parentField, key), "expected true or false");
    return value->get<bool>();
}

std::string JsonFile::text(const Json& value, const std::string& field) const {
    if (!value.is_string()) fail(field, std::string("expected a string, found ") + value.type_name());
    return value.get<std::string>();
}

int32_t JsonFile::tokenId(const Json& value, const std::string& field) const {
    if (!value.is_number_integer())
        fail(field, std::string("expected an integer id, found ") + value.type_name());
    const auto id = value.get<int64_t>();
    if (id < 0 || id > kMaxTokenId)
        fail(field, "id " + std::to_string(id) + " is outside 0.." + std::to_string(kMaxTokenId));
    return static_cast<int32_t>(id);
}

AddedToken JsonFile::addedToken(const Json& value, const std::string& field, int32_t id) const {
    object(value, field);
    AddedToken token;
    token.id = id;
    token.content = text(member(value, field, "content"), fieldPath(field, "content"));
    if (token.content.empty()) fail(fieldPath(field, "content"), "an added token cannot be empty");
    token.special = flag(value, field, "special", false);
    token.singleWord = flag(value, field, "single_word", false);
    token.lstrip = flag(value, field, "lstrip", false);
    token.rstrip = flag(value, field, "rstrip", false);
    token.normalized = flag(value, field, "normalized", !token.special);
    return token;
}

std::vector<AddedToken> JsonFile::addedTokensDecoder() const {
    std::vector<AddedToken> tokens;
    const Json* decoder = optionalMember(object(root(), ""), "added_tokens_decoder");
    if (!decoder) return tokens;
    object(*decoder, "added_tokens_decoder");
    for (const auto& [key, value] : decoder->items()) {
        const std::string field = "added_tokens_decoder." + key;
        std::size_t parsed = 0;
        int64_t id = -1;
        try {
            id = std::stoll(key, &parsed);
        } catch (const std::exception&) {
            parsed = 0;
        }
        if (parsed != key.size()) fail(field, "the key must be a token id");
        tokens.push_back(addedToken(value, field, tokenId(Json(id), field)));
    }
    return tokens;
}

}  // namespace headscope::tok
