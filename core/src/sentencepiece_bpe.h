// SentencePiece's BPE model with the identity normaliser: encodes text to piece ids and decodes pieces to
// text with the results of libsentencepiece's SentencePieceProcessor::Encode and Decode.
#pragma once
#include "sentencepiece_model.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace headscope::tok {

class SentencePieceBpe {
public:
    explicit SentencePieceBpe(SentencePieceModel model);
    // The lookup tables point into the model's pieces, so the object stays where it was made.
    SentencePieceBpe(const SentencePieceBpe&) = delete;
    SentencePieceBpe& operator=(const SentencePieceBpe&) = delete;

    // Normalises the text (whitespace escaping, dummy prefix) and returns its piece ids.
    std::vector<int> encode(std::string_view text) const;
    // Joins pieces into text: byte pieces become bytes (U+FFFD for each byte of a broken character), "▁"
    // becomes a space, control pieces vanish, and with the dummy prefix on the first piece loses its "▁".
    std::string decodePieces(const std::vector<std::string>& pieces) const;

    int pieceCount() const { return static_cast<int>(model_.pieces.size()); }
    int pieceToId(std::string_view piece) const;  // the unknown piece's id when no piece has this text
    const std::string& idToPiece(int id) const { return entry(id).piece; }

private:
    using Segment = std::pair<std::string_view, int>;  // a piece of the normalised text and its id
    // How an unused piece was merged: it is split again into these two halves.
    using UnusedSplits = std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>>;

    std::size_t userDefinedPrefixLength(std::string_view text) const;
    std::string normalize(std::string_view text) const;
    std::vector<Segment> segment(std::string_view normalized) const;
    void resegment(std::string_view piece, const UnusedSplits& splits, std::vector<Segment>& out) const;
    std::vector<int> toIds(const std::vector<Segment>& segments) const;
    std::string decodePiece(std::string_view piece, int id, bool atStart, bool& consumedPrefix) const;
    const SentencePieceEntry& entry(int id) const { return model_.pieces.at(static_cast<std::size_t>(id)); }
    PieceType typeOf(int id) const { return entry(id).type; }

    SentencePieceModel model_;
    std::unordered_map<std::string_view, int> ordinaryIds_;  // normal, user-defined and unused pieces
    std::unordered_map<std::string_view, int> reservedIds_;  // control, unknown and byte pieces
    std::unordered_set<std::string_view> userDefined_;
    std::size_t longestUserDefined_ = 0;
    int unknownId_ = 0;
};

}  // namespace headscope::tok
