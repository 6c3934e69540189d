// Added tokens (special tokens such as <|im_start|> and user-added ones): they are cut out of the text
// before the normal pipeline runs and map straight to their ids, as `tokenizers`' AddedVocabulary does.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace headscope::tok {

struct AddedToken {
    int32_t id = 0;
    std::string content;
    bool special = false;
    bool singleWord = false;  // match only when not inside a word
    bool lstrip = false;      // swallow the whitespace before the token
    bool rstrip = false;      // swallow the whitespace after it
    bool normalized = false;  // match in the normalised text rather than the raw text
};

struct TextPart {
    std::size_t begin;
    std::size_t end;
    int32_t addedId;  // -1 for ordinary text
};

// Finds added tokens in a text: leftmost match first, the longest one where several start at the same
// place (aho-corasick "leftmost longest"), then applies single_word, lstrip and rstrip.
class AddedTokenMatcher {
public:
    // `patterns[i]` is the text to look for (the normalised content for normalized tokens).
    AddedTokenMatcher() = default;
    AddedTokenMatcher(std::vector<AddedToken> tokens, std::vector<std::string> patterns);

    // Parts covering the whole text, in order; empty text gives no parts.
    std::vector<TextPart> split(std::string_view text) const;

private:
    struct Match {
        std::size_t begin;
        std::size_t end;
        std::size_t token;
    };
    bool findNext(std::string_view text, std::size_t from, Match& match) const;

    std::vector<AddedToken> tokens_;
    std::vector<std::string> patterns_;
    std::array<std::vector<std::size_t>, 256> byFirstByte_;  // token indices, longest pattern first
};

}  // namespace headscope::tok
