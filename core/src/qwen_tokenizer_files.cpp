#include "qwen_tokenizer_files.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_set>

#include "headscope/error.h"
#include "tokenizer_unicode.h"

namespace headscope {
namespace qwen {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

const char* const kPretokenizePattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|)"
    R"(\s+(?!\S)|\s+)";

const char* const kAddedTokens[kAddedTokenCount] = {
    "<|endoftext|>",  "<|im_start|>",    "<|im_end|>",    "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>",  "<|box_end|>",     "<|quad_start|>", "<|quad_end|>",        "<|vision_start|>",
    "<|vision_end|>", "<|vision_pad|>",  "<|image_pad|>", "<|video_pad|>",        "<tool_call>",
    "</tool_call>",   "<|fim_prefix|>",  "<|fim_middle|>", "<|fim_suffix|>",      "<|fim_pad|>",
    "<|repo_name|>",  "<|file_sep|>"};

const char* const kChatTemplate =
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages "
    "%}{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful "
    "assistant.<|im_end|>\n{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ "
    "message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == "
    "'image' or 'image' in content or 'image_url' in content %}{% set image_count.value = image_count.value + 1 %}{% "
    "if add_vision_id %}Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>{% "
    "elif content['type'] == 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}{% if "
    "add_vision_id %}Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif "
    "'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if "
    "add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

int64_t addedTokenId(const std::string& content, int64_t firstAddedId) {
    for (std::size_t i = 0; i < kAddedTokenCount; ++i)
        if (content == kAddedTokens[i]) return firstAddedId + static_cast<int64_t>(i);
    throw std::logic_error("unknown added token " + content);
}

namespace {

// The vocabulary as a JSON object in id order. ordered_map's own insert looks for an existing key first
// (quadratic over a large vocabulary); the tokens are known to be distinct, so they go straight into its
// underlying vector.
ordered_json vocabById(const TrainedBpe& bpe) {
    ordered_json vocab = ordered_json::object();
    auto& entries = vocab.get_ref<ordered_json::object_t&>();
    entries.reserve(bpe.vocab.size());
    for (std::size_t id = 0; id < bpe.vocab.size(); ++id) entries.emplace_back(bpe.vocab[id], id);
    return vocab;
}

}  // namespace

// `tokenizers` writes tokenizer.json with serde_json's pretty printer: two-space indent, fields in
// declaration order, no newline at the end.
std::string tokenizerJson(const TrainedBpe& bpe) {
    const auto firstAddedId = static_cast<int64_t>(bpe.vocab.size());
    ordered_json added = ordered_json::array();
    for (std::size_t i = 0; i < kAddedTokenCount; ++i)
        added.push_back({{"id", firstAddedId + static_cast<int64_t>(i)}, {"content", kAddedTokens[i]},
                         {"single_word", false}, {"lstrip", false}, {"rstrip", false}, {"normalized", false},
                         {"special", i < kSpecialTokenCount}});
    ordered_json merges = ordered_json::array();
    for (const auto& [left, right] : bpe.merges) merges.push_back(left + " " + right);
    const ordered_json byteLevel = {
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
    const ordered_json split = {{"type", "Split"},
                                {"pattern", {{"Regex", kPretokenizePattern}}},
                                {"behavior", "Isolated"},
                                {"invert", false}};
    ordered_json root = {
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", std::move(added)},
        {"normalizer", {{"type", "NFC"}}},
        {"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", ordered_json::array({split, byteLevel})}}},
        {"post_processor", byteLevel},
        {"decoder", byteLevel},
        {"model",
         {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", ""},
          {"end_of_word_suffix", ""}, {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
          {"vocab", vocabById(bpe)}, {"merges", std::move(merges)}}}};
    return root.dump(2);
}

// vocab.json as `tokenizers`' BPE::save writes it (and Qwen2.5-VL ships it): one line, in id order.
std::string vocabJson(const TrainedBpe& bpe) { return vocabById(bpe).dump(); }

std::string mergesTxt(const TrainedBpe& bpe) {
    std::string text = "#version: 0.2\n";
    for (const auto& [left, right] : bpe.merges) text += left + " " + right + "\n";
    return text;
}

// As Qwen2.5-VL's tokenizer_config.json: json.dumps(indent=2, sort_keys=True, ensure_ascii=False) without a
// final newline; nlohmann::json keeps keys sorted by their UTF-8 bytes, which is code point order, as
// Python sorts. (processor_class is left out: it names the processor of one model family.)
std::string tokenizerConfigJson(int64_t firstAddedId) {
    json decoder = json::object();
    for (std::size_t i = 0; i < kAddedTokenCount; ++i)
        decoder[std::to_string(firstAddedId + static_cast<int64_t>(i))] = {
            {"content", kAddedTokens[i]}, {"lstrip", false},       {"normalized", false},
            {"rstrip", false},            {"single_word", false}, {"special", i < kSpecialTokenCount}};
    // The special tokens other than <|endoftext|> (which is the pad token).
    json additional = json::array();
    for (std::size_t i = 1; i < kSpecialTokenCount; ++i) additional.push_back(kAddedTokens[i]);
    const json config = {{"add_bos_token", false},
                         {"add_prefix_space", false},
                         {"added_tokens_decoder", decoder},
                         {"additional_special_tokens", additional},
                         {"bos_token", nullptr},
                         {"chat_template", kChatTemplate},
                         {"clean_up_tokenization_spaces", false},
                         {"eos_token", "<|im_end|>"},
                         {"errors", "replace"},
                         {"extra_special_tokens", json::object()},
                         {"model_max_length", 32768},
                         {"pad_token", "<|endoftext|>"},
                         {"split_special_tokens", false},
                         {"tokenizer_class", "Qwen2Tokenizer"},
                         {"unk_token", nullptr}};
    return config.dump(2);
}

void writeFilesAtomically(const std::string& folder, const std::vector<std::pair<std::string, std::string>>& files) {
    const fs::path root(folder);
    std::error_code error;
    if (!fs::is_directory(root, error)) throw Error(folder + ": no such folder");
    std::vector<fs::path> temporaries;
    const auto removeTemporaries = [&] {
        for (const fs::path& path : temporaries) fs::remove(path, error);
    };
    try {
        for (const auto& [name, contents] : files) {
            const fs::path temporary = root / (name + ".partial");
            temporaries.push_back(temporary);
            std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
            out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
            out.close();
            if (!out) throw Error((root / name).string() + ": cannot write");
        }
        for (std::size_t i = 0; i < files.size(); ++i) {
            fs::rename(temporaries[i], root / files[i].first, error);
            if (error) throw Error((root / files[i].first).string() + ": cannot write (" + error.message() + ")");
        }
    } catch (...) {
        removeTemporaries();
        throw;
    }
}

namespace {

// Refuses a BPE the tokenizer loaders would reject or that could not encode every byte.
void checkTrainedBpe(const TrainedBpe& bpe) {
    if (bpe.vocab.size() < 256)
        throw InvalidInputError("the BPE vocabulary has " + std::to_string(bpe.vocab.size()) +
                                " tokens; a byte-level one needs at least the 256 byte tokens");
    std::unordered_set<std::string> tokens;
    for (const std::string& token : bpe.vocab)
        if (!tokens.insert(token).second)
            throw InvalidInputError("the BPE vocabulary repeats the token '" + token + "'");
    const auto& alphabet = tok::ByteLevelAlphabet::instance();
    for (int byte = 0; byte < 256; ++byte) {
        const std::string token = alphabet.encode(std::string(1, static_cast<char>(byte)));
        if (!tokens.count(token))
            throw InvalidInputError("the BPE vocabulary lacks the token '" + token + "' of byte " +
                                    std::to_string(byte));
    }
    for (std::size_t rank = 0; rank < bpe.merges.size(); ++rank) {
        const auto& [left, right] = bpe.merges[rank];
        for (const std::string* part : {&left, &right})
            if (part->find_first_of(" \r\n") != std::string::npos)
                throw InvalidInputError("BPE merge " + std::to_string(rank) + ": the token '" + *part +
                                        "' holds a space or line break, which merges.txt cannot express");
        for (const std::string& token : {left, right, left + right})
            if (!tokens.count(token))
                throw InvalidInputError("BPE merge " + std::to_string(rank) + " ('" + left + "' '" + right +
                                        "'): '" + token + "' is not in the vocabulary");
    }
}

}  // namespace
}  // namespace qwen

void writeQwenTokenizerFiles(const std::string& folder, const TrainedBpe& bpe) {
    qwen::checkTrainedBpe(bpe);
    qwen::writeFilesAtomically(folder, {{"tokenizer.json", qwen::tokenizerJson(bpe)},
                                        {"vocab.json", qwen::vocabJson(bpe)},
                                        {"merges.txt", qwen::mergesTxt(bpe)},
                                        {"tokenizer_config.json",
                                         qwen::tokenizerConfigJson(static_cast<int64_t>(bpe.vocab.size()))}});
}

}  // namespace headscope
