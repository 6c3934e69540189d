#include "eval/answer_text.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace headscope::eval_text {

std::string trim(const std::string& text) {
    const auto isSpace = [](unsigned char c) { return std::isspace(c) != 0; };
    size_t begin = 0, end = text.size();
    while (begin < end && isSpace(text[begin])) ++begin;
    while (end > begin && isSpace(text[end - 1])) --end;
    return text.substr(begin, end - begin);
}

std::string toLower(std::string text) {
    for (char& c : text)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return text;
}

std::string toUpper(std::string text) {
    for (char& c : text)
        if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    return text;
}

namespace {

// Digits with optional thousands commas (groups of exactly three) and optional decimals.
std::optional<double> parseDecimal(const std::string& text) {
    std::string digits;
    size_t i = 0;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) digits += text[i++];
    size_t integerDigits = 0, groupDigits = 0;
    bool sawComma = false;
    for (; i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == ','); ++i) {
        if (text[i] == ',') {
            if (integerDigits == 0 || (sawComma && groupDigits != 3) || (!sawComma && groupDigits > 3)) return std::nullopt;
            sawComma = true;
            groupDigits = 0;
            continue;
        }
        digits += text[i];
        ++integerDigits;
        ++groupDigits;
    }
    if (sawComma && groupDigits != 3) return std::nullopt;
    size_t fractionDigits = 0;
    if (i < text.size() && text[i] == '.') {
        digits += text[i++];
        for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++fractionDigits)
            digits += text[i];
    }
    if (i != text.size() || integerDigits + fractionDigits == 0) return std::nullopt;
    return std::strtod(digits.c_str(), nullptr);
}

}  // namespace

std::optional<double> parseNumber(const std::string& raw) {
    const std::string text = trim(raw);
    const size_t slash = text.find('/');
    if (slash == std::string::npos) return parseDecimal(text);
    const std::string top = trim(text.substr(0, slash)), bottom = trim(text.substr(slash + 1));
    const bool integers = !top.empty() && !bottom.empty() && top.find('.') == std::string::npos &&
                          bottom.find('.') == std::string::npos;
    const auto numerator = integers ? parseDecimal(top) : std::nullopt;
    const auto denominator = integers ? parseDecimal(bottom) : std::nullopt;
    if (!numerator || !denominator || *denominator == 0) return std::nullopt;
    return *numerator / *denominator;
}

int decimalPlaces(const std::string& raw) {
    const std::string text = trim(raw);
    if (text.find('/') != std::string::npos) return -1;
    const size_t point = text.find('.');
    return point == std::string::npos ? 0 : int(text.size() - point - 1);
}

std::string fileStem(const std::string& id, size_t number) {
    std::string safe;
    for (char c : id) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
    return std::to_string(number) + "-" + safe.substr(0, 60);
}

}  // namespace headscope::eval_text
