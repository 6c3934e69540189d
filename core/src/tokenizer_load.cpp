// Tokenizer::fromTokenizerJson: builds the tokenizer from a Hugging Face `tokenizers` file. Every option
// that would change the result and is not implemented is refused with a FormatError.
#include <unordered_map>

#include "headscope/error.h"
#include "json_fields.h"
#include "tokenizer_impl.h"
#include "tokenizer_json.h"
#include "tokenizer_unicode.h"

namespace headscope {
namespace tok {
namespace {

// The text of a {"String": "..."} pattern; regular-expression patterns are refused.
std::string parseLiteralPattern(const JsonFile& file, const Json& node, const std::string& field) {
    const std::string patternField = fieldPath(field, "pattern");
    const Json& pattern = file.object(file.member(node, field, "pattern"), patternField);
    const Json* literal = file.optionalMember(pattern, "String");
    if (!literal) file.fail(patternField, "only {\"String\": ...} patterns are supported here");
    const std::string text = file.text(*literal, patternField + ".String");
    if (text.empty()) file.fail(patternField + ".String", "the pattern is empty");
    return text;
}

// A string member holding exactly one character (Metaspace's replacement, Strip's content).
std::string parseCharacter(const JsonFile& file, const Json& node, const std::string& field,
                           const std::string& key) {
    const std::string text = file.text(file.member(node, field, key), fieldPath(field, key));
    char32_t codePoint = 0;
    if (text.empty() || !isValidUtf8(text) || decodeCodePoint(text, 0, codePoint) != text.size())
        file.fail(fieldPath(field, key), "expected exactly one character");
    return text;
}

std::size_t parseCount(const JsonFile& file, const Json& node, const std::string& field,
                       const std::string& key) {
    const Json& value = file.member(node, field, key);
    if (!value.is_number_unsigned() || value.get<uint64_t>() > 1024)
        file.fail(fieldPath(field, key), "expected a small non-negative integer");
    return value.get<std::size_t>();
}

void parseNormalizer(const JsonFile& file, const Json& node, const std::string& field,
                     std::vector<NormalizerStep>& forms) {
    const std::string type = file.text(file.member(node, field, "type"), fieldPath(field, "type"));
    if (type == "Sequence") {
        const std::string listField = fieldPath(field, "normalizers");
        const Json& list = file.array(file.member(node, field, "normalizers"), listField);
        for (std::size_t i = 0; i < list.size(); ++i)
            parseNormalizer(file, list[i], listField + "[" + std::to_string(i) + "]", forms);
    } else if (type == "NFC") {
        forms.push_back(NormalForm::NFC);
    } else if (type == "NFD") {
        forms.push_back(NormalForm::NFD);
    } else if (type == "NFKC") {
        forms.push_back(NormalForm::NFKC);
    } else if (type == "NFKD") {
        forms.push_back(NormalForm::NFKD);
    } else if (type == "Prepend") {
        const std::string prefix =
            file.text(file.member(node, field, "prepend"), fieldPath(field, "prepend"));
        forms.push_back(PrependNormalizer{prefix});
    } else if (type == "Replace") {
        const std::string content =
            file.text(file.member(node, field, "content"), fieldPath(field, "content"));
        forms.push_back(ReplaceNormalizer{parseLiteralPattern(file, node, field), content});
    } else {
        file.fail(fieldPath(field, "type"), "normalizer '" + type + "' is not supported");
    }
}

SplitBehavior parseSplitBehavior(const JsonFile& file, const Json& node, const std::string& field) {
    const std::string name = file.text(file.member(node, field, "behavior"), fieldPath(field, "behavior"));
    if (name == "Removed") return SplitBehavior::Removed;
    if (name == "Isolated") return SplitBehavior::Isolated;
    if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
    if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
    if (name == "Contiguous") return SplitBehavior::Contiguous;
    file.fail(fieldPath(field, "behavior"), "unknown split behavior '" + name + "'");
}

SplitStep parseSplit(const JsonFile& file, const Json& node, const std::string& field) {
    const std::string patternField = fieldPath(field, "pattern");
    const Json& pattern = file.object(file.member(node, field, "pattern"), patternField);
    SplitStep step;
    if (const Json* regex = file.optionalMember(pattern, "Regex")) {
        step.pattern = std::make_shared<Regex>(file.text(*regex, patternField + ".Regex"), false,
                                               file.path() + ": " + patternField + ".Regex");
    } else if (const Json* literal = file.optionalMember(pattern, "String")) {
        step.pattern = std::make_shared<Regex>(file.text(*literal, patternField + ".String"), true,
                                               file.path() + ": " + patternField + ".String");
    } else {
        file.fail(patternField, "expected a \"Regex\" or \"String\" member");
    }
    step.behavior = parseSplitBehavior(file, node, field);
    step.invert = file.flag(node, field, "invert", false);
    return step;
}

// Metaspace's prepend_scheme, or the older add_prefix_space flag it replaced.
PrependScheme parsePrependScheme(const JsonFile& file, const Json& node, const std::string& field) {
    const Json* scheme = file.optionalMember(node, "prepend_scheme");
    if (!scheme) {
        const bool addPrefixSpace = file.flag(node, field, "add_prefix_space", true);
        return addPrefixSpace ? PrependScheme::Always : PrependScheme::Never;
    }
    const std::string name = file.text(*scheme, fieldPath(field, "prepend_scheme"));
    if (name == "first") return PrependScheme::First;
    if (name == "always") return PrependScheme::Always;
    if (name == "never") return PrependScheme::Never;
    file.fail(fieldPath(field, "prepend_scheme"), "unknown prepend scheme '" + name + "'");
}

void parsePreTokenizer(const JsonFile& file, const Json& node, const std::string& field, PreTokenizer& out) {
    const std::string type = file.text(file.member(node, field, "type"), fieldPath(field, "type"));
    if (type == "Sequence") {
        const std::string listField = fieldPath(field, "pretokenizers");
        const Json& list = file.array(file.member(node, field, "pretokenizers"), listField);
        for (std::size_t i = 0; i < list.size(); ++i)
            parsePreTokenizer(file, list[i], listField + "[" + std::to_string(i) + "]", out);
    } else if (type == "Split") {
        out.addStep(parseSplit(file, node, field));
    } else if (type == "ByteLevel") {
        out.addStep(ByteLevelStep{file.flag(node, field, "add_prefix_space", true),
                                  file.flag(node, field, "use_regex", true)});
    } else if (type == "Metaspace") {
        out.addStep(MetaspaceStep{parseCharacter(file, node, field, "replacement"),
                                  parsePrependScheme(file, node, field),
                                  file.flag(node, field, "split", true)});
    } else {
        file.fail(fieldPath(field, "type"), "pre-tokenizer '" + type + "' is not supported");
    }
}

Vocabulary parseVocabulary(const JsonFile& file, const Json& node, const std::string& field) {
    file.object(node, field);
    Vocabulary vocabulary;
    vocabulary.reserve(node.size());
    // Two tokens of one id would make decoding ambiguous (the tokenizers library keeps one silently).
    std::unordered_map<int64_t, std::string> tokenOfId;
    tokenOfId.reserve(node.size());
    for (const auto& [token, id] : node.items()) {
        const int64_t value = file.tokenId(id, field + "." + token);
        const auto [owner, fresh] = tokenOfId.emplace(value, token);
        if (!fresh)
            file.fail(field + "." + json_fields::clip(token), "has id " + std::to_string(value) + ", which '" + json_fields::clip(owner->second) +
                                                     "' has too");
        vocabulary.emplace(token, value);
    }
    return vocabulary;
}

// Merges are "left right" strings (older files) or ["left", "right"] pairs (newer ones).
MergeList parseMerges(const JsonFile& file, const Json& node, const std::string& field) {
    file.array(node, field);
    MergeList merges;
    merges.reserve(node.size());
    for (std::size_t i = 0; i < node.size(); ++i) {
        const std::string entryField = field + "[" + std::to_string(i) + "]";
        const Json& entry = node[i];
        if (entry.is_string()) {
            const std::string& line = entry.get_ref<const std::string&>();
            const std::size_t space = line.find(' ');
            if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
                file.fail(entryField, "expected two tokens separated by one space, found '" + line + "'");
            merges.emplace_back(line.substr(0, space), line.substr(space + 1));
        } else if (entry.is_array() && entry.size() == 2) {
            merges.emplace_back(file.text(entry[0], entryField + "[0]"),
                                file.text(entry[1], entryField + "[1]"));
        } else {
            file.fail(entryField, "expected \"left right\" or [\"left\", \"right\"]");
        }
    }
    return merges;
}

void requireEmptyAffix(const JsonFile& file, const Json& model, const std::string& key) {
    const Json* value = file.optionalMember(model, key);
    if (value && !file.text(*value, "model." + key).empty())
        file.fail("model." + key, "subword prefixes and suffixes are not supported");
}

std::unique_ptr<BpeModel> parseModel(const JsonFile& file, const Json& model) {
    file.object(model, "model");
    if (const Json* type = file.optionalMember(model, "type")) {
        if (file.text(*type, "model.type") != "BPE")
            file.fail("model.type", "model '" + type->get<std::string>() + "' is not supported (only BPE)");
    }
    if (const Json* dropout = file.optionalMember(model, "dropout")) {
        if (!dropout->is_number() || dropout->get<double>() != 0.0)
            file.fail("model.dropout", "BPE dropout is not supported");
    }
    requireEmptyAffix(file, model, "continuing_subword_prefix");
    requireEmptyAffix(file, model, "end_of_word_suffix");
    BpeOptions options;
    if (const Json* unk = file.optionalMember(model, "unk_token"))
        options.unkToken = file.text(*unk, "model.unk_token");
    options.fuseUnk = file.flag(model, "model", "fuse_unk", false);
    options.byteFallback = file.flag(model, "model", "byte_fallback", false);
    options.ignoreMerges = file.flag(model, "model", "ignore_merges", false);
    Vocabulary vocabulary = parseVocabulary(file, file.member(model, "model", "vocab"), "model.vocab");
    const MergeList merges = parseMerges(file, file.member(model, "model", "merges"), "model.merges");
    return std::make_unique<BpeModel>(std::move(vocabulary), merges, std::move(options),
                                      BpeSource{file.path(), "model.vocab", file.path(), "model.merges"});
}

DecoderStep parseDecoderStep(const JsonFile& file, const Json& node, const std::string& field,
                             const std::string& type) {
    DecoderStep step;
    if (type == "Replace") {
        step.kind = DecoderStep::Kind::Replace;
        step.pattern = parseLiteralPattern(file, node, field);
        step.content = file.text(file.member(node, field, "content"), fieldPath(field, "content"));
    } else if (type == "ByteFallback") {
        step.kind = DecoderStep::Kind::ByteFallback;
    } else if (type == "Fuse") {
        step.kind = DecoderStep::Kind::Fuse;
    } else if (type == "Strip") {
        step.kind = DecoderStep::Kind::Strip;
        step.pattern = parseCharacter(file, node, field, "content");
        step.stripStart = parseCount(file, node, field, "start");
        step.stripStop = parseCount(file, node, field, "stop");
    } else if (type == "Metaspace") {
        step.kind = DecoderStep::Kind::Metaspace;
        step.pattern = parseCharacter(file, node, field, "replacement");
        step.metaspacePrepended = parsePrependScheme(file, node, field) != PrependScheme::Never;
    } else {
        file.fail(fieldPath(field, "type"), "decoder '" + type + "' is not supported");
    }
    return step;
}

void parseDecoderSteps(const JsonFile& file, const Json& node, const std::string& field,
                       std::vector<DecoderStep>& steps) {
    const std::string type = file.text(file.member(node, field, "type"), fieldPath(field, "type"));
    if (type != "Sequence") {
        steps.push_back(parseDecoderStep(file, node, field, type));
        return;
    }
    const std::string listField = fieldPath(field, "decoders");
    const Json& list = file.array(file.member(node, field, "decoders"), listField);
    for (std::size_t i = 0; i < list.size(); ++i)
        parseDecoderSteps(file, list[i], listField + "[" + std::to_string(i) + "]", steps);
}

// A lone ByteLevel decoder (empty result), or a chain of the SentencePiece-style decoders.
std::vector<DecoderStep> parseDecoder(const JsonFile& file, const Json* decoder) {
    if (!decoder) file.fail("decoder", "missing; a decoder is required");
    const std::string type = file.text(file.member(*decoder, "decoder", "type"), "decoder.type");
    if (type == "ByteLevel") return {};
    std::vector<DecoderStep> steps;
    parseDecoderSteps(file, *decoder, "decoder", steps);
    return steps;
}

std::vector<AddedToken> parseAddedTokens(const JsonFile& file, const Json* list) {
    std::vector<AddedToken> tokens;
    if (!list) return tokens;
    file.array(*list, "added_tokens");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string field = "added_tokens[" + std::to_string(i) + "]";
        const int32_t id = file.tokenId(file.member((*list)[i], field, "id"), field + ".id");
        tokens.push_back(file.addedToken((*list)[i], field, id));
    }
    return tokens;
}

}  // namespace
}  // namespace tok

// "truncation", "padding" and "post_processor" only matter when `tokenizers` itself adds special tokens
// or pads batches; encode() here does neither, so they are not read.
std::unique_ptr<Tokenizer> Tokenizer::fromTokenizerJson(const std::string& path) {
    using namespace tok;
    const JsonFile file = JsonFile::load(path);
    const Json& root = file.object(file.root(), "");
    TokenizerParts parts;
    if (const Json* normalizer = file.optionalMember(root, "normalizer"))
        parseNormalizer(file, *normalizer, "normalizer", parts.normalizers);
    if (const Json* preTokenizer = file.optionalMember(root, "pre_tokenizer"))
        parsePreTokenizer(file, *preTokenizer, "pre_tokenizer", parts.preTokenizer);
    parts.model = parseModel(file, file.member(root, "", "model"));
    parts.decoders = parseDecoder(file, file.optionalMember(root, "decoder"));
    parts.addedTokens = parseAddedTokens(file, file.optionalMember(root, "added_tokens"));
    return std::make_unique<BpeTokenizer>(std::move(parts));
}

}  // namespace headscope
