#include "tokenizer_unicode.h"

#include "headscope/error.h"

#include <cstdlib>
#include <memory>
#include <utf8proc.h>

namespace headscope::tok {
namespace {

constexpr char kReplacementCharacter[] = "\xEF\xBF\xBD";

// Length of the well-formed prefix of the sequence starting at bytes[pos] and whether it is complete.
// Follows the Unicode "maximal subpart" rule that Python and Rust use for replacement.
struct SequenceScan {
    std::size_t length;
    bool complete;
};

SequenceScan scanSequence(std::string_view bytes, std::size_t pos) {
    const auto lead = static_cast<uint8_t>(bytes[pos]);
    if (lead < 0x80) return {1, true};
    int continuationCount = 0;
    uint8_t low = 0x80, high = 0xBF;  // allowed range of the first continuation byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        continuationCount = 1;
    } else if (lead == 0xE0) {
        continuationCount = 2, low = 0xA0;
    } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
        continuationCount = 2;
    } else if (lead == 0xED) {
        continuationCount = 2, high = 0x9F;  // excludes surrogates
    } else if (lead == 0xF0) {
        continuationCount = 3, low = 0x90;
    } else if (lead >= 0xF1 && lead <= 0xF3) {
        continuationCount = 3;
    } else if (lead == 0xF4) {
        continuationCount = 3, high = 0x8F;  // nothing above U+10FFFF
    } else {
        return {1, false};
    }
    std::size_t end = pos + 1;
    for (int i = 0; i < continuationCount; ++i, ++end) {
        if (end >= bytes.size()) return {end - pos, false};
        const auto byte = static_cast<uint8_t>(bytes[end]);
        if (byte < low || byte > high) return {end - pos, false};
        low = 0x80, high = 0xBF;
    }
    return {end - pos, true};
}

}  // namespace

bool isValidUtf8(std::string_view text, std::size_t* badOffset) {
    for (std::size_t pos = 0; pos < text.size();) {
        if (static_cast<uint8_t>(text[pos]) < 0x80) {
            ++pos;
            continue;
        }
        const SequenceScan scan = scanSequence(text, pos);
        if (!scan.complete) {
            if (badOffset) *badOffset = pos;
            return false;
        }
        pos += scan.length;
    }
    return true;
}

std::size_t decodeCodePoint(std::string_view text, std::size_t pos, char32_t& codePoint) {
    const auto lead = static_cast<uint8_t>(text[pos]);
    std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    length = std::min(length, text.size() - pos);
    static constexpr uint8_t kLeadPayloadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    codePoint = lead & kLeadPayloadMask[length];
    for (std::size_t i = 1; i < length; ++i)
        codePoint = (codePoint << 6) | (static_cast<uint8_t>(text[pos + i]) & 0x3F);
    return length;
}

void appendUtf8(std::string& out, char32_t codePoint) {
    if (codePoint < 0x80) {
        out += static_cast<char>(codePoint);
    } else if (codePoint < 0x800) {
        out += static_cast<char>(0xC0 | (codePoint >> 6));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    } else if (codePoint < 0x10000) {
        out += static_cast<char>(0xE0 | (codePoint >> 12));
        out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (codePoint >> 18));
        out += static_cast<char>(0x80 | ((codePoint >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    }
}

std::string repairUtf8(std::string_view bytes) {
    std::string text;
    text.reserve(bytes.size());
    for (std::size_t pos = 0; pos < bytes.size();) {
        const SequenceScan scan = scanSequence(bytes, pos);
        if (scan.complete)
            text.append(bytes.substr(pos, scan.length));
        else
            text += kReplacementCharacter;
        pos += scan.length;
    }
    return text;
}

bool isAscii(std::string_view text) {
    for (char c : text)
        if (static_cast<uint8_t>(c) >= 0x80) return false;
    return true;
}

bool isUnicodeWhitespace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

bool isWordCharacter(char32_t c) {
    if (c == 0x200C || c == 0x200D) return true;  // join controls count as word characters
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_PC:
        return true;
    default:
        return false;
    }
}

std::string normalizeUnicode(std::string_view text, NormalForm form) {
    if (isAscii(text)) return std::string(text);  // ASCII is invariant under all four forms
    int options = UTF8PROC_STABLE;
    switch (form) {
    case NormalForm::NFC: options |= UTF8PROC_COMPOSE; break;
    case NormalForm::NFD: options |= UTF8PROC_DECOMPOSE; break;
    case NormalForm::NFKC: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case NormalForm::NFKD: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
    }
    utf8proc_uint8_t* mapped = nullptr;
    const utf8proc_ssize_t length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                                 static_cast<utf8proc_ssize_t>(text.size()), &mapped,
                                                 static_cast<utf8proc_option_t>(options));
    std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
    if (length < 0)
        throw InvalidInputError(std::string("Unicode normalisation failed: ") + utf8proc_errmsg(length));
    return std::string(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(length));
}

const ByteLevelAlphabet& ByteLevelAlphabet::instance() {
    static const ByteLevelAlphabet alphabet;
    return alphabet;
}

ByteLevelAlphabet::ByteLevelAlphabet() {
    codePointToByte_.fill(-1);
    char32_t nextUnprintable = 0x100;
    for (int byte = 0; byte < 256; ++byte) {
        const bool printable = (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || byte >= 0xAE;
        const char32_t codePoint = printable ? static_cast<char32_t>(byte) : nextUnprintable++;
        appendUtf8(byteToText_[byte], codePoint);
        codePointToByte_[codePoint] = static_cast<int16_t>(byte);
    }
}

std::string ByteLevelAlphabet::encode(std::string_view bytes) const {
    std::string text;
    text.reserve(bytes.size() * 2);
    for (char byte : bytes) text += byteToText_[static_cast<uint8_t>(byte)];
    return text;
}

void ByteLevelAlphabet::decodeToken(std::string_view token, std::string& bytes) const {
    const std::size_t start = bytes.size();
    for (std::size_t pos = 0; pos < token.size();) {
        char32_t codePoint = 0;
        pos += decodeCodePoint(token, pos, codePoint);
        if (codePoint >= kMaxCodePoint || codePointToByte_[codePoint] < 0) {
            bytes.resize(start);
            bytes.append(token);
            return;
        }
        bytes += static_cast<char>(codePointToByte_[codePoint]);
    }
}

}  // namespace headscope::tok
