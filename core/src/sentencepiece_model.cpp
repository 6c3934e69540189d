#include "sentencepiece_model.h"

#include "headscope/error.h"
#include "headscope/text_files.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace headscope::tok {
namespace {

enum class WireType {
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
};

// Field numbers of sentencepiece_model.proto.
namespace field {
constexpr uint32_t kPieces = 1, kTrainerSpec = 2, kNormalizerSpec = 3, kDenormalizerSpec = 5;
constexpr uint32_t kPiece = 1, kScore = 2, kType = 3;
constexpr uint32_t kModelType = 3, kTreatWhitespaceAsSuffix = 24, kByteFallback = 35, kUnkSurface = 44;
constexpr uint32_t kName = 1, kPrecompiledCharsmap = 2, kAddDummyPrefix = 3, kRemoveExtraWhitespaces = 4,
                   kEscapeWhitespaces = 5;
}  // namespace field

constexpr int kBpeModelType = 2;
constexpr const char* kModelTypeNames[] = {"", "UNIGRAM", "BPE", "WORD", "CHAR"};
constexpr int kMaxGroupDepth = 100;  // protobuf's own recursion limit

struct FieldKey {
    uint32_t number;
    WireType type;
};

// A bounds-checked reader of the protobuf wire format over one message. Every failure is a FormatError
// that names the file and the byte offset in it.
class WireReader {
public:
    WireReader(std::string_view data, const std::string& path, std::size_t fileOffset = 0)
        : data_(data), path_(path), fileOffset_(fileOffset) {}

    bool atEnd() const { return pos_ == data_.size(); }

    FieldKey readKey() {
        const std::size_t start = pos_;
        const uint64_t key = readVarint();
        const uint64_t number = key >> 3;
        const uint64_t type = key & 7;
        if (number == 0 || number > 0x1FFFFFFF) failAt(start, "invalid field number");
        if (type > 5) failAt(start, "invalid wire type " + std::to_string(type));
        return {static_cast<uint32_t>(number), static_cast<WireType>(type)};
    }

    uint64_t readVarint() {
        const std::size_t start = pos_;
        uint64_t value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos_ == data_.size()) failAt(start, "a varint runs past the end of the data");
            const auto byte = static_cast<unsigned char>(data_[pos_++]);
            value |= uint64_t{byte & 0x7Fu} << shift;
            if (!(byte & 0x80)) return value;
        }
        failAt(start, "a varint is longer than 10 bytes");
    }

    // A length-delimited field's payload with the offset of its first byte in the file.
    std::pair<std::string_view, std::size_t> readLengthDelimited() {
        const std::size_t start = pos_;
        const uint64_t length = readVarint();
        if (length > data_.size() - pos_) failAt(start, "a field's length runs past the end of the data");
        const std::size_t payloadOffset = fileOffset_ + pos_;
        const std::string_view payload = data_.substr(pos_, static_cast<std::size_t>(length));
        pos_ += static_cast<std::size_t>(length);
        return {payload, payloadOffset};
    }

    std::string_view readBytes() { return readLengthDelimited().first; }

    WireReader readMessage() {
        const auto [payload, offset] = readLengthDelimited();
        return WireReader(payload, path_, offset);
    }

    float readFloat() {
        const std::string_view bytes = readFixed(4);
        const uint32_t bits = uint32_t{static_cast<unsigned char>(bytes[0])} |
                              uint32_t{static_cast<unsigned char>(bytes[1])} << 8 |
                              uint32_t{static_cast<unsigned char>(bytes[2])} << 16 |
                              uint32_t{static_cast<unsigned char>(bytes[3])} << 24;
        float value;
        std::memcpy(&value, &bits, sizeof value);
        return value;
    }

    // Skips the payload of a field this reader does not use.
    void skip(FieldKey key, int depth = 0) {
        switch (key.type) {
        case WireType::Varint: readVarint(); return;
        case WireType::Fixed64: readFixed(8); return;
        case WireType::LengthDelimited: readLengthDelimited(); return;
        case WireType::Fixed32: readFixed(4); return;
        case WireType::StartGroup: skipGroup(key.number, depth); return;
        case WireType::EndGroup: fail("an end-group tag without its start");
        }
    }

    // Checks that a field this reader uses has the wire type its proto type is written with.
    void expect(FieldKey key, WireType type) const {
        if (key.type != type)
            fail("field " + std::to_string(key.number) + " has wire type " +
                 std::to_string(static_cast<int>(key.type)) + " instead of " +
                 std::to_string(static_cast<int>(type)));
    }

    [[noreturn]] void fail(const std::string& what) const { failAt(pos_, what); }

