// A SentencePiece tokenizer.model (a serialised sentencepiece.ModelProto), read without libsentencepiece or
// protobuf: only the parts a BPE model with the identity normaliser needs, checked as the library checks
// them when it loads a model.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace headscope::tok {

// ModelProto.SentencePiece.Type, with the proto's numbers.
enum class PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

struct SentencePieceEntry {
    std::string piece;
    float score = 0.0f;
    PieceType type = PieceType::Normal;
};

// The settings of a BPE model that change how it encodes and decodes; defaults are the proto's.
struct SentencePieceModel {
    std::vector<SentencePieceEntry> pieces;  // the index is the id
    bool byteFallback = false;
    std::optional<std::string> unkSurface;  // what <unk> decodes to; nullopt: the library's " ⁇ "
    bool addDummyPrefix = true;
    bool removeExtraWhitespaces = true;
    bool escapeWhitespaces = true;
};

// Parses and checks a serialised ModelProto. Throws FormatError naming `path` for malformed protobuf data,
// an inconsistent vocabulary, or a model HeadScope cannot run exactly (not BPE, a precompiled normaliser).
SentencePieceModel parseSentencePieceModel(std::string_view serialized, const std::string& path);

// Reads and parses the file at `path`.
SentencePieceModel loadSentencePieceModel(const std::string& path);

// "<0x41>" for 0x41, as the byte pieces are named.
std::string bytePieceName(unsigned char byte);
// The byte a byte piece stands for, or -1 when `piece` is not named like one.
int bytePieceValue(std::string_view piece);

}  // namespace headscope::tok
