// Byte-level BPE training as Hugging Face `tokenizers`' BpeTrainer does it (models/bpe/trainer.rs) with
// the Qwen2 pre-tokenizer and the full ByteLevel alphabet as initial alphabet:
//   1. every text is cut into words (added tokens out, NFC, Qwen2's split pattern) and the words counted;
//   2. the vocabulary starts with the 256 byte characters sorted by code point;
//   3. each unique word becomes a list of symbol ids, and the count of every adjacent pair is its
//      occurrences (overlapping ones included, "aaa" holds ("a", "a") twice) times the word's count;
//   4. the best pair is merged in every word, left to right without overlaps, until the vocabulary is
//      large enough or the best pair occurs fewer than minFrequency times. The best pair has the highest
//      count; among equal counts the one with the smallest (left id, right id), as BpeTrainer's queue
//      orders them. A merge whose result is already a token (the same text reached by another split)
//      records the merge but adds no token, as BpeTrainer does.
// Pair counts are kept exact: a merge recounts only the words that hold the merged pair, found through a
// pair -> words index. (BpeTrainer leaves the merged pair's own count stale, which only matters when that
// pair forms again; here a pair that was merged before is merged again in the words but not listed twice,
// because loaders take one rank per pair.)
#include "headscope/bpe_training.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "headscope/error.h"
#include "qwen_tokenizer_files.h"
#include "tokenizer_added.h"
#include "tokenizer_pretokenize.h"
#include "tokenizer_regex.h"
#include "tokenizer_unicode.h"

namespace headscope {
namespace {

constexpr std::size_t kByteTokens = 256;

const tok::Regex& qwenPattern() {
    static const tok::Regex pattern(qwen::kPretokenizePattern, false, "Qwen2 pre-tokenizer pattern");
    return pattern;
}

const tok::AddedTokenMatcher& addedTokenMatcher() {
    static const tok::AddedTokenMatcher matcher = [] {
        std::vector<tok::AddedToken> tokens;
        std::vector<std::string> patterns;
        for (std::size_t i = 0; i < qwen::kAddedTokenCount; ++i) {
            tok::AddedToken token;
            token.id = static_cast<int32_t>(i);
            token.content = qwen::kAddedTokens[i];
            token.special = i < qwen::kSpecialTokenCount;
            tokens.push_back(token);
            patterns.push_back(token.content);
        }
        return tok::AddedTokenMatcher(std::move(tokens), std::move(patterns));
    }();
    return matcher;
}

// Calls visit(piece) for the raw bytes of each word of `text`, as the written tokenizer cuts it.
template <typename Visit>
void forEachWord(const std::string& text, const std::string& what, Visit&& visit) {
    std::size_t badOffset = 0;
    if (!tok::isValidUtf8(text, &badOffset))
        throw InvalidInputError(what + " is not valid UTF-8 (bad byte at offset " + std::to_string(badOffset) + ")");
    for (const tok::TextPart& part : addedTokenMatcher().split(text)) {
        if (part.addedId >= 0) continue;
        const std::string_view raw = std::string_view(text).substr(part.begin, part.end - part.begin);
        const std::string normalized = tok::normalizeUnicode(raw, tok::NormalForm::NFC);
        for (const std::string& piece : tok::splitText(normalized, qwenPattern(), tok::SplitBehavior::Isolated, false))
            visit(piece);
    }
}

// The 256 byte tokens in HF's order (by code point of the mapped character) and each byte's id.
struct ByteTokens {
    std::vector<std::string> tokens;
    std::array<int32_t, kByteTokens> idOfByte{};
};

ByteTokens byteTokens() {
    const auto& alphabet = tok::ByteLevelAlphabet::instance();
    std::vector<std::pair<std::string, int>> mapped;
    for (int byte = 0; byte < 256; ++byte) mapped.emplace_back(alphabet.encode(std::string(1, char(byte))), byte);
    std::sort(mapped.begin(), mapped.end());  // UTF-8 byte order is code point order
    ByteTokens result;
    for (std::size_t id = 0; id < mapped.size(); ++id) {
        result.tokens.push_back(mapped[id].first);
        result.idOfByte[static_cast<std::size_t>(mapped[id].second)] = static_cast<int32_t>(id);
    }
    return result;
}

uint64_t pairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}
int32_t leftOf(uint64_t key) { return static_cast<int32_t>(key >> 32); }
int32_t rightOf(uint64_t key) { return static_cast<int32_t>(key & 0xFFFFFFFFu); }

struct Word {
    std::vector<int32_t> symbols;
    int64_t count;
};

// A queue entry; entries whose count no longer matches the pair's current count are stale and skipped
// (every change of a count pushes a fresh entry).
struct Candidate {
    int64_t count;
    uint64_t key;
};
struct WorseCandidate {
    // std::priority_queue pops the largest: highest count first, then the smallest (left id, right id),
    // which is the smallest key.
    bool operator()(const Candidate& a, const Candidate& b) const {
        return a.count != b.count ? a.count < b.count : a.key > b.key;
    }
};

class Trainer {
public:
    Trainer(std::vector<Word> words, std::vector<std::string> vocab)
        : words_(std::move(words)), vocab_(std::move(vocab)), visitedAt_(words_.size(), 0) {
        for (std::size_t id = 0; id < vocab_.size(); ++id) idOfToken_.emplace(vocab_[id], static_cast<int32_t>(id));
        for (std::size_t w = 0; w < words_.size(); ++w) {
            const Word& word = words_[w];
            for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) {
                const uint64_t key = pairKey(word.symbols[i], word.symbols[i + 1]);
                pairCounts_[key] += word.count;
                indexWord(key, w);
            }
        }
        for (const auto& [key, count] : pairCounts_) queue_.push({count, key});
    }