private:
    std::string_view readFixed(std::size_t size) {
        if (size > data_.size() - pos_) failAt(pos_, "a fixed-size field runs past the end of the data");
        const std::string_view bytes = data_.substr(pos_, size);
        pos_ += size;
        return bytes;
    }

    void skipGroup(uint32_t number, int depth) {
        if (depth >= kMaxGroupDepth) fail("groups are nested too deeply");
        for (;;) {
            if (atEnd()) fail("a group runs past the end of the data");
            const FieldKey key = readKey();
            if (key.type == WireType::EndGroup) {
                if (key.number != number) fail("a group ends with the wrong field number");
                return;
            }
            skip(key, depth + 1);
        }
    }

    [[noreturn]] void failAt(std::size_t pos, const std::string& what) const {
        throw FormatError(path_ + ": not a valid SentencePiece model (" + what + ", at byte " +
                          std::to_string(fileOffset_ + pos) + ")");
    }

    std::string_view data_;
    std::size_t pos_ = 0;
    const std::string& path_;
    std::size_t fileOffset_;
};

// The parts of ModelProto that are checked but not kept in SentencePieceModel.
struct ParsedModel {
    SentencePieceModel model;
    int64_t modelType = 1;  // UNIGRAM, the proto's default
    bool treatWhitespaceAsSuffix = false;
    std::string normalizerName;
    bool hasPrecompiledCharsmap = false;
    bool hasDenormalizerCharsmap = false;
};

bool readBool(WireReader& reader, FieldKey key) {
    reader.expect(key, WireType::Varint);
    return reader.readVarint() != 0;
}

std::string readString(WireReader& reader, FieldKey key) {
    reader.expect(key, WireType::LengthDelimited);
    return std::string(reader.readBytes());
}

// An enum field as protobuf reads it: an int32 sign-extended to 64 bits on the wire.
int64_t readEnum(WireReader& reader, FieldKey key) {
    reader.expect(key, WireType::Varint);
    return static_cast<int64_t>(reader.readVarint());
}

SentencePieceEntry readPiece(WireReader reader) {
    SentencePieceEntry entry;
    while (!reader.atEnd()) {
        const FieldKey key = reader.readKey();
        if (key.number == field::kPiece) {
            entry.piece = readString(reader, key);
        } else if (key.number == field::kScore) {
            reader.expect(key, WireType::Fixed32);
            entry.score = reader.readFloat();
        } else if (key.number == field::kType) {
            const int64_t type = readEnum(reader, key);
            if (type < 1 || type > 6) reader.fail("unknown piece type " + std::to_string(type));
            entry.type = static_cast<PieceType>(type);
        } else {
            reader.skip(key);
        }
    }
    return entry;
}

// Repeated occurrences of a message field merge into one, as protobuf does: later fields override.
void readTrainerSpec(WireReader reader, ParsedModel& parsed) {
    while (!reader.atEnd()) {
        const FieldKey key = reader.readKey();
        if (key.number == field::kModelType)
            parsed.modelType = readEnum(reader, key);
        else if (key.number == field::kTreatWhitespaceAsSuffix)
            parsed.treatWhitespaceAsSuffix = readBool(reader, key);
        else if (key.number == field::kByteFallback)
            parsed.model.byteFallback = readBool(reader, key);
        else if (key.number == field::kUnkSurface)
            parsed.model.unkSurface = readString(reader, key);
        else
            reader.skip(key);
    }
}

void readNormalizerSpec(WireReader reader, ParsedModel& parsed) {
    SentencePieceModel& model = parsed.model;
    while (!reader.atEnd()) {
        const FieldKey key = reader.readKey();
        if (key.number == field::kName)
            parsed.normalizerName = readString(reader, key);
        else if (key.number == field::kPrecompiledCharsmap)
            parsed.hasPrecompiledCharsmap = !readString(reader, key).empty();
        else if (key.number == field::kAddDummyPrefix)
            model.addDummyPrefix = readBool(reader, key);
        else if (key.number == field::kRemoveExtraWhitespaces)
            model.removeExtraWhitespaces = readBool(reader, key);
        else if (key.number == field::kEscapeWhitespaces)
            model.escapeWhitespaces = readBool(reader, key);
        else
            reader.skip(key);
    }
}

// Only the denormaliser's character map matters: the library denormalises decoded text when it has one.
void readDenormalizerSpec(WireReader reader, ParsedModel& parsed) {
    while (!reader.atEnd()) {
        const FieldKey key = reader.readKey();
        if (key.number == field::kPrecompiledCharsmap)
            parsed.hasDenormalizerCharsmap = !readString(reader, key).empty();
        else
            reader.skip(key);
    }
}

