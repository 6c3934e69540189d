// The concrete byte-level BPE tokenizer behind headscope::Tokenizer, built by the loaders from
// tokenizer.json or from vocab.json + merges.txt.
#pragma once
#include "headscope/tokenizer.h"
#include "tokenizer_added.h"
#include "tokenizer_bpe.h"
#include "tokenizer_pretokenize.h"
#include "tokenizer_unicode.h"

#include <memory>
#include <unordered_map>

namespace headscope::tok {

struct TokenizerParts {
    std::vector<NormalForm> normalizers;  // applied in order; empty: no normalisation
    PreTokenizer preTokenizer;
    std::unique_ptr<BpeModel> model;
    std::vector<AddedToken> addedTokens;
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
    void encodeOrdinaryText(std::string_view normalizedText, std::vector<int64_t>& ids) const;
    const AddedToken* addedToken(int64_t id) const;

    std::vector<NormalForm> normalizers_;
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
