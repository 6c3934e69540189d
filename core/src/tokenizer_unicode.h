// UTF-8 and Unicode helpers of the tokenizer: validation, lossy repair, normalisation forms, character
// classes, and the GPT-2 byte-level alphabet that maps every byte to a printable character.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace headscope::tok {

// Returns true when `text` is well-formed UTF-8; otherwise stores the offset of the first bad byte.
bool isValidUtf8(std::string_view text, std::size_t* badOffset = nullptr);

// Decodes the code point starting at text[pos] of valid UTF-8 text; returns its length in bytes.
std::size_t decodeCodePoint(std::string_view text, std::size_t pos, char32_t& codePoint);
void appendUtf8(std::string& out, char32_t codePoint);

// Turns arbitrary bytes into valid UTF-8 the way Python's bytes.decode(errors="replace") does: every
// maximal ill-formed subsequence becomes one U+FFFD.
std::string repairUtf8(std::string_view bytes);

bool isAscii(std::string_view text);
bool isUnicodeWhitespace(char32_t codePoint);  // the White_Space property, as regex \s
bool isWordCharacter(char32_t codePoint);      // as Unicode regex \w

enum class NormalForm { NFC, NFD, NFKC, NFKD };
std::string normalizeUnicode(std::string_view text, NormalForm form);

// The GPT-2 bytes_to_unicode table: printable Latin-1 bytes map to themselves, the others to U+0100.. in
// byte order, so that every byte sequence becomes a string of visible characters (space -> 'Ġ').
class ByteLevelAlphabet {
public:
    static const ByteLevelAlphabet& instance();

    std::string encode(std::string_view bytes) const;
    // Appends the bytes a token stands for; a token with a character outside the alphabet is appended
    // unchanged (as the Hugging Face ByteLevel decoder does).
    void decodeToken(std::string_view token, std::string& bytes) const;

private:
    ByteLevelAlphabet();
    static constexpr char32_t kMaxCodePoint = 0x144;
    std::array<std::string, 256> byteToText_;
    std::array<int16_t, kMaxCodePoint> codePointToByte_{};
};

}  // namespace headscope::tok
