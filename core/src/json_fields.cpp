#include "json_fields.h"

#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "headscope/json_text.h"
#include "headscope/text_files.h"

namespace headscope::json_fields {

namespace {

std::string qualified(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

const json* lookup(const json& obj, const std::string& key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
}

int64_t asInt(const json& value, const std::string& file, const std::string& field) {
    const auto outOfRange = [&] {
        fail(file, field, "expected an integer, found " + quote(value) + ", which does not fit in a signed 64-bit integer");
    };
    if (value.is_number_unsigned()) {
        if (value.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) outOfRange();
        return value.get<int64_t>();
    }
    if (value.is_number_integer()) return value.get<int64_t>();
    // Some writers emit integral values as floats (e.g. 3136.0); nlohmann reads an integer too long for 64 bits
    // as a float as well. Only values inside [-2^63, 2^63) convert.
    if (value.is_number_float()) {
        const double d = value.get<double>();
        if (d == std::trunc(d)) {
            if (!(d >= -0x1p63 && d < 0x1p63)) outOfRange();
            return static_cast<int64_t>(d);
        }
    }
    fail(file, field, "expected an integer, found " + quote(value));
}

double asNumber(const json& value, const std::string& file, const std::string& field) {
    if (!value.is_number()) fail(file, field, "expected a number, found " + quote(value));
    return value.get<double>();
}

}  // namespace

void fail(const std::string& file, const std::string& field, const std::string& problem) {
    throw FormatError(file + ": field '" + field + "': " + problem);
}

namespace {

// One pass over the bytes before parsing: the depth of valid JSON is the count of open brackets outside
// strings, so this bounds the parsed value's depth exactly; for invalid JSON the parser fails anyway.
void checkDepthAndNul(std::string_view text) {
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\0') throw BadJson("a NUL byte at offset " + std::to_string(i));
        if (inString) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth)
                throw BadJson("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels at offset " +
                              std::to_string(i));
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
}

// Writes as dump() does, stopping once `limit` characters are out.
void appendBounded(const json& value, size_t limit, std::string& out) {
    if (out.size() > limit) return;
    if (value.is_array() || value.is_object()) {
        const bool object = value.is_object();
        out += object ? '{' : '[';
        bool first = true;
        for (auto it = value.begin(); it != value.end() && out.size() <= limit; ++it) {
            if (!first) out += ',';
            first = false;
            if (object) out += json(it.key().substr(0, limit + 1)).dump(-1, ' ', false, json::error_handler_t::replace) + ':';
            appendBounded(*it, limit, out);
        }
        out += object ? '}' : ']';
    } else if (value.is_string()) {
        const std::string& s = value.get_ref<const std::string&>();
        out += json(s.substr(0, limit + 1)).dump(-1, ' ', false, json::error_handler_t::replace);
    } else {
        out += value.dump();
    }
}

}  // namespace

json parseBounded(std::string_view text) {
    checkDepthAndNul(text);
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number beyond a double
        throw BadJson(clip(e.what()));
    }
}

json parseBoundedUniqueKeys(std::string_view text) {
    checkDepthAndNul(text);
    std::vector<std::set<std::string>> keysOfOpenObjects;
    std::string duplicate;
    const json::parser_callback_t noteKeys = [&](int, json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start: keysOfOpenObjects.emplace_back(); break;
            case json::parse_event_t::object_end: keysOfOpenObjects.pop_back(); break;
            case json::parse_event_t::key:
                if (!keysOfOpenObjects.back().insert(parsed.get<std::string>()).second && duplicate.empty())
                    duplicate = parsed.get<std::string>();
                break;
            default: break;
        }
        return true;
    };
    json value;
    try {
        value = json::parse(text.begin(), text.end(), noteKeys);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number beyond a double
        throw BadJson(clip(e.what()));
    }
    if (!duplicate.empty()) throw BadJson("the key \"" + clip(duplicate, 80) + "\" appears twice in one object");
    return value;
}

