#include "tokenizer_bpe.h"

#include "headscope/error.h"
#include "tokenizer_json.h"
#include "tokenizer_unicode.h"

#include <cstdio>
#include <queue>

namespace headscope::tok {
namespace {

// Token ids beyond this are refused: a hostile file must not make us allocate gigabytes.
constexpr int32_t kMaxTokenId = 1 << 24;

struct Symbol {
    int32_t id;
    int32_t previous;  // index of the neighbouring live symbol, -1 at the ends
    int32_t next;
    bool alive;
};

// A possible merge of the symbol at `position` with its right neighbour; the lowest rank wins, and among
// equal ranks the leftmost, as in `tokenizers`' Word::merge_all.
struct Candidate {
    int32_t rank;
    int32_t position;
    int32_t leftId;
    int32_t rightId;
    int32_t mergedId;
    bool operator>(const Candidate& other) const {
        return rank != other.rank ? rank > other.rank : position > other.position;
    }
};

}  // namespace

BpeModel::BpeModel(Vocabulary vocabulary, const MergeList& merges, BpeOptions options,
                   const BpeSource& source)
    : vocabulary_(std::move(vocabulary)), options_(std::move(options)) {
    int32_t largestId = -1;
    for (const auto& [token, id] : vocabulary_) {
        if (id < 0 || id >= kMaxTokenId)
            throw FormatError(source.vocabFile + ": " + fieldPath(source.vocabField, token) + ": id " +
                              std::to_string(id) + " is outside 0.." + std::to_string(kMaxTokenId - 1));
        largestId = std::max(largestId, id);
    }
    tokens_.resize(static_cast<std::size_t>(largestId + 1));
    hasToken_.resize(tokens_.size());
    for (const auto& [token, id] : vocabulary_) {
        tokens_[id] = token;
        hasToken_[id] = true;
    }
    merges_.reserve(merges.size());
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [left, right] = merges[rank];
        const auto fail = [&](const std::string& token) {
            return FormatError(source.mergesFile + ": " + source.mergesField + "[" + std::to_string(rank) +
                               "]: token '" + token + "' is not in the vocabulary");
        };
        const auto leftId = tokenToId(left), rightId = tokenToId(right), mergedId = tokenToId(left + right);
        if (!leftId) throw fail(left);
        if (!rightId) throw fail(right);
        if (!mergedId) throw fail(left + right);
        // A repeated pair keeps its first (best) rank.
        merges_.emplace(pairKey(*leftId, *rightId), MergeRule{static_cast<int32_t>(rank), *mergedId});
    }
    if (options_.unkToken) {
        unkId_ = tokenToId(*options_.unkToken);
        if (!unkId_)
            throw FormatError(source.vocabFile + ": unk_token: '" + *options_.unkToken +
                              "' is not in the vocabulary");
    }
}

std::optional<int32_t> BpeModel::tokenToId(const std::string& token) const {
    const auto found = vocabulary_.find(token);
    if (found == vocabulary_.end()) return std::nullopt;
    return found->second;
}

const std::string* BpeModel::idToToken(int32_t id) const {
    if (id < 0 || id >= idLimit() || !hasToken_[id]) return nullptr;
    return &tokens_[id];
}

// One symbol per character; characters missing from the vocabulary become byte tokens or unk, or are
// dropped when neither is configured (what `tokenizers` does).
std::vector<int32_t> BpeModel::initialSymbols(std::string_view piece) const {
    std::vector<int32_t> symbols;
    symbols.reserve(piece.size());
    bool previousWasUnk = false;
    for (std::size_t pos = 0; pos < piece.size();) {
        char32_t codePoint = 0;
        const std::size_t length = decodeCodePoint(piece, pos, codePoint);
        const std::string character(piece.substr(pos, length));
        pos += length;
        if (const auto id = tokenToId(character)) {
            symbols.push_back(*id);
            previousWasUnk = false;
            continue;
        }
        if (options_.byteFallback) {
            std::vector<int32_t> byteIds;
            for (char byte : character) {
                char name[8];
                std::snprintf(name, sizeof name, "<0x%02X>",
                              static_cast<unsigned>(static_cast<uint8_t>(byte)));
                if (const auto id = tokenToId(name)) byteIds.push_back(*id);
            }
            if (byteIds.size() == character.size()) {
                symbols.insert(symbols.end(), byteIds.begin(), byteIds.end());
                previousWasUnk = false;
                continue;
            }
        }
        if (unkId_ && !(options_.fuseUnk && previousWasUnk)) symbols.push_back(*unkId_);
        previousWasUnk = unkId_.has_value();
    }
    return symbols;
}

std::vector<int32_t> BpeModel::mergePiece(std::string_view piece) const {
    if (options_.ignoreMerges) {
        if (const auto id = tokenToId(std::string(piece))) return {*id};
    }
    const std::vector<int32_t> initial = initialSymbols(piece);
    std::vector<Symbol> symbols(initial.size());
    for (std::size_t i = 0; i < initial.size(); ++i)
        symbols[i] = {initial[i], static_cast<int32_t>(i) - 1,
                      i + 1 < initial.size() ? static_cast<int32_t>(i + 1) : -1, true};

    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
    const auto consider = [&](int32_t position) {
        if (position < 0 || symbols[position].next < 0) return;
        const int32_t left = symbols[position].id, right = symbols[symbols[position].next].id;
        const auto rule = merges_.find(pairKey(left, right));
        if (rule != merges_.end())
            queue.push({rule->second.rank, position, left, right, rule->second.mergedId});
    };
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) consider(static_cast<int32_t>(i));

    while (!queue.empty()) {
        const Candidate best = queue.top();
        queue.pop();
        Symbol& left = symbols[best.position];
        // Skip candidates made stale by an earlier merge of either symbol.
        if (!left.alive || left.next < 0 || left.id != best.leftId || symbols[left.next].id != best.rightId)
            continue;
        Symbol& right = symbols[left.next];
        left.id = best.mergedId;
        right.alive = false;
        left.next = right.next;
        if (right.next >= 0) symbols[right.next].previous = best.position;
        consider(left.previous);
        consider(best.position);
    }

    std::vector<int32_t> ids;
    for (const Symbol& symbol : symbols)
        if (symbol.alive) ids.push_back(symbol.id);
    return ids;
}

void BpeModel::tokenize(std::string_view piece, std::vector<int32_t>& ids) const {
    const bool cacheable = piece.size() <= kMaxCachedPieceBytes;
    std::string key;
    if (cacheable) {
        key.assign(piece);
        std::lock_guard<std::mutex> lock(cacheMutex_);
        const auto hit = cache_.find(key);
        if (hit != cache_.end()) {
            ids.insert(ids.end(), hit->second.begin(), hit->second.end());
            return;
        }
    }
    std::vector<int32_t> merged = mergePiece(piece);
    ids.insert(ids.end(), merged.begin(), merged.end());
    if (!cacheable) return;
    std::lock_guard<std::mutex> lock(cacheMutex_);
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();  // bounded memory; hot pieces come back quickly
    cache_.emplace(std::move(key), std::move(merged));
}

}  // namespace headscope::tok
