#include "json_fields.h"

#include <cmath>
#include <limits>
#include <sstream>

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
        fail(file, field, "expected an integer, found " + value.dump() + ", which does not fit in a signed 64-bit integer");
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
    fail(file, field, "expected an integer, found " + value.dump());
}

double asNumber(const json& value, const std::string& file, const std::string& field) {
    if (!value.is_number()) fail(file, field, "expected a number, found " + value.dump());
    return value.get<double>();
}

}  // namespace

void fail(const std::string& file, const std::string& field, const std::string& problem) {
    throw FormatError(file + ": field '" + field + "': " + problem);
}

json parseText(const std::string& text, const std::string& nameForErrors) {
    try {
        return json::parse(text);
    } catch (const json::exception& e) {  // a syntax error, or a number too large for a double (out_of_range)
        throw FormatError(nameForErrors + ": malformed JSON: " + e.what());
    }
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
    if (!value->is_string()) fail(file, qualified(path, key), "expected a string, found " + value->dump());
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
    if (!value->is_boolean()) fail(file, qualified(path, key), "expected true or false, found " + value->dump());
    return value->get<bool>();
}

std::string stringOr(const json& obj, const std::string& key, const std::string& fallback,
                     const std::string& file, const std::string& path) {
    const json* value = lookup(obj, key);
    if (!value) return fallback;
    if (!value->is_string()) fail(file, qualified(path, key), "expected a string, found " + value->dump());
    return value->get<std::string>();
}

std::vector<int64_t> intListOr(const json& obj, const std::string& key, std::vector<int64_t> fallback,
                               const std::string& file, const std::string& path) {
    const json* value = lookup(obj, key);
    if (!value) return fallback;
    if (!value->is_array()) fail(file, qualified(path, key), "expected a list of integers, found " + value->dump());
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
