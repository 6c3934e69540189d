// The Llama-family SentencePiece tokenizer (tokenizer.model + tokenizer_config.json) with the behaviour of
// transformers' slow LlamaTokenizer: added tokens are cut out of the text first, the pieces between them go
// through SentencePiece, and decoding joins pieces the way LlamaTokenizer.convert_tokens_to_string does.
#include "headscope/error.h"
#include "headscope/tokenizer.h"
#include "sentencepiece_bpe.h"
#include "tokenizer_added.h"
#include "tokenizer_json.h"
#include "tokenizer_unicode.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace headscope {
namespace tok {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // "▁", SentencePiece's visible space

// The special-token attributes of transformers' PreTrainedTokenizer, in the order it lists them, with
// LlamaTokenizer's defaults for a missing key (nullptr: no such token).
struct SpecialTokenKey {
    const char* key;
    const char* fallback;
};
constexpr SpecialTokenKey kSpecialTokenKeys[] = {
    {"bos_token", "<s>"},   {"eos_token", "</s>"},  {"unk_token", "<unk>"},  {"sep_token", nullptr},
    {"pad_token", nullptr}, {"cls_token", nullptr}, {"mask_token", nullptr}};

// The tokenizer_config.json settings that change what LlamaTokenizer does.
struct LlamaSettings {
    bool legacy = true;  // transformers' default when the key is missing
    bool addPrefixSpace = true;
    bool spacesBetweenSpecialTokens = false;
    bool cleanUpTokenizationSpaces = false;
    std::string unkToken = "<unk>";
    // transformers' all_special_tokens: bos/eos/unk/... then additional_special_tokens.
    std::vector<std::string> specialTokens;
    std::vector<std::string> additionalSpecialTokens;
    std::vector<AddedToken> addedTokens;  // added_tokens_decoder
};

bool startsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

std::string replaceAll(std::string text, std::string_view from, std::string_view to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
        text.replace(pos, from.size(), to);
    return text;
}

// transformers' clean_up_tokenization: removes the space before punctuation and English contractions.
std::string cleanUpTokenization(std::string text) {
    static const std::pair<std::string_view, std::string_view> kReplacements[] = {
        {" .", "."},   {" ?", "?"},   {" !", "!"},   {" ,", ","},   {" ' ", "'"},
        {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
    for (const auto& [from, to] : kReplacements) text = replaceAll(std::move(text), from, to);
    return text;
}

// A special token is written either as its text or as a serialised AddedToken {"content": ...}.
std::optional<std::string> specialTokenText(const JsonFile& file, const Json& value,
                                            const std::string& field) {
    if (value.is_null()) return std::nullopt;
    if (!value.is_object()) return file.text(value, field);
    return file.text(file.member(value, field, "content"), fieldPath(field, "content"));
}

LlamaSettings readLlamaSettings(const std::string& configPath) {
    LlamaSettings settings;
    if (configPath.empty()) {
        for (const SpecialTokenKey& special : kSpecialTokenKeys)
            if (special.fallback) settings.specialTokens.push_back(special.fallback);
        return settings;
    }

    const JsonFile file = JsonFile::load(configPath);
    const Json& root = file.object(file.root(), "");
    settings.legacy = file.flag(root, "", "legacy", settings.legacy);
    settings.addPrefixSpace = file.flag(root, "", "add_prefix_space", settings.addPrefixSpace);
    settings.spacesBetweenSpecialTokens =
        file.flag(root, "", "spaces_between_special_tokens", settings.spacesBetweenSpecialTokens);
    settings.cleanUpTokenizationSpaces =
        file.flag(root, "", "clean_up_tokenization_spaces", settings.cleanUpTokenizationSpaces);

    for (const SpecialTokenKey& special : kSpecialTokenKeys) {
        std::optional<std::string> token;
        if (const Json* value = file.optionalMember(root, special.key))
            token = specialTokenText(file, *value, special.key);
        else if (special.fallback)
            token = special.fallback;
        if (!token) continue;
        if (std::string_view(special.key) == "unk_token") settings.unkToken = *token;
        settings.specialTokens.push_back(*token);
    }
    if (const Json* extra = file.optionalMember(root, "additional_special_tokens")) {
        file.array(*extra, "additional_special_tokens");
        for (std::size_t i = 0; i < extra->size(); ++i) {
            const std::string field = "additional_special_tokens." + std::to_string(i);
            if (auto token = specialTokenText(file, (*extra)[i], field)) {
                settings.additionalSpecialTokens.push_back(*token);
                settings.specialTokens.push_back(*token);
            }
        }
    }
    settings.addedTokens = file.addedTokensDecoder();
    return settings;
}

// For legacy=false LlamaTokenizer turns SentencePiece's dummy prefix off (its own encode() adds one "▁" at
// the start of the whole text instead), which decoding then follows as well.
SentencePieceModel loadModel(const std::string& modelPath, bool legacy) {
    SentencePieceModel model = loadSentencePieceModel(modelPath);
    if (!legacy) model.addDummyPrefix = false;
    return model;
}

class SentencePieceTokenizer final : public Tokenizer {
public:
    SentencePieceTokenizer(const std::string& modelPath, LlamaSettings settings);

    std::vector<int64_t> encode(const std::string& text) const override;
    std::string decode(const std::vector<int64_t>& ids, bool skipSpecialTokens) const override;
    std::optional<int64_t> tokenToId(const std::string& token) const override;
    std::optional<std::string> idToToken(int64_t id) const override;
    bool isSpecial(int64_t id) const override;
    int64_t vocabSize() const override { return vocabSize_; }

private:
    void registerAddedTokens();
    std::vector<int> encodePieces(std::string_view text) const { return model_.encode(text); }
    void appendOrdinaryText(std::string_view text, std::vector<int64_t>& ids) const;
    std::string tokensToString(std::vector<std::string> tokens) const;
    const AddedToken* addedToken(int64_t id) const;
    bool isAllSpecialToken(const std::string& token) const { return allSpecialTokens_.count(token) > 0; }

    LlamaSettings settings_;
    SentencePieceBpe model_;
    int64_t pieceCount_ = 0;
    int64_t vocabSize_ = 0;
    int64_t spaceId_ = -1;             // the lone "▁" piece
    std::size_t unkTokenLength_ = 0;  // pieces SentencePiece makes of the unk token's text
    std::unordered_map<std::string, int64_t> addedIdByContent_;
    std::unordered_map<int64_t, std::size_t> addedIndexById_;
    std::unordered_set<std::string> allSpecialTokens_;
    // transformers' "legacy added tokens": decoded on their own, outside the SentencePiece text around them.
    std::unordered_set<std::string> separatelyDecodedTokens_;
    AddedTokenMatcher matcher_;
};

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& modelPath, LlamaSettings settings)
    : settings_(std::move(settings)), model_(loadModel(modelPath, settings_.legacy)) {
    pieceCount_ = model_.pieceCount();
    const int space = model_.pieceToId(kSpaceSymbol);
    if (model_.idToPiece(space) == kSpaceSymbol) spaceId_ = space;
    registerAddedTokens();
    unkTokenLength_ = encodePieces(settings_.unkToken).size();
}

// Adds added_tokens_decoder and the special tokens (bos, eos, unk, ...) to the added vocabulary, as
// PreTrainedTokenizer does: a special token missing from both gets its model piece's id or, failing that,
// the next free id.
void SentencePieceTokenizer::registerAddedTokens() {
    std::vector<AddedToken>& added = settings_.addedTokens;
    vocabSize_ = pieceCount_;
    for (const AddedToken& token : added) vocabSize_ = std::max<int64_t>(vocabSize_, int64_t{token.id} + 1);
    for (const std::string& content : settings_.specialTokens) {
        const bool known = std::any_of(added.begin(), added.end(),
                                       [&](const AddedToken& token) { return token.content == content; });
        if (known) continue;
        AddedToken token;
        token.content = content;
        token.special = true;
        const int pieceId = model_.pieceToId(content);
        token.id = model_.idToPiece(pieceId) == content ? pieceId : static_cast<int32_t>(vocabSize_++);
        added.push_back(token);
    }

    std::vector<std::string> patterns;
    for (std::size_t i = 0; i < added.size(); ++i) {
        addedIdByContent_[added[i].content] = added[i].id;
        addedIndexById_[added[i].id] = i;
        patterns.push_back(added[i].content);  // the slow tokenizer never normalises added tokens
    }
    matcher_ = AddedTokenMatcher(added, std::move(patterns));

    allSpecialTokens_.insert(settings_.specialTokens.begin(), settings_.specialTokens.end());
    for (const AddedToken& token : added)
        if (!isAllSpecialToken(token.content)) separatelyDecodedTokens_.insert(token.content);
    for (const std::string& token : settings_.additionalSpecialTokens)
        if (addedIdByContent_.at(token) >= pieceCount_) separatelyDecodedTokens_.insert(token);
}

// LlamaTokenizer._tokenize for the text between added tokens.
void SentencePieceTokenizer::appendOrdinaryText(std::string_view text, std::vector<int64_t>& ids) const {
    const bool leadingSpace = startsWith(text, kSpaceSymbol) || startsWith(text, " ");
    if (settings_.legacy || !leadingSpace) {
        const std::vector<int> pieceIds = encodePieces(text);
        ids.insert(ids.end(), pieceIds.begin(), pieceIds.end());
        return;
    }
    // Without the dummy prefix SentencePiece treats a leading space as the start of the input; behind the
    // unk token's text it is an ordinary space, and the unk token's pieces are cut off again afterwards.
    const std::vector<int> pieceIds = encodePieces(settings_.unkToken + std::string(text));
    const std::size_t skipped = pieceIds.size() >= unkTokenLength_ ? unkTokenLength_ : 0;
    ids.insert(ids.end(), pieceIds.begin() + static_cast<std::ptrdiff_t>(skipped), pieceIds.end());
}

std::vector<int64_t> SentencePieceTokenizer::encode(const std::string& text) const {
    std::size_t badOffset = 0;
    if (!isValidUtf8(text, &badOffset))
        throw InvalidInputError("text to tokenise is not valid UTF-8 (bad byte at offset " +
                                std::to_string(badOffset) + ")");
    if (text.empty()) return {};
    std::string prepared = text;
    if (!settings_.legacy) {
        // The dummy prefix is added here, once, instead of by SentencePiece before every piece of text.
        prepared = replaceAll(prepared, kSpaceSymbol, " ");
        if (settings_.addPrefixSpace) prepared.insert(0, kSpaceSymbol);
    }
    std::vector<int64_t> ids;
    for (const TextPart& part : matcher_.split(prepared)) {
        if (part.addedId >= 0)
            ids.push_back(part.addedId);
        else if (part.end > part.begin)
            appendOrdinaryText(std::string_view(prepared).substr(part.begin, part.end - part.begin), ids);
    }
    // A text that starts with a special token gets no dummy prefix in front of it.
    if (!settings_.legacy && ids.size() > 1 && ids[0] == spaceId_ && isAllSpecialToken(*idToToken(ids[1])))
        ids.erase(ids.begin());
    return ids;
}

// LlamaTokenizer.convert_tokens_to_string.
std::string SentencePieceTokenizer::tokensToString(std::vector<std::string> tokens) const {
    // The dummy prefix that encode() put in front of the text comes off again.
    if (settings_.addPrefixSpace && startsWith(tokens.front(), kSpaceSymbol))
        tokens.front().erase(0, kSpaceSymbol.size());
    std::string text;
    std::vector<std::string> pieces;
    bool previousSpecial = false;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (isAllSpecialToken(tokens[i])) {
            if (!previousSpecial && i != 0 && settings_.legacy) text += ' ';
            text += model_.decodePieces(pieces) + tokens[i];
            pieces.clear();
            previousSpecial = true;
            continue;
        }
        if (previousSpecial && i == 1 && settings_.addPrefixSpace && !startsWith(tokens[i], kSpaceSymbol))
            text += ' ';
        pieces.push_back(std::move(tokens[i]));
        previousSpecial = false;
    }
    return text + model_.decodePieces(pieces);
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids, bool skipSpecialTokens) const {
    std::vector<std::string> texts, tokens;
    for (int64_t id : ids) {
        if (id < 0 || id >= vocabSize_)
            throw Error("cannot decode token id " + std::to_string(id) + ": the vocabulary has ids 0.." +
                        std::to_string(vocabSize_ - 1));
        if (skipSpecialTokens && isSpecial(id)) continue;
        const std::optional<std::string> token = idToToken(id);
        if (!token) throw Error("cannot decode token id " + std::to_string(id) + ": no token has this id");
        if (!separatelyDecodedTokens_.count(*token)) {
            tokens.push_back(*token);
            continue;
        }
        if (!tokens.empty()) {
            std::string text = tokensToString(std::move(tokens));
            if (!text.empty()) texts.push_back(std::move(text));
            tokens.clear();
        }
        texts.push_back(*token);
    }
    if (!tokens.empty()) texts.push_back(tokensToString(std::move(tokens)));

    std::string joined;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        if (i > 0 && settings_.spacesBetweenSpecialTokens) joined += ' ';
        joined += texts[i];
    }
    return settings_.cleanUpTokenizationSpaces ? cleanUpTokenization(std::move(joined)) : joined;
}