ParsedModel readModelProto(std::string_view serialized, const std::string& path) {
    ParsedModel parsed;
    WireReader reader(serialized, path);
    while (!reader.atEnd()) {
        const FieldKey key = reader.readKey();
        const bool isMessage = key.number == field::kPieces || key.number == field::kTrainerSpec ||
                               key.number == field::kNormalizerSpec || key.number == field::kDenormalizerSpec;
        if (!isMessage) {
            reader.skip(key);
            continue;
        }
        reader.expect(key, WireType::LengthDelimited);
        WireReader message = reader.readMessage();
        if (key.number == field::kPieces)
            parsed.model.pieces.push_back(readPiece(message));
        else if (key.number == field::kTrainerSpec)
            readTrainerSpec(message, parsed);
        else if (key.number == field::kNormalizerSpec)
            readNormalizerSpec(message, parsed);
        else
            readDenormalizerSpec(message, parsed);
    }
    return parsed;
}

std::string modelTypeName(int64_t type) {
    if (type >= 1 && type <= 4) return kModelTypeNames[type];
    return "number " + std::to_string(type);
}

// Refuses what HeadScope's BPE encoder would get wrong rather than tokenising differently from the library.
void checkSupported(const ParsedModel& parsed, const std::string& path) {
    if (parsed.modelType != kBpeModelType)
        throw FormatError(path + ": the SentencePiece model type is " + modelTypeName(parsed.modelType) +
                          "; HeadScope supports BPE models (as LLaMA uses) only");
    // The normaliser's name only says how the model was trained; the character map is what normalises, and
    // without one the library leaves the text as it is (the "identity" normaliser).
    if (parsed.hasPrecompiledCharsmap)
        throw FormatError(path + ": the SentencePiece normaliser \"" + parsed.normalizerName +
                          "\" uses a precompiled character map (such as NFKC), which HeadScope does not "
                          "support; only the identity normaliser is supported");
    if (parsed.hasDenormalizerCharsmap)
        throw FormatError(path + ": the SentencePiece model has a denormaliser character map, which "
                          "HeadScope does not support");
    if (parsed.treatWhitespaceAsSuffix)
        throw FormatError(path + ": the SentencePiece model treats whitespace as a suffix, which HeadScope "
                          "does not support");
}

// The vocabulary checks of the library's ModelInterface::InitializePieces.
void checkPieces(const SentencePieceModel& model, const std::string& path) {
    const auto fail = [&](const std::string& what) {
        throw FormatError(path + ": invalid SentencePiece vocabulary (" + what + ")");
    };
    if (model.pieces.empty()) throw FormatError(path + ": the SentencePiece model has no pieces");
    if (model.pieces.size() > static_cast<std::size_t>(INT32_MAX)) fail("too many pieces");
    // Ordinary and reserved pieces are looked up in separate tables, so a text may appear once in each.
    std::unordered_set<std::string_view> ordinary, reserved;
    std::array<bool, 256> bytesFound{};
    int unknownCount = 0;
    for (std::size_t id = 0; id < model.pieces.size(); ++id) {
        const SentencePieceEntry& entry = model.pieces[id];
        const std::string name = "piece " + std::to_string(id);
        if (entry.piece.empty()) fail(name + " is empty");
        const bool isOrdinary = entry.type == PieceType::Normal || entry.type == PieceType::UserDefined ||
                                entry.type == PieceType::Unused;
        if (!(isOrdinary ? ordinary : reserved).insert(entry.piece).second)
            fail(name + " \"" + entry.piece + "\" is already defined");
        unknownCount += entry.type == PieceType::Unknown;
        if (entry.type != PieceType::Byte) continue;
        if (!model.byteFallback) fail(name + " is a byte piece although byte_fallback is off");
        const int byte = bytePieceValue(entry.piece);
        if (byte < 0) fail(name + " \"" + entry.piece + "\" is not a valid byte piece");
        bytesFound[static_cast<std::size_t>(byte)] = true;
    }
    if (unknownCount != 1) fail(unknownCount == 0 ? "no unknown piece" : "more than one unknown piece");
    for (bool found : bytesFound)
        if (model.byteFallback && !found) fail("byte_fallback is on but not all 256 byte pieces exist");
}

}  // namespace

SentencePieceModel parseSentencePieceModel(std::string_view serialized, const std::string& path) {
    ParsedModel parsed = readModelProto(serialized, path);
    checkSupported(parsed, path);
    checkPieces(parsed.model, path);
    return std::move(parsed.model);
}

SentencePieceModel loadSentencePieceModel(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        throw FormatError(path + ": SentencePiece model file not found");
    // Regular files only and bounded (a few MB in practice): a FIFO or a link to /dev/zero is refused.
    return parseSentencePieceModel(readBoundedFile(path, kMaxJsonFileBytes), path);
}

std::string bytePieceName(unsigned char byte) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    return std::string("<0x") + kHex[byte >> 4] + kHex[byte & 0xF] + ">";
}

int bytePieceValue(std::string_view piece) {
    const auto hexDigit = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;  // the names are upper case only
    };
    if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
    const int high = hexDigit(piece[3]);
    const int low = hexDigit(piece[4]);
    return high < 0 || low < 0 ? -1 : high * 16 + low;
}

}  // namespace headscope::tok