json parseText(std::string_view text, const std::string& nameForErrors) {
    try {
        return parseBounded(text);
    } catch (const BadJson& e) {
        throw FormatError(nameForErrors + ": malformed JSON: " + e.what());
    }
}

std::string quote(const json& value, size_t limit) {
    std::string out;
    appendBounded(value, limit, out);
    return clip(out, limit);
}

std::string clip(std::string_view text, size_t limit) {
    if (text.size() <= limit) return std::string(text);
    // Cut on a character boundary so the message stays valid UTF-8.
    size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return std::string(text.substr(0, end)) + "...";
}

json readFile(const std::string& path) { return parseText(readBoundedFile(path, kMaxJsonFileBytes), path); }

int64_t requireInt(const json& obj, const std::string& key, const std::string& file, const std::string& path) {
    const json* value = lookup(obj, key);
    if (!value) fail(file, qualified(path, key), "missing");
    return asInt(*value, file, qualified(path, key));
}

double requireNumber(const json& obj, const std::string& key, const std::string& file,
                     const std::string& path) {
    const json* value = lookup(obj, key);
    if (!value) fail(file, qualified(path, key), "missing");
    return asNumber(*value, file, qualified(path, key));
}

std::string requireString(const json& obj, const std::string& key, const std::string& file,
                          const std::string& path) {
    const json* value = lookup(obj, key);
    if (!value) fail(file, qualified(path, key), "missing");
    if (!value->is_string()) fail(file, qualified(path, key), "expected a string, found " + quote(*value));
    return value->get<std::string>();
}

int64_t intOr(const json& obj, const std::string& key, int64_t fallback, const std::string& file,
              const std::string& path) {
    const json* value = lookup(obj, key);
    return value ? asInt(*value, file, qualified(path, key)) : fallback;
}

double numberOr(const json& obj, const std::string& key, double fallback, const std::string& file,
                const std::string& path) {
    const json* value = lookup(obj, key);
    return value ? asNumber(*value, file, qualified(path, key)) : fallback;
}

bool boolOr(const json& obj, const std::string& key, bool fallback, const std::string& file,
            const std::string& path) {
    const json* value = lookup(obj, key);
    if (!value) return fallback;
    if (!value->is_boolean()) fail(file, qualified(path, key), "expected true or false, found " + quote(*value));
    return value->get<bool>();
}

std::string stringOr(const json& obj, const std::string& key, const std::string& fallback,
                     const std::string& file, const std::string& path) {
    const json* value = lookup(obj, key);
    if (!value) return fallback;
    if (!value->is_string()) fail(file, qualified(path, key), "expected a string, found " + quote(*value));
    return value->get<std::string>();
}

std::vector<int64_t> intListOr(const json& obj, const std::string& key, std::vector<int64_t> fallback,
                               const std::string& file, const std::string& path) {
    const json* value = lookup(obj, key);
    if (!value) return fallback;
    if (!value->is_array()) fail(file, qualified(path, key), "expected a list of integers, found " + quote(*value));
    std::vector<int64_t> out;
    for (const json& item : *value) out.push_back(asInt(item, file, qualified(path, key)));
    return out;
}

std::vector<int64_t> intOrIntList(const json& obj, const std::string& key, const std::string& file,
                                  const std::string& path) {
    const json* value = lookup(obj, key);
    if (!value) return {};
    if (value->is_array()) return intListOr(obj, key, {}, file, path);
    return {asInt(*value, file, qualified(path, key))};
}

}  // namespace headscope::json_fields

namespace headscope {

nlohmann::json parseJsonText(std::string_view text, const std::string& nameForErrors) {
    return json_fields::parseText(text, nameForErrors);
}

std::string quoteJson(const nlohmann::json& value, size_t limit) { return json_fields::quote(value, limit); }

}  // namespace headscope