const AddedToken* SentencePieceTokenizer::addedToken(int64_t id) const {
    const auto found = addedIndexById_.find(id);
    return found == addedIndexById_.end() ? nullptr : &settings_.addedTokens[found->second];
}

std::optional<int64_t> SentencePieceTokenizer::tokenToId(const std::string& token) const {
    const auto added = addedIdByContent_.find(token);
    if (added != addedIdByContent_.end()) return added->second;
    const int id = model_.pieceToId(token);  // the unk id for an unknown piece
    if (model_.idToPiece(id) == token) return id;
    return std::nullopt;
}

std::optional<std::string> SentencePieceTokenizer::idToToken(int64_t id) const {
    if (const AddedToken* added = addedToken(id)) return added->content;
    if (id < 0 || id >= pieceCount_) return std::nullopt;
    return model_.idToPiece(static_cast<int>(id));
}

bool SentencePieceTokenizer::isSpecial(int64_t id) const {
    const AddedToken* added = addedToken(id);
    return added && added->special;
}

}  // namespace
}  // namespace tok

std::unique_ptr<Tokenizer> loadSentencePieceTokenizer(const std::string& modelPath,
                                                      const std::string& tokenizerConfigJson) {
    tok::LlamaSettings settings = tok::readLlamaSettings(tokenizerConfigJson);
    return std::make_unique<tok::SentencePieceTokenizer>(modelPath, std::move(settings));
}

}  // namespace headscope