    TrainedBpe run(const BpeTrainingOptions& options) {
        const auto minCount = static_cast<int64_t>(std::max<std::size_t>(options.minFrequency, 1));
        TrainedBpe result;
        while (vocab_.size() < options.vocabSize) {
            const Candidate* best = bestCandidate();
            if (!best || best->count < minCount) break;
            const uint64_t key = best->key;
            queue_.pop();
            const std::string& left = vocab_[leftOf(key)];
            const std::string& right = vocab_[rightOf(key)];
            if (mergedPairs_.insert(key).second) result.merges.emplace_back(left, right);
            std::string merged = left + right;
            auto found = idOfToken_.find(merged);
            if (found == idOfToken_.end()) {
                found = idOfToken_.emplace(merged, static_cast<int32_t>(vocab_.size())).first;
                vocab_.push_back(std::move(merged));
            }
            mergeEverywhere(key, found->second);
        }
        result.vocab = std::move(vocab_);
        return result;
    }

private:
    void indexWord(uint64_t key, std::size_t w) {
        std::vector<int32_t>& list = wordsWithPair_[key];
        if (list.empty() || list.back() != static_cast<int32_t>(w)) list.push_back(static_cast<int32_t>(w));
    }

    const Candidate* bestCandidate() {
        while (!queue_.empty()) {
            const Candidate& top = queue_.top();
            const auto found = pairCounts_.find(top.key);
            if (found != pairCounts_.end() && found->second == top.count) return &top;
            queue_.pop();
        }
        return nullptr;
    }

    void mergeEverywhere(uint64_t key, int32_t mergedId) {
        const int32_t left = leftOf(key), right = rightOf(key);
        ++step_;
        std::unordered_map<uint64_t, int64_t> changes;
        auto node = wordsWithPair_.extract(key);  // every word holding the pair is listed (stale ones too)
        if (node.empty()) return;
        std::vector<int32_t> merged;
        for (int32_t w : node.mapped()) {
            if (visitedAt_[w] == step_) continue;
            visitedAt_[w] = step_;
            Word& word = words_[w];
            std::vector<int32_t>& symbols = word.symbols;
            merged.clear();
            for (std::size_t i = 0; i < symbols.size();) {
                if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
                    merged.push_back(mergedId);
                    i += 2;
                } else {
                    merged.push_back(symbols[i]);
                    i += 1;
                }
            }
            if (merged.size() == symbols.size()) continue;  // a stale entry: the pair is gone from this word
            for (std::size_t i = 0; i + 1 < symbols.size(); ++i)
                changes[pairKey(symbols[i], symbols[i + 1])] -= word.count;
            for (std::size_t i = 0; i + 1 < merged.size(); ++i) {
                const uint64_t pair = pairKey(merged[i], merged[i + 1]);
                changes[pair] += word.count;
                if (merged[i] == mergedId || merged[i + 1] == mergedId) indexWord(pair, static_cast<std::size_t>(w));
            }
            symbols.swap(merged);
        }
        for (const auto& [pair, change] : changes) {
            if (change == 0) continue;
            auto found = pairCounts_.find(pair);
            const int64_t count = (found == pairCounts_.end() ? 0 : found->second) + change;
            if (count > 0) {
                pairCounts_[pair] = count;
                queue_.push({count, pair});
            } else if (found != pairCounts_.end()) {
                pairCounts_.erase(found);
            }
        }
    }

    std::vector<Word> words_;
    std::vector<std::string> vocab_;
    std::unordered_map<std::string, int32_t> idOfToken_;
    std::unordered_map<uint64_t, int64_t> pairCounts_;
    std::unordered_map<uint64_t, std::vector<int32_t>> wordsWithPair_;
    std::priority_queue<Candidate, std::vector<Candidate>, WorseCandidate> queue_;
    std::unordered_set<uint64_t> mergedPairs_;
    std::vector<uint32_t> visitedAt_;
    uint32_t step_ = 0;
};

}  // namespace

std::vector<std::string> byteLevelWords(const std::string& text) {
    const auto& alphabet = tok::ByteLevelAlphabet::instance();
    std::vector<std::string> words;
    forEachWord(text, "the text", [&](const std::string& piece) { words.push_back(alphabet.encode(piece)); });
    return words;
}

TrainedBpe trainByteLevelBpe(const std::vector<std::string>& texts, const BpeTrainingOptions& options) {
    if (options.vocabSize < kByteTokens)
        throw InvalidInputError("BPE vocabulary size " + std::to_string(options.vocabSize) +
                                " is below the 256 byte tokens it must hold");
    std::unordered_map<std::string, int64_t> wordCounts;
    for (std::size_t i = 0; i < texts.size(); ++i)
        forEachWord(texts[i], "training text " + std::to_string(i), [&](const std::string& piece) {
            if (piece.size() > 1) ++wordCounts[piece];  // a single byte has no pair to merge
        });

    ByteTokens bytes = byteTokens();
    std::vector<Word> words;
    words.reserve(wordCounts.size());
    for (const auto& [text, count] : wordCounts) {
        Word word{{}, count};
        word.symbols.reserve(text.size());
        for (char byte : text) word.symbols.push_back(bytes.idOfByte[static_cast<uint8_t>(byte)]);
        words.push_back(std::move(word));
    }
    return Trainer(std::move(words), std::move(bytes.tokens)).run(options);
}

}  // namespace headscope
