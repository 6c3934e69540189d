#include "tokenizer_added.h"

#include "tokenizer_unicode.h"

#include <algorithm>

namespace headscope::tok {
namespace {

char32_t codePointBefore(std::string_view text, std::size_t pos) {
    std::size_t start = pos - 1;
    while (start > 0 && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80) --start;
    char32_t codePoint = 0;
    decodeCodePoint(text, start, codePoint);
    return codePoint;
}

char32_t codePointAt(std::string_view text, std::size_t pos) {
    char32_t codePoint = 0;
    decodeCodePoint(text, pos, codePoint);
    return codePoint;
}

std::size_t whitespaceStartBefore(std::string_view text, std::size_t pos) {
    while (pos > 0) {
        std::size_t start = pos - 1;
        while (start > 0 && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80) --start;
        if (!isUnicodeWhitespace(codePointAt(text, start))) break;
        pos = start;
    }
    return pos;
}

std::size_t whitespaceEndAfter(std::string_view text, std::size_t pos) {
    while (pos < text.size()) {
        char32_t codePoint = 0;
        const std::size_t length = decodeCodePoint(text, pos, codePoint);
        if (!isUnicodeWhitespace(codePoint)) break;
        pos += length;
    }
    return pos;
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens, std::vector<std::string> patterns)
    : tokens_(std::move(tokens)), patterns_(std::move(patterns)) {
    for (std::size_t i = 0; i < patterns_.size(); ++i)
        if (!patterns_[i].empty()) byFirstByte_[static_cast<uint8_t>(patterns_[i][0])].push_back(i);
    for (auto& candidates : byFirstByte_)
        std::stable_sort(candidates.begin(), candidates.end(), [this](std::size_t a, std::size_t b) {
            return patterns_[a].size() > patterns_[b].size();
        });
}

bool AddedTokenMatcher::findNext(std::string_view text, std::size_t from, Match& match) const {
    for (std::size_t pos = from; pos < text.size(); ++pos) {
        for (std::size_t index : byFirstByte_[static_cast<uint8_t>(text[pos])]) {
            const std::string& pattern = patterns_[index];
            if (text.compare(pos, pattern.size(), pattern) == 0) {
                match = {pos, pos + pattern.size(), index};
                return true;
            }
        }
    }
    return false;
}

std::vector<TextPart> AddedTokenMatcher::split(std::string_view text) const {
    std::vector<TextPart> parts;
    std::size_t consumed = 0;  // end of the last emitted part
    Match match{};
    for (std::size_t searchFrom = 0; findNext(text, searchFrom, match);) {
        searchFrom = match.end;  // the search resumes after a match even when it is discarded below
        const AddedToken& token = tokens_[match.token];
        if (token.singleWord) {
            const bool wordBefore = match.begin > 0 && isWordCharacter(codePointBefore(text, match.begin));
            const bool wordAfter = match.end < text.size() && isWordCharacter(codePointAt(text, match.end));
            if (wordBefore || wordAfter) continue;
        }
        std::size_t begin = match.begin, end = match.end;
        if (token.lstrip) begin = std::max(whitespaceStartBefore(text, begin), consumed);
        if (token.rstrip) end = whitespaceEndAfter(text, end);
        if (begin > consumed) parts.push_back({consumed, begin, -1});
        parts.push_back({begin, end, token.id});
        consumed = end;
        searchFrom = std::max(searchFrom, end);
    }
    if (consumed < text.size()) parts.push_back({consumed, text.size(), -1});
    return parts;
}

}  // namespace headscope::tok
