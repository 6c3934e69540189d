#include "tokenizer_impl.h"

#include "headscope/error.h"

namespace headscope::tok {
namespace {

std::string replaceAll(std::string_view text, std::string_view from, std::string_view to) {
    std::string out;
    for (std::size_t pos = 0;;) {
        const std::size_t found = text.find(from, pos);
        out.append(text.substr(pos, found - pos));
        if (found == std::string_view::npos) return out;
        out.append(to);
        pos = found + from.size();
    }
}

std::string applyNormalizer(const NormalizerStep& step, const std::string& text) {
    if (const auto* form = std::get_if<NormalForm>(&step)) return normalizeUnicode(text, *form);
    if (const auto* prepend = std::get_if<PrependNormalizer>(&step))
        return text.empty() ? text : prepend->prefix + text;
    const auto& replace = std::get<ReplaceNormalizer>(step);
    return replaceAll(text, replace.pattern, replace.content);
}

// The byte of a "<0xXX>" token, or -1.
int byteTokenValue(const std::string& token) {
    if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return -1;
    int value = 0;
    for (std::size_t i = 3; i < 5; ++i) {
        const char c = token[i];
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

// Runs of byte tokens become their UTF-8 text; an invalid run gives one U+FFFD per byte, as `tokenizers`.
std::vector<std::string> decodeByteFallback(const std::vector<std::string>& tokens) {
    std::vector<std::string> out;
    std::string bytes;
    std::size_t byteCount = 0;
    const auto flushBytes = [&] {
        if (byteCount == 0) return;
        if (isValidUtf8(bytes)) {
            out.push_back(bytes);
        } else {
            for (std::size_t i = 0; i < byteCount; ++i) out.emplace_back("\xEF\xBF\xBD");
        }
        bytes.clear();
        byteCount = 0;
    };
    for (const std::string& token : tokens) {
        const int value = byteTokenValue(token);
        if (value >= 0) {
            bytes.push_back(static_cast<char>(value));
            ++byteCount;
            continue;
        }
        flushBytes();
        out.push_back(token);
    }
    flushBytes();
    return out;
}

// Removes up to `start` leading and `stop` trailing copies of the character `content` from each token.
std::string stripToken(const std::string& token, const std::string& content, std::size_t start,
                       std::size_t stop) {
    std::size_t begin = 0, end = token.size();
    for (std::size_t i = 0; i < start && begin < end && token.compare(begin, content.size(), content) == 0;
         ++i)
        begin += content.size();
    for (std::size_t i = 0; i < stop && end - begin >= content.size() &&
                            token.compare(end - content.size(), content.size(), content) == 0;
         ++i)
        end -= content.size();
    return token.substr(begin, end - begin);
}

// The replacement becomes a space, except in the first token when the encoder prepended it (it is dropped).
std::vector<std::string> decodeMetaspace(const std::vector<std::string>& tokens, const DecoderStep& step) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < tokens.size(); ++i)
        out.push_back(replaceAll(tokens[i], step.pattern, i == 0 && step.metaspacePrepended ? "" : " "));
    return out;
}

std::vector<std::string> applyDecoder(const DecoderStep& step, std::vector<std::string> tokens) {
    switch (step.kind) {
    case DecoderStep::Kind::Replace:
        for (std::string& token : tokens) token = replaceAll(token, step.pattern, step.content);
        return tokens;
    case DecoderStep::Kind::ByteFallback:
        return decodeByteFallback(tokens);
    case DecoderStep::Kind::Fuse: {
        std::string joined;
        for (const std::string& token : tokens) joined += token;
        return {joined};
    }
    case DecoderStep::Kind::Strip:
        for (std::string& token : tokens)
            token = stripToken(token, step.pattern, step.stripStart, step.stripStop);
        return tokens;
    case DecoderStep::Kind::Metaspace:
        return decodeMetaspace(tokens, step);
    }
    return tokens;
}

}  // namespace

BpeTokenizer::BpeTokenizer(TokenizerParts parts)
    : normalizers_(std::move(parts.normalizers)),
      preTokenizer_(std::move(parts.preTokenizer)),
      model_(std::move(parts.model)),
      addedTokens_(std::move(parts.addedTokens)) {
    decoders_ = std::move(parts.decoders);
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
    for (const NormalizerStep& step : normalizers_) normalized = applyNormalizer(step, normalized);
    return normalized;
}

void BpeTokenizer::encodeOrdinaryText(std::string_view normalizedText, bool atTextStart,
                                      std::vector<int64_t>& ids) const {
    std::vector<int32_t> pieceIds;
    for (const std::string& piece : preTokenizer_.run(normalizedText, atTextStart)) {
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
                                   part.begin == 0 && inner.begin == 0, ids);
        }
    }
    return ids;
}

const AddedToken* BpeTokenizer::addedToken(int64_t id) const {
    const auto found = addedIndexById_.find(id);
    return found == addedIndexById_.end() ? nullptr : &addedTokens_[found->second];
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids, bool skipSpecialTokens) const {
    if (decoders_.empty()) return decodeByteLevel(ids, skipSpecialTokens);
    return decodeWithSteps(ids, skipSpecialTokens);
}

const std::string& BpeTokenizer::tokenText(int64_t id) const {
    if (id < 0 || id >= vocabSize_)
        throw Error("cannot decode token id " + std::to_string(id) + ": the vocabulary has ids 0.." +
                    std::to_string(vocabSize_ - 1));
    if (const AddedToken* added = addedToken(id)) return added->content;
    const std::string* token = model_->idToToken(static_cast<int32_t>(id));
    if (!token) throw Error("cannot decode token id " + std::to_string(id) + ": no token has this id");
    return *token;
}

// As `tokenizers`: added tokens join the token list as their content and go through the decoders too.
std::string BpeTokenizer::decodeWithSteps(const std::vector<int64_t>& ids, bool skipSpecialTokens) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int64_t id : ids) {
        const std::string& text = tokenText(id);
        if (skipSpecialTokens && isSpecial(id)) continue;
        tokens.push_back(text);
    }
    for (const DecoderStep& step : decoders_) tokens = applyDecoder(step, std::move(tokens));
    std::string text;
    for (const std::string& token : tokens) text += token;
    return repairUtf8(text);
}

std::string BpeTokenizer::decodeByteLevel(const std::vector<int64_t>& ids, bool skipSpecialTokens) const {
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
