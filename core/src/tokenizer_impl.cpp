#include "tokenizer_impl.h"

#include "headscope/error.h"

namespace headscope::tok {

BpeTokenizer::BpeTokenizer(TokenizerParts parts)
    : normalizers_(std::move(parts.normalizers)),
      preTokenizer_(std::move(parts.preTokenizer)),
      model_(std::move(parts.model)),
      addedTokens_(std::move(parts.addedTokens)) {
    vocabSize_ = model_->idLimit();
    std::vector<AddedToken> rawTokens, normalizedTokens;
    std::vector<std::string> rawPatterns, normalizedPatterns;
    for (std::size_t i = 0; i < addedTokens_.size(); ++i) {
        const AddedToken& token = addedTokens_[i];
        addedIdByContent_[token.content] = token.id;
        addedIndexById_[token.id] = i;
        vocabSize_ = std::max<int64_t>(vocabSize_, int64_t{token.id} + 1);
        if (token.normalized) {
            normalizedTokens.push_back(token);
            normalizedPatterns.push_back(normalize(token.content));
        } else {
            rawTokens.push_back(token);
            rawPatterns.push_back(token.content);
        }
    }
    rawMatcher_ = AddedTokenMatcher(std::move(rawTokens), std::move(rawPatterns));
    normalizedMatcher_ = AddedTokenMatcher(std::move(normalizedTokens), std::move(normalizedPatterns));
}

std::string BpeTokenizer::normalize(std::string_view text) const {
    std::string normalized(text);
    for (NormalForm form : normalizers_) normalized = normalizeUnicode(normalized, form);
    return normalized;
}

void BpeTokenizer::encodeOrdinaryText(std::string_view normalizedText, std::vector<int64_t>& ids) const {
    std::vector<int32_t> pieceIds;
    for (const std::string& piece : preTokenizer_.run(normalizedText)) {
        pieceIds.clear();
        model_->tokenize(piece, pieceIds);
        ids.insert(ids.end(), pieceIds.begin(), pieceIds.end());
    }
}

std::vector<int64_t> BpeTokenizer::encode(const std::string& text) const {
    std::size_t badOffset = 0;
    if (!isValidUtf8(text, &badOffset))
        throw InvalidInputError("text to tokenise is not valid UTF-8 (bad byte at offset " +
                                std::to_string(badOffset) + ")");
    std::vector<int64_t> ids;
    for (const TextPart& part : rawMatcher_.split(text)) {
        if (part.addedId >= 0) {
            ids.push_back(part.addedId);
            continue;
        }
        const std::string normalized =
            normalize(std::string_view(text).substr(part.begin, part.end - part.begin));
        for (const TextPart& inner : normalizedMatcher_.split(normalized)) {
            if (inner.addedId >= 0)
                ids.push_back(inner.addedId);
            else
                encodeOrdinaryText(std::string_view(normalized).substr(inner.begin, inner.end - inner.begin),
                                   ids);
        }
    }
    return ids;
}

const AddedToken* BpeTokenizer::addedToken(int64_t id) const {
    const auto found = addedIndexById_.find(id);
    return found == addedIndexById_.end() ? nullptr : &addedTokens_[found->second];
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids, bool skipSpecialTokens) const {
    const auto& alphabet = ByteLevelAlphabet::instance();
    std::string text, pendingBytes;
    for (int64_t id : ids) {
        if (id < 0 || id >= vocabSize_)
            throw Error("cannot decode token id " + std::to_string(id) + ": the vocabulary has ids 0.." +
                        std::to_string(vocabSize_ - 1));
        if (const AddedToken* added = addedToken(id)) {
            if (skipSpecialTokens && added->special) continue;
            text += repairUtf8(pendingBytes);  // added tokens are text, not byte-level symbols
            pendingBytes.clear();
            text += added->content;
            continue;
        }
        const std::string* token = model_->idToToken(static_cast<int32_t>(id));
        if (!token) throw Error("cannot decode token id " + std::to_string(id) + ": no token has this id");
        alphabet.decodeToken(*token, pendingBytes);
    }
    text += repairUtf8(pendingBytes);
    return text;
}

std::optional<int64_t> BpeTokenizer::tokenToId(const std::string& token) const {
    const auto added = addedIdByContent_.find(token);
    if (added != addedIdByContent_.end()) return added->second;
    if (const auto id = model_->tokenToId(token)) return *id;
    return std::nullopt;
}

std::optional<std::string> BpeTokenizer::idToToken(int64_t id) const {
    if (const AddedToken* added = addedToken(id)) return added->content;
    if (id < 0 || id >= model_->idLimit()) return std::nullopt;
    if (const std::string* token = model_->idToToken(static_cast<int32_t>(id))) return *token;
    return std::nullopt;
}

bool BpeTokenizer::isSpecial(int64_t id) const {
    const AddedToken* added = addedToken(id);
    return added && added->special;
}

}  // namespace headscope::tok
