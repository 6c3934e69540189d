// The concrete BPE tokenizer behind headscope::Tokenizer, built by the loaders from tokenizer.json or from
// vocab.json + merges.txt: byte-level (Qwen) or SentencePiece-style with byte fallback (Llama).
#pragma once
#include "headscope/tokenizer.h"
#include "tokenizer_added.h"
#include "tokenizer_bpe.h"
#include "tokenizer_pretokenize.h"
#include "tokenizer_unicode.h"

#include <memory>
#include <unordered_map>
#include <variant>

namespace headscope::tok {

struct PrependNormalizer {
    std::string prefix;  // put in front of non-empty text
};
struct ReplaceNormalizer {
    std::string pattern;  // a literal string
    std::string content;
};
using NormalizerStep = std::variant<NormalForm, PrependNormalizer, ReplaceNormalizer>;

// One step of a `tokenizers` decoder chain, which maps the list of token strings to a new list.
struct DecoderStep {
    enum class Kind { Replace, ByteFallback, Fuse, Strip, Metaspace };
    Kind kind = Kind::Fuse;
    std::string pattern;  // Replace: literal text to replace; Strip, Metaspace: the character
    std::string content;  // Replace: the replacement
    std::size_t stripStart = 0;
    std::size_t stripStop = 0;
    bool metaspacePrepended = true;  // Metaspace: the encoder prepended the replacement (scheme not "never")
};

struct TokenizerParts {
    std::vector<NormalizerStep> normalizers;  // applied in order; empty: no normalisation
    PreTokenizer preTokenizer;
    std::unique_ptr<BpeModel> model;
    std::vector<AddedToken> addedTokens;
    std::vector<DecoderStep> decoders;  // empty: the ByteLevel decoder
};

// encode and decode are const and may run on several threads at once (the BPE cache has a mutex).
class BpeTokenizer final : public Tokenizer {
public:
    explicit BpeTokenizer(TokenizerParts parts);

    std::vector<int64_t> encode(const std::string& text) const override;
    std::string decode(const std::vector<int64_t>& ids, bool skipSpecialTokens) const override;
    std::optional<int64_t> tokenToId(const std::string& token) const override;
    std::optional<std::string> idToToken(int64_t id) const override;
    bool isSpecial(int64_t id) const override;
    int64_t vocabSize() const override { return vocabSize_; }

private:
    std::string normalize(std::string_view text) const;
    void encodeOrdinaryText(std::string_view normalizedText, bool atTextStart,
                            std::vector<int64_t>& ids) const;
    const AddedToken* addedToken(int64_t id) const;
    const std::string& tokenText(int64_t id) const;
    std::string decodeByteLevel(const std::vector<int64_t>& ids, bool skipSpecialTokens) const;
    std::string decodeWithSteps(const std::vector<int64_t>& ids, bool skipSpecialTokens) const;

    std::vector<NormalizerStep> normalizers_;
    std::vector<DecoderStep> decoders_;
    PreTokenizer preTokenizer_;
    std::unique_ptr<BpeModel> model_;
    std::vector<AddedToken> addedTokens_;
    std::unordered_map<std::string, int32_t> addedIdByContent_;
    std::unordered_map<int64_t, std::size_t> addedIndexById_;
    AddedTokenMatcher rawMatcher_;         // tokens with normalized == false, matched before normalising
    AddedTokenMatcher normalizedMatcher_;  // tokens with normalized == true, matched after it
    int64_t vocabSize_ = 0;
};

}  // namespace headscope::tok
