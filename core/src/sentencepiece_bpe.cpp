#include "sentencepiece_bpe.h"

#include <algorithm>
#include <queue>

namespace headscope::tok {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // "▁", SentencePiece's visible space
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";
constexpr std::string_view kDefaultUnkSurface = " \xE2\x81\x87 ";  // " ⁇ "

bool startsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

bool endsWith(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// The byte length of the character a lead byte starts, not checking the rest (the library's OneCharLen).
std::size_t leadByteLength(char lead) {
    static constexpr unsigned char kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return kLengths[static_cast<unsigned char>(lead) >> 4];
}

// The length of the well-formed UTF-8 character at the start of `text`, or 0 when it is malformed
// (overlong, a surrogate, beyond U+10FFFF, or cut short), judged as the library's DecodeUTF8 does.
std::size_t validCharLength(std::string_view text) {
    const auto byteAt = [&](std::size_t i) { return char32_t{static_cast<unsigned char>(text[i])}; };
    const auto isTrail = [&](std::size_t i) { return (byteAt(i) & 0xC0) == 0x80; };
    const char32_t lead = byteAt(0);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    char32_t codePoint = 0;
    char32_t smallest = 0;
    if (text.size() >= 2 && (lead & 0xE0) == 0xC0) {
        length = 2;
        codePoint = lead & 0x1F;
        smallest = 0x80;
    } else if (text.size() >= 3 && (lead & 0xF0) == 0xE0) {
        length = 3;
        codePoint = lead & 0x0F;
        smallest = 0x800;
    } else if (text.size() >= 4 && (lead & 0xF8) == 0xF0) {
        length = 4;
        codePoint = lead & 0x07;
        smallest = 0x10000;
    } else {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if (!isTrail(i)) return 0;
        codePoint = (codePoint << 6) | (byteAt(i) & 0x3F);
    }
    const bool isScalarValue = codePoint < 0xD800 || (codePoint >= 0xE000 && codePoint <= 0x10FFFF);
    return codePoint >= smallest && isScalarValue ? length : 0;
}

// Appends the bytes of a run of byte pieces; each byte of a malformed character becomes one U+FFFD.
void appendBytes(std::string& text, std::string_view bytes) {
    while (!bytes.empty()) {
        const std::size_t length = validCharLength(bytes);
        if (length == 0) {
            text += kReplacementCharacter;
            bytes.remove_prefix(1);
        } else {
            text += bytes.substr(0, length);
            bytes.remove_prefix(length);
        }
    }
}

std::string replaceSpaceSymbols(std::string_view piece) {
    std::string text;
    for (std::size_t pos = 0; pos < piece.size();) {
        if (startsWith(piece.substr(pos), kSpaceSymbol)) {
            text += ' ';
            pos += kSpaceSymbol.size();
        } else {
            text += piece[pos++];
        }
    }
    return text;
}

// A symbol of the text being merged; merged symbols grow into the left one and leave the right one empty.
struct Symbol {
    int prev;
    int next;
    bool frozen;  // a user-defined piece, never merged with its neighbours
    std::string_view piece;
};

// Two neighbouring symbols whose concatenation is a piece. `size` tells whether the pair is still current:
// a merge on either side changes the symbols' combined length.
struct MergeCandidate {
    int left;
    int right;
    float score;
    std::size_t size;
};

// The highest score first; among equal scores the leftmost pair.
struct MergeOrder {
    bool operator()(const MergeCandidate& a, const MergeCandidate& b) const {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};

}  // namespace

SentencePieceBpe::SentencePieceBpe(SentencePieceModel model) : model_(std::move(model)) {
    for (int id = 0; id < pieceCount(); ++id) {
        const SentencePieceEntry& piece = entry(id);
        const bool isOrdinary = piece.type == PieceType::Normal || piece.type == PieceType::UserDefined ||
                                piece.type == PieceType::Unused;
        (isOrdinary ? ordinaryIds_ : reservedIds_).emplace(piece.piece, id);
        if (piece.type == PieceType::Unknown) unknownId_ = id;
        if (piece.type == PieceType::UserDefined) {
            userDefined_.insert(piece.piece);
            longestUserDefined_ = std::max(longestUserDefined_, piece.piece.size());
        }
    }
}

int SentencePieceBpe::pieceToId(std::string_view piece) const {
    // Reserved pieces first, as the library looks them up.
    for (const auto* ids : {&reservedIds_, &ordinaryIds_})
        if (const auto found = ids->find(piece); found != ids->end()) return found->second;
    return unknownId_;
}

std::size_t SentencePieceBpe::userDefinedPrefixLength(std::string_view text) const {
    for (std::size_t length = std::min(longestUserDefined_, text.size()); length > 0; --length)
        if (userDefined_.count(text.substr(0, length))) return length;
    return 0;
}

std::vector<int> SentencePieceBpe::encode(std::string_view text) const {
    const std::string normalized = normalize(text);
    return toIds(segment(normalized));
}

// The identity normaliser: user-defined pieces and characters pass unchanged (malformed bytes become
// U+FFFD), spaces become "▁", and the dummy prefix and the whitespace clean-up apply as configured.
std::string SentencePieceBpe::normalize(std::string_view text) const {
    const auto nextUnit = [this](std::string_view rest, std::size_t& consumed) {
        if ((consumed = userDefinedPrefixLength(rest)) > 0) return rest.substr(0, consumed);
        consumed = validCharLength(rest);
        if (consumed > 0) return rest.substr(0, consumed);
        consumed = 1;
        return kReplacementCharacter;
    };
    const bool removeExtra = model_.removeExtraWhitespaces;
    std::size_t consumed = 0;
    while (removeExtra && !text.empty() && nextUnit(text, consumed) == " ") text.remove_prefix(consumed);
    if (text.empty()) return {};

    const std::string_view space = model_.escapeWhitespaces ? kSpaceSymbol : " ";
    std::string normalized;
    if (model_.addDummyPrefix) normalized += space;
    // With the clean-up on, spaces after a space (or at the start) are dropped.
    bool afterSpace = removeExtra;
    while (!text.empty()) {
        std::string_view unit = nextUnit(text, consumed);
        while (afterSpace && startsWith(unit, " ")) unit.remove_prefix(1);
        for (char c : unit) {
            if (c == ' ')
                normalized += space;
            else
                normalized += c;
        }
        if (!unit.empty()) afterSpace = removeExtra && unit.back() == ' ';
        text.remove_prefix(consumed);
    }
    while (removeExtra && endsWith(normalized, space)) normalized.resize(normalized.size() - space.size());
    return normalized;
}

// SentencePiece's BPE: starting from characters (and whole user-defined pieces), merges the neighbouring
// pair whose concatenation is the piece with the highest score, leftmost first, until no pair is a piece.
std::vector<SentencePieceBpe::Segment> SentencePieceBpe::segment(std::string_view normalized) const {
    std::vector<Symbol> symbols;
    for (std::size_t pos = 0; pos < normalized.size();) {
        const std::string_view rest = normalized.substr(pos);
        const std::size_t userDefined = userDefinedPrefixLength(rest);
        const std::size_t length =
            userDefined > 0 ? userDefined : std::min(rest.size(), leadByteLength(rest[0]));
        const int index = static_cast<int>(symbols.size());
        symbols.push_back({index - 1, index + 1, userDefined > 0, rest.substr(0, length)});
        pos += length;
    }
    if (symbols.empty()) return {};
    symbols.back().next = -1;

    std::priority_queue<MergeCandidate, std::vector<MergeCandidate>, MergeOrder> agenda;
    UnusedSplits unusedSplits;
    const auto addCandidate = [&](int left, int right) {
        if (left < 0 || right < 0 || symbols[left].frozen || symbols[right].frozen) return;
        const std::string_view merged(symbols[left].piece.data(),
                                      symbols[left].piece.size() + symbols[right].piece.size());
        const auto found = ordinaryIds_.find(merged);
        if (found == ordinaryIds_.end()) return;
        agenda.push({left, right, entry(found->second).score, merged.size()});
        if (typeOf(found->second) == PieceType::Unused)
            unusedSplits[merged] = {symbols[left].piece, symbols[right].piece};
    };
    for (int i = 1; i < static_cast<int>(symbols.size()); ++i) addCandidate(i - 1, i);

    while (!agenda.empty()) {
        const MergeCandidate top = agenda.top();
        agenda.pop();
        Symbol& left = symbols[top.left];
        Symbol& right = symbols[top.right];
        if (left.piece.empty() || right.piece.empty() || left.piece.size() + right.piece.size() != top.size)
            continue;
        left.piece = std::string_view(left.piece.data(), top.size);
        left.next = right.next;
        if (right.next >= 0) symbols[right.next].prev = top.left;
        right.piece = {};
        addCandidate(left.prev, top.left);
        addCandidate(top.left, left.next);
    }

    std::vector<Segment> segments;
    for (int index = 0; index != -1; index = symbols[index].next)
        resegment(symbols[index].piece, unusedSplits, segments);
    return segments;
}

// An unused piece may serve as a step of a merge but never appears in the output: it is split back into
// the two symbols it was made of.
void SentencePieceBpe::resegment(std::string_view piece, const UnusedSplits& splits,
                                 std::vector<Segment>& out) const {
    const int id = pieceToId(piece);
    const auto split = splits.find(piece);
    if (typeOf(id) != PieceType::Unused || split == splits.end()) {
        out.emplace_back(piece, id);
        return;
    }
    resegment(split->second.first, splits, out);
    resegment(split->second.second, splits, out);
}

// Unknown symbols become their UTF-8 bytes' pieces with byte fallback; without it, a run of them becomes
// one unknown id.
std::vector<int> SentencePieceBpe::toIds(const std::vector<Segment>& segments) const {
    std::vector<int> ids;
    bool previousUnknown = false;
    for (const auto& [piece, id] : segments) {
        const bool unknown = typeOf(id) == PieceType::Unknown;
        if (unknown && model_.byteFallback) {
            for (char byte : piece) ids.push_back(pieceToId(bytePieceName(static_cast<unsigned char>(byte))));
        } else if (!(unknown && previousUnknown)) {
            ids.push_back(id);
        }
        previousUnknown = unknown;
    }
    return ids;
}

std::string SentencePieceBpe::decodePieces(const std::vector<std::string>& pieces) const {
    std::string text;
    std::string pendingBytes;  // consecutive byte pieces decode together, so that characters can span them
    bool atStart = true;
    bool consumedPrefix = false;
    for (const std::string& piece : pieces) {
        const int id = pieceToId(piece);
        if (typeOf(id) == PieceType::Byte) {
            pendingBytes += static_cast<char>(bytePieceValue(piece));
            continue;
        }
        appendBytes(text, pendingBytes);
        pendingBytes.clear();
        // The dummy prefix is looked for until some text or a removed prefix has been produced.
        if (consumedPrefix || !text.empty()) atStart = false;
        text += decodePiece(piece, id, atStart, consumedPrefix);
    }
    appendBytes(text, pendingBytes);
    return text;
}

std::string SentencePieceBpe::decodePiece(std::string_view piece, int id, bool atStart,
                                          bool& consumedPrefix) const {
    consumedPrefix = false;
    if (typeOf(id) == PieceType::Control) return {};
    if (typeOf(id) == PieceType::Unknown) {
        // Text that is no piece at all comes out as it is.
        if (idToPiece(id) != piece) return std::string(piece);
        return model_.unkSurface ? *model_.unkSurface : std::string(kDefaultUnkSurface);
    }
    const bool stripsPrefix = model_.addDummyPrefix || model_.removeExtraWhitespaces;
    if (atStart && stripsPrefix && startsWith(piece, kSpaceSymbol)) {
        piece.remove_prefix(kSpaceSymbol.size());
        // With the whitespace clean-up every leading "▁" goes, so the next piece is still at the start.
        consumedPrefix = !model_.removeExtraWhitespaces;
    }
    return replaceSpaceSymbols(piece);
}

}  // namespace headscope::tok
