// The BPE model of a Hugging Face tokenizer: a vocabulary, ranked merges and the merge loop that turns one
// pre-tokenised piece into token ids. Results are cached per piece.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace headscope::tok {

using Vocabulary = std::unordered_map<std::string, int32_t>;
using MergeList = std::vector<std::pair<std::string, std::string>>;

struct BpeOptions {
    std::optional<std::string> unkToken;  // replaces characters missing from the vocabulary
    bool fuseUnk = false;                 // consecutive unknown characters give one unk token
    bool byteFallback = false;            // unknown characters become their <0xXX> byte tokens
    bool ignoreMerges = false;            // a piece found whole in the vocabulary is kept as one token
};

// Where the model was read from, so that errors name the file and field.
struct BpeSource {
    std::string vocabFile;
    std::string vocabField;  // may be empty when the whole file is the vocabulary
    std::string mergesFile;
    std::string mergesField;
};

class BpeModel {
public:
    // Throws FormatError when a merge names a token (or yields one) that is not in the vocabulary, or when
    // the unk token is missing from it.
    BpeModel(Vocabulary vocabulary, const MergeList& merges, BpeOptions options, const BpeSource& source);

    // Appends the ids of one piece. Thread-safe: the cache is guarded by a mutex.
    void tokenize(std::string_view piece, std::vector<int32_t>& ids) const;

    std::optional<int32_t> tokenToId(const std::string& token) const;
    const std::string* idToToken(int32_t id) const;  // nullptr when no token has this id
    int32_t idLimit() const { return static_cast<int32_t>(tokens_.size()); }  // largest id + 1

private:
    struct MergeRule {
        int32_t rank;
        int32_t mergedId;
    };
    static uint64_t pairKey(int32_t left, int32_t right) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
    }

    std::vector<int32_t> initialSymbols(std::string_view piece) const;
    std::vector<int32_t> mergePiece(std::string_view piece) const;

    Vocabulary vocabulary_;
    std::vector<std::string> tokens_;  // by id; empty where the vocabulary has a hole
    std::vector<bool> hasToken_;
    std::unordered_map<uint64_t, MergeRule> merges_;
    BpeOptions options_;
    std::optional<int32_t> unkId_;

    static constexpr std::size_t kMaxCachedPieceBytes = 256;
    static constexpr std::size_t kMaxCacheEntries = 100000;
    mutable std::mutex cacheMutex_;
    mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace headscope::tok
