// Writes the fuzz targets' seed corpus: small inputs made with the library's own writers (so that it works
// without fixtures), and, given the shared fixtures folder, inputs derived from the real Hugging Face files
// in it, cut down where the originals are too big to fuzz quickly (a 7 MB tokenizer.json, 40 MB weights).
//
//   make_seeds OUT_DIR [FIXTURES_DIR]     writes OUT_DIR/<target>/seed-*
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_profile_format.h"
#include "headscope/config.h"
#include "headscope/error.h"
#include "headscope/eval_dataset.h"
#include "headscope/image.h"
#include "headscope/profile.h"
#include "headscope/safetensors.h"
#include "headscope/tokenizer.h"

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using namespace headscope;

namespace {

fs::path outRoot;
int written = 0;

std::string readBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void writeSeed(const std::string& target, const std::string& name, const std::string& bytes) {
    const fs::path folder = outRoot / target;
    fs::create_directories(folder);
    std::ofstream out(folder / ("seed-" + name), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) throw std::runtime_error("cannot write a seed into " + folder.string());
    ++written;
}

// A scratch folder for the library's writers, which write files.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "headscope-seeds-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary folder");
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

// ---- safetensors ----------------------------------------------------------------------------------------

std::string headerOf(const std::string& file) {
    if (file.size() < 8) return {};
    uint64_t length = 0;
    std::memcpy(&length, file.data(), 8);
    return length <= file.size() - 8 ? file.substr(8, length) : std::string();
}

TensorToWrite rawTensor(const std::string& name, DType dtype, std::vector<int64_t> shape) {
    TensorToWrite t;
    t.name = name;
    t.dtype = dtype;
    t.shape = std::move(shape);
    size_t count = 1;
    for (int64_t d : t.shape) count *= size_t(d);
    t.data.resize(count * dtypeSize(dtype));
    for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = uint8_t(i * 29 + 7);
    return t;
}

void addSafetensors(const std::string& name, const std::string& bytes) {
    writeSeed("safetensors_file", name + ".safetensors", bytes);
    writeSeed("safetensors_header", name + ".json", headerOf(bytes));
}

void generatedSafetensors(const TempDir& tmp) {
    const fs::path path = tmp.path / "w.safetensors";
    const std::vector<std::vector<TensorToWrite>> sets = {
        {makeF32Tensor("weight", {2, 3}, {1, 2, 3, 4, 5, 6}), makeI64Tensor("ids", {3}, {7, -1, 1LL << 40})},
        {rawTensor("a.f16", DType::F16, {4}), rawTensor("b.bf16", DType::BF16, {2, 2}),
         rawTensor("c.f64", DType::F64, {1}), rawTensor("d.i32", DType::I32, {3}),
         rawTensor("e.i16", DType::I16, {2}), rawTensor("f.i8", DType::I8, {5}), rawTensor("g.u8", DType::U8, {1, 1}),
         rawTensor("h.bool", DType::Bool, {2})},
        {rawTensor("scalar", DType::F32, {}), rawTensor("empty", DType::F32, {0, 4})},
        {},
    };
    for (size_t i = 0; i < sets.size(); ++i) {
        const std::map<std::string, std::string> metadata =
            i % 2 ? std::map<std::string, std::string>{} : std::map<std::string, std::string>{{"format", "pt"}};
        writeSafetensors(path.string(), sets[i], metadata);
        addSafetensors("gen-" + std::to_string(i), readBytes(path));
    }
}

// Whole small fixture files, and the bigger ones cut to their first tensors (at most 64 KB of data).
void fixtureSafetensors(const fs::path& fixtures, const TempDir& tmp) {
    for (const auto& entry : fs::recursive_directory_iterator(fixtures)) {
        if (entry.path().extension() != ".safetensors") continue;
        const std::string name = entry.path().parent_path().filename().string() + "-" + entry.path().stem().string();
        const std::string bytes = readBytes(entry.path());
        if (bytes.size() <= 512 * 1024) {
            addSafetensors(name, bytes);
            continue;
        }
        writeSeed("safetensors_header", name + "-full.json", headerOf(bytes));
        try {
            const SafetensorsFile file(entry.path().string());
            std::vector<TensorToWrite> kept;
            size_t total = 0;
            for (const TensorView& view : file.tensors()) {
                if (total + view.nbytes > 64 * 1024) continue;
                TensorToWrite t;
                t.name = view.name;
                t.dtype = view.dtype;
                t.shape = view.shape;
                t.data.assign(view.data, view.data + view.nbytes);
                kept.push_back(std::move(t));
                total += view.nbytes;
            }
            const fs::path path = tmp.path / "cut.safetensors";
            writeSafetensors(path.string(), kept, file.metadata());
            addSafetensors(name + "-cut", readBytes(path));
        } catch (const Error& e) {
            std::cerr << "make_seeds: skipping " << entry.path() << ": " << e.what() << "\n";
        }
    }
}

// ---- tokenizer.json -------------------------------------------------------------------------------------

// GPT-2's byte-level alphabet: the printable bytes stand for themselves, the rest for U+0100 onwards.
std::string byteLevelChar(int byte) {
    static std::vector<std::string> table;
    if (table.empty()) {
        table.resize(256);
        int next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            const int cp = printable ? b : next++;
            std::string s;
            if (cp < 0x80) {
                s += char(cp);
            } else {
                s += char(0xC0 | (cp >> 6));
                s += char(0x80 | (cp & 0x3F));
            }
            table[size_t(b)] = s;
        }
    }
    return table[size_t(byte)];
}

const char* const kQwenPattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

ordered_json addedToken(int id, const std::string& content, bool special) {
    return {{"id", id},           {"content", content}, {"single_word", false}, {"lstrip", false},
            {"rstrip", false},    {"normalized", !special}, {"special", special}};
}

ordered_json byteLevelTokenizer() {
    ordered_json vocab = ordered_json::object();
    for (int b = 0; b < 256; ++b) vocab[byteLevelChar(b)] = b;
    const std::string space = byteLevelChar(' ');
    const std::vector<std::pair<std::string, std::string>> merges = {
        {"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}, {space, "w"}, {"o", "r"}, {space + "w", "or"},
        {space + "wor", "l"}, {space + "worl", "d"}, {space, "t"}, {"i", "n"}};
    ordered_json mergeList = ordered_json::array();
    int id = 256;
    for (const auto& [left, right] : merges) {
        if (!vocab.contains(left + right)) vocab[left + right] = id++;
        mergeList.push_back(left + " " + right);
    }
    ordered_json added = ordered_json::array();
    const char* specials[] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                              "<|image_pad|>"};
    for (const char* s : specials) added.push_back(addedToken(id++, s, true));
    added.push_back(addedToken(id++, "<tool_call>", false));
    return {{"version", "1.0"},
            {"truncation", nullptr},
            {"padding", nullptr},
            {"added_tokens", added},
            {"normalizer", {{"type", "NFC"}}},
            {"pre_tokenizer",
             {{"type", "Sequence"},
              {"pretokenizers",
               {{{"type", "Split"}, {"pattern", {{"Regex", kQwenPattern}}}, {"behavior", "Isolated"}, {"invert", false}},
                {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}}}}},
            {"post_processor", nullptr},
            {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}},
            {"model",
             {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", ""},
              {"end_of_word_suffix", ""}, {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
              {"vocab", vocab}, {"merges", mergeList}}}};
}

const std::string kSpaceSymbol = "\xE2\x96\x81";

std::string hexByte(int b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    return name;
}

// A Llama-style tokenizer.json: byte fallback, "▁" for spaces, either by normalizers (older files) or by
// the Metaspace pre-tokenizer and decoder (newer ones).
ordered_json llamaTokenizer(bool metaspace) {
    ordered_json vocab = ordered_json::object();
    vocab["<unk>"] = 0;
    vocab["<s>"] = 1;
    vocab["</s>"] = 2;
    for (int b = 0; b < 256; ++b) vocab[hexByte(b)] = 3 + b;
    int id = 259;
    for (const std::string& piece : {kSpaceSymbol, std::string("t"), std::string("h"), std::string("e"),
                                     std::string("a"), std::string("n"), std::string("o")})
        vocab[piece] = id++;
    const std::vector<std::pair<std::string, std::string>> merges = {
        {kSpaceSymbol, "t"}, {"h", "e"}, {kSpaceSymbol + "t", "he"}, {"a", "n"}, {kSpaceSymbol, "a"}, {"o", "n"}};
    ordered_json mergeList = ordered_json::array();
    for (const auto& [left, right] : merges) {
        if (!vocab.contains(left + right)) vocab[left + right] = id++;
        mergeList.push_back(ordered_json::array({left, right}));
    }
    ordered_json added = ordered_json::array({addedToken(0, "<unk>", true), addedToken(1, "<s>", true),
                                              addedToken(2, "</s>", true), addedToken(id, "<image>", true)});
    ordered_json tokenizer = {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"added_tokens", added}};
    if (metaspace) {
        tokenizer["normalizer"] = nullptr;
        tokenizer["pre_tokenizer"] = {
            {"type", "Metaspace"}, {"replacement", kSpaceSymbol}, {"prepend_scheme", "first"}, {"split", false}};
        tokenizer["decoder"] = {{"type", "Sequence"},
                                {"decoders",
                                 {{{"type", "Metaspace"}, {"replacement", kSpaceSymbol}, {"prepend_scheme", "first"},
                                   {"split", false}},
                                  {{"type", "ByteFallback"}},
                                  {{"type", "Fuse"}}}}};
    } else {
        tokenizer["normalizer"] = {
            {"type", "Sequence"},
            {"normalizers",
             {{{"type", "Prepend"}, {"prepend", kSpaceSymbol}},
              {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpaceSymbol}}}}};
        tokenizer["pre_tokenizer"] = nullptr;
        tokenizer["decoder"] = {{"type", "Sequence"},
                                {"decoders",
                                 {{{"type", "Replace"}, {"pattern", {{"String", kSpaceSymbol}}}, {"content", " "}},
                                  {{"type", "ByteFallback"}},
                                  {{"type", "Fuse"}},
                                  {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
    }
    tokenizer["model"] = {{"type", "BPE"},     {"dropout", nullptr},      {"unk_token", "<unk>"},
                          {"continuing_subword_prefix", nullptr},         {"end_of_word_suffix", nullptr},
                          {"fuse_unk", true},  {"byte_fallback", true},   {"ignore_merges", false},
                          {"vocab", vocab},    {"merges", mergeList}};
    return tokenizer;
}

// A real tokenizer.json with its vocabulary cut to the ids below `keep` and the merges that stay valid
// (nlohmann::json, not ordered_json: an ordered object finds keys by linear search).
nlohmann::json cutTokenizerJson(nlohmann::json tokenizer, int64_t keep) {
    nlohmann::json& model = tokenizer["model"];
    nlohmann::json vocab = nlohmann::json::object();
    std::set<std::string> kept;
    for (const auto& [token, id] : model["vocab"].items())
        if (id.is_number_integer() && id.get<int64_t>() < keep) {
            vocab[token] = id;
            kept.insert(token);
        }
    nlohmann::json merges = nlohmann::json::array();
    for (const auto& merge : model["merges"]) {
        std::string left, right;
        if (merge.is_string()) {
            const std::string line = merge.get<std::string>();
            const size_t space = line.find(' ');
            if (space == std::string::npos) continue;
            left = line.substr(0, space);
            right = line.substr(space + 1);
        } else if (merge.is_array() && merge.size() == 2) {
            left = merge[0].get<std::string>();
            right = merge[1].get<std::string>();
        }
        if (kept.count(left) && kept.count(right) && kept.count(left + right)) merges.push_back(merge);
    }
    model["vocab"] = vocab;
    model["merges"] = merges;
    return tokenizer;
}

void tokenizerJsonSeeds(const fs::path* fixtures) {
    writeSeed("tokenizer_json", "byte-level.json", byteLevelTokenizer().dump(1));
    writeSeed("tokenizer_json", "llama-normalizers.json", llamaTokenizer(false).dump(1));
    writeSeed("tokenizer_json", "llama-metaspace.json", llamaTokenizer(true).dump(1));
    if (!fixtures) return;
    for (const auto& entry : fs::recursive_directory_iterator(*fixtures)) {
        if (entry.path().filename() != "tokenizer.json") continue;
        const std::string name = entry.path().parent_path().filename().string();
        try {
            const nlohmann::json tokenizer = nlohmann::json::parse(readBytes(entry.path()));
            writeSeed("tokenizer_json", name + "-cut.json", cutTokenizerJson(tokenizer, 600).dump());
        } catch (const std::exception& e) {
            std::cerr << "make_seeds: skipping " << entry.path() << ": " << e.what() << "\n";
        }
    }
}

// ---- tokenizer.model (protobuf) -------------------------------------------------------------------------

void putVarint(std::string& out, uint64_t value) {
    while (value >= 0x80) {
        out += char(0x80 | (value & 0x7F));
        value >>= 7;
    }
    out += char(value);
}
void putKey(std::string& out, uint32_t field, int wireType) { putVarint(out, (uint64_t(field) << 3) | wireType); }
void putBytes(std::string& out, uint32_t field, const std::string& bytes) {
    putKey(out, field, 2);
    putVarint(out, bytes.size());
    out += bytes;
}
void putVarintField(std::string& out, uint32_t field, uint64_t value) {
    putKey(out, field, 0);
    putVarint(out, value);
}
void putFloat(std::string& out, uint32_t field, float value) {
    putKey(out, field, 5);
    char bytes[4];
    std::memcpy(bytes, &value, 4);
    out.append(bytes, 4);
}

std::string pieceMessage(const std::string& piece, float score, int type) {
    std::string m;
    putBytes(m, 1, piece);
    putFloat(m, 2, score);
    if (type != 1) putVarintField(m, 3, uint64_t(type));
    return m;
}

// A Llama-like BPE model: <unk>, <s>, </s>, optionally the 256 byte pieces, then ordinary pieces.
std::string sentencePieceModel(bool byteFallback, bool addDummyPrefix) {
    std::string model;
    putBytes(model, 1, pieceMessage("<unk>", 0, 2));
    putBytes(model, 1, pieceMessage("<s>", 0, 3));
    putBytes(model, 1, pieceMessage("</s>", 0, 3));
    if (byteFallback)
        for (int b = 0; b < 256; ++b) putBytes(model, 1, pieceMessage(hexByte(b), 0, 6));
    float score = 0;
    for (const std::string& piece : {kSpaceSymbol + "t", std::string("he"), kSpaceSymbol + "the", std::string("an"),
                                     kSpaceSymbol + "a", std::string("on"), kSpaceSymbol, std::string("t"),
                                     std::string("h"), std::string("e"), std::string("a"), std::string("n"),
                                     std::string("o"), std::string("<user>")})
        putBytes(model, 1, pieceMessage(piece, score -= 1, piece == "<user>" ? 4 : 1));
    std::string trainer;
    putVarintField(trainer, 3, 2);  // model_type BPE
    putVarintField(trainer, 35, byteFallback);
    putBytes(trainer, 44, " \xE2\x81\x87 ");  // unk_surface
    putBytes(model, 2, trainer);
    std::string normalizer;
    putBytes(normalizer, 1, "identity");
    putVarintField(normalizer, 3, addDummyPrefix);
    putVarintField(normalizer, 4, 0);
    putBytes(model, 3, normalizer);
    return model;
}

// A real model with its piece list cut to the first `keep` pieces, every other field kept.
std::string cutSentencePieceModel(const std::string& in, size_t keep) {
    std::string out;
    size_t pos = 0, pieces = 0;
    auto varint = [&](uint64_t& value) {
        value = 0;
        for (int shift = 0; shift < 64 && pos < in.size(); shift += 7) {
            const auto byte = uint8_t(in[pos++]);
            value |= uint64_t(byte & 0x7F) << shift;
            if (!(byte & 0x80)) return true;
        }
        return false;
    };
    while (pos < in.size()) {
        const size_t start = pos;
        uint64_t key = 0, value = 0;
        if (!varint(key)) break;
        switch (key & 7) {
        case 0: varint(value); break;
        case 1: pos += 8; break;
        case 2:
            varint(value);
            pos += value;
            break;
        case 5: pos += 4; break;
        default: return out;
        }
        if (pos > in.size()) break;
        if ((key >> 3) == 1 && pieces++ >= keep) continue;
        out.append(in, start, pos - start);
    }
    return out;
}

void tokenizerModelSeeds(const fs::path* fixtures) {
    writeSeed("tokenizer_model", "bpe-bytes.model", sentencePieceModel(true, true));
    writeSeed("tokenizer_model", "bpe-plain.model", sentencePieceModel(false, false));
    if (!fixtures) return;
    for (const auto& entry : fs::recursive_directory_iterator(*fixtures)) {
        if (entry.path().filename() != "tokenizer.model") continue;
        const std::string name = entry.path().parent_path().filename().string();
        writeSeed("tokenizer_model", name + "-cut.model", cutSentencePieceModel(readBytes(entry.path()), 600));
    }
}

// ---- config.json ----------------------------------------------------------------------------------------

ordered_json qwenTextFields() {
    return {{"vocab_size", 1000},       {"hidden_size", 64},          {"intermediate_size", 128},
            {"num_hidden_layers", 2},   {"num_attention_heads", 4},   {"num_key_value_heads", 2},
            {"rms_norm_eps", 1e-6},     {"rope_theta", 1000000.0},    {"max_position_embeddings", 4096},
            {"hidden_act", "silu"},     {"tie_word_embeddings", true},
            {"rope_scaling", {{"type", "mrope"}, {"mrope_section", {2, 3, 3}}}}};
}

void configSeeds(const fs::path* fixtures) {
    ordered_json qwen25 = {{"model_type", "qwen2_5_vl"}, {"torch_dtype", "bfloat16"}, {"image_token_id", 900},
                           {"video_token_id", 901},      {"vision_start_token_id", 902},
                           {"vision_end_token_id", 903}, {"bos_token_id", 1},           {"eos_token_id", [] {
                               return ordered_json::array({2, 3});
                           }()}};
    qwen25["text_config"] = qwenTextFields();
    qwen25["vision_config"] = {{"depth", 2},          {"hidden_size", 32},        {"intermediate_size", 64},
                               {"num_heads", 2},      {"out_hidden_size", 64},    {"patch_size", 14},
                               {"spatial_merge_size", 2}, {"temporal_patch_size", 2}, {"window_size", 112},
                               {"fullatt_block_indexes", {1}}, {"tokens_per_second", 2}, {"hidden_act", "silu"},
                               {"in_chans", 3}};
    ordered_json qwen2 = qwenTextFields();  // transformers <= 4.51: text fields at the top level
    qwen2["model_type"] = "qwen2_vl";
    qwen2["image_token_id"] = 900;
    qwen2["vision_start_token_id"] = 902;
    qwen2["eos_token_id"] = 2;
    qwen2["vision_config"] = {{"depth", 2}, {"embed_dim", 32}, {"mlp_ratio", 4}, {"num_heads", 2},
                              {"hidden_size", 64}, {"patch_size", 14}, {"spatial_merge_size", 2},
                              {"hidden_act", "quick_gelu"}, {"in_channels", 3}};
    ordered_json llava = {{"model_type", "llava"},
                          {"image_token_index", 32000},
                          {"vision_feature_layer", -2},
                          {"vision_feature_select_strategy", "default"},
                          {"projector_hidden_act", "gelu"},
                          {"multimodal_projector_bias", true},
                          {"text_config",
                           {{"model_type", "llama"},     {"vocab_size", 32064},        {"hidden_size", 64},
                            {"intermediate_size", 128},  {"num_hidden_layers", 2},     {"num_attention_heads", 4},
                            {"num_key_value_heads", 4},  {"rms_norm_eps", 1e-5},       {"rope_theta", 10000.0},
                            {"hidden_act", "silu"},      {"bos_token_id", 1},          {"eos_token_id", 2},
                            {"attention_bias", false}}},
                          {"vision_config",
                           {{"model_type", "clip_vision_model"}, {"hidden_size", 32}, {"intermediate_size", 64},
                            {"num_hidden_layers", 2},            {"num_attention_heads", 2}, {"image_size", 336},
                            {"patch_size", 14},                  {"hidden_act", "quick_gelu"},
                            {"layer_norm_eps", 1e-5}}}};
    for (const auto& [name, config] :
         {std::pair{"qwen2_5_vl", qwen25}, std::pair{"qwen2_vl", qwen2}, std::pair{"llava", llava}}) {
        const std::string text = config.dump(2);
        try {
            (void)parseModelConfig(text, name);
        } catch (const Error& e) {
            std::cerr << "make_seeds: the generated " << name << " config does not load: " << e.what() << "\n";
        }
        writeSeed("model_config", std::string(name) + ".json", text);
    }
    if (!fixtures) return;
    for (const auto& entry : fs::recursive_directory_iterator(*fixtures))
        if (entry.path().filename() == "config.json")
            writeSeed("model_config", entry.path().parent_path().filename().string() + ".json",
                      readBytes(entry.path()));
}

// ---- head profiles --------------------------------------------------------------------------------------

void profileSeeds(const TempDir& tmp) {
    for (int variant = 0; variant < 3; ++variant) {
        const int64_t layers = variant == 2 ? 0 : 2 + variant, heads = variant == 2 ? 0 : 3;
        HeadProfile p;
        p.name = "profile " + std::to_string(variant);
        p.model = {"qwen25vl-tiny", "qwen2_5_vl", "0123456789abcdef", layers, heads};
        p.query = variant == 1 ? QueryChoice::Position : QueryChoice::LastPromptToken;
        p.queryPosition = variant == 1 ? 17 : -1;
        p.decoding.maxNewTokens = 64;
        p.decoding.sampling.doSample = variant == 1;
        p.decoding.sampling.seed = 42;
        p.decoding.stopTokenIds = {151645};
        p.prompt = variant ? "How many circles?" : "";
        p.image = variant ? "scene.png" : "";
        p.appVersion = "0.1.0";
        const size_t cells = size_t(layers * heads);
        p.visualShare = FloatArray({layers, heads});
        p.contribution = FloatArray({layers, heads});
        p.gain = FloatArray({layers, heads});
        p.headClass = Int64Array({layers, heads});
        for (size_t i = 0; i < cells; ++i) {
            p.visualShare.data[i] = float(i) / float(cells);
            p.contribution.data[i] = -0.5f + float(i);
            p.gain.data[i] = i % 3 ? 1.0f : 1.5f;
            p.headClass.data[i] = int64_t(i % 3);
        }
        const fs::path base = tmp.path / "p";
        saveProfile(base.string(), p);
        writeSeed("profile", "gen-" + std::to_string(variant),
                  readBytes(base.string() + ".json") + std::string(fuzz::kProfileSeparator) +
                      readBytes(base.string() + ".safetensors"));
    }
}

// ---- evaluation datasets --------------------------------------------------------------------------------

void evalSeeds(const TempDir& tmp) {
    std::vector<EvalSample> samples(4);
    samples[0].id = "q1";
    samples[0].image = "images/q1.png";
    samples[0].question = "Which shape is red?";
    samples[0].choices = {"circle", "triangle", "square"};
    samples[0].answer = "B";
    samples[0].answerType = AnswerType::Choice;
    samples[0].tags = {"colour"};
    samples[1].id = "q2";
    samples[1].image = "/abs/q2.jpg";
    samples[1].question = "Is there a circle?";
    samples[1].answer = "yes";
    samples[1].answerType = AnswerType::YesNo;
    samples[2].id = "q3";
    samples[2].question = "How many triangles?";
    samples[2].answer = "3";
    samples[2].answerType = AnswerType::Number;
    samples[2].tags = {"counting", "text-only"};
    samples[3].id = "q4";
    samples[3].image = "../q4.png";
    samples[3].question = "Name the colour.";
    samples[3].answer = "dark blue";
    samples[3].answerType = AnswerType::Text;
    const fs::path path = tmp.path / "questions.jsonl";
    writeEvalDataset(path.string(), samples);
    const std::string good = readBytes(path);
    writeSeed("eval_dataset", "written.jsonl", good);
    writeSeed("eval_dataset", "mixed.jsonl",
              good + "\n   \n{\"id\": 5, \"question\": \"Five?\", \"answer\": 5, \"answer_type\": \"number\"}\n"
                     "{\"id\": \"q1\", \"question\": \"again\", \"answer\": \"no\", \"answer_type\": \"yes_no\"}\n"
                     "{\"id\": \"c\", \"question\": \"?\", \"choices\": [\"a\"], \"answer\": \"A\", "
                     "\"answer_type\": \"choice\"}\n"
                     "{\"id\": \"t\", \"question\": \"?\", \"answer\": \"x\", \"answer_type\": \"essay\"}\n"
                     "not json\r\n[1, 2]\n{\"id\": \"n\", \"question\": \"?\", \"answer\": \"1e3\", "
                     "\"answer_type\": \"number\", \"tags\": null, \"image\": null}\n");
}

// ---- images ---------------------------------------------------------------------------------------------

void imageSeed(const std::string& name, const std::string& extension, const cv::Mat& image,
               const std::vector<int>& params = {}) {
    std::vector<uint8_t> bytes;
    try {
        if (!cv::imencode(extension, image, bytes, params)) return;
    } catch (const cv::Exception&) {
        return;  // this OpenCV has no encoder for the format
    }
    writeSeed("image", name + extension, std::string(bytes.begin(), bytes.end()));
}

// A JPEG with an EXIF APP1 segment that sets the orientation (6: rotate 90 degrees clockwise).
std::string withExifOrientation(const std::vector<uint8_t>& jpeg, int orientation) {
    const uint8_t tiff[] = {'I', 'I', 42, 0, 8, 0, 0, 0,  // little-endian TIFF header, IFD at 8
                            1, 0,                         // one entry
                            0x12, 0x01, 3, 0, 1, 0, 0, 0, uint8_t(orientation), 0, 0, 0,  // 0x0112 SHORT 1
                            0, 0, 0, 0};                  // no next IFD
    std::string app1 = "Exif";
    app1 += std::string(2, '\0');
    app1.append(reinterpret_cast<const char*>(tiff), sizeof tiff);
    const size_t length = app1.size() + 2;
    std::string out(reinterpret_cast<const char*>(jpeg.data()), 2);  // SOI
    out += char(0xFF);
    out += char(0xE1);
    out += char(length >> 8);
    out += char(length & 0xFF);
    out += app1;
    out.append(reinterpret_cast<const char*>(jpeg.data()) + 2, jpeg.size() - 2);
    return out;
}

void imageSeeds(const fs::path* fixtures) {
    cv::Mat colour(12, 17, CV_8UC3);
    for (int y = 0; y < colour.rows; ++y)
        for (int x = 0; x < colour.cols; ++x) colour.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 15, y * 20, (x + y) * 7);
    cv::Mat grey, rgba, colour16, grey16;
    cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
    cv::cvtColor(colour, rgba, cv::COLOR_BGR2BGRA);
    for (int y = 0; y < rgba.rows; ++y)
        for (int x = 0; x < rgba.cols; ++x) rgba.at<cv::Vec4b>(y, x)[3] = uint8_t(x * 15);
    colour.convertTo(colour16, CV_16U, 257);
    grey.convertTo(grey16, CV_16U, 300);
    imageSeed("colour", ".png", colour);
    imageSeed("grey", ".png", grey);
    imageSeed("alpha", ".png", rgba);
    imageSeed("colour16", ".png", colour16);
    imageSeed("grey16", ".png", grey16);
    imageSeed("colour", ".jpg", colour);
    imageSeed("grey", ".jpg", grey);
    imageSeed("progressive", ".jpg", colour, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
    imageSeed("colour", ".bmp", colour);
    imageSeed("colour", ".ppm", colour);
    imageSeed("grey", ".pgm", grey);
    imageSeed("colour", ".tiff", colour);
    imageSeed("colour", ".webp", colour);
    imageSeed("lossless", ".webp", colour, {cv::IMWRITE_WEBP_QUALITY, 101});
    imageSeed("colour", ".pam", colour);
    imageSeed("grey", ".pbm", grey);
    imageSeed("colour", ".ras", colour);
    cv::Mat larger;  // JPEG 2000's five default resolutions need 32 pixels a side
    cv::resize(colour, larger, cv::Size(40, 34), 0, 0, cv::INTER_NEAREST);
    imageSeed("colour", ".jp2", larger);
    std::vector<uint8_t> jpeg;
    if (cv::imencode(".jpg", colour, jpeg))
        for (int orientation : {3, 6, 8}) writeSeed("image", "exif-" + std::to_string(orientation) + ".jpg",
                                                    withExifOrientation(jpeg, orientation));
    if (!fixtures) return;
    for (const auto& entry : fs::recursive_directory_iterator(*fixtures)) {
        const std::string extension = entry.path().extension().string();
        if (extension != ".png" && extension != ".jpg" && extension != ".jpeg") continue;
        const std::string name = entry.path().parent_path().filename().string() + "-" + entry.path().stem().string();
        const std::string bytes = readBytes(entry.path());
        if (bytes.size() <= 100 * 1024) writeSeed("image", name + extension, bytes);
        // Small re-encodings of the real pictures keep each run short.
        const cv::Mat image = cv::imread(entry.path().string(), cv::IMREAD_UNCHANGED);
        if (image.empty()) continue;
        cv::Mat small;
        cv::resize(image, small, cv::Size(std::max(1, image.cols / 16), std::max(1, image.rows / 16)));
        imageSeed(name + "-small", extension, small);
    }
}

// ---- checking ---------------------------------------------------------------------------------------------

// Loads every seed of `target` with the reader its fuzz target calls and says how many load: seeds that all
// fail on their first check would leave the fuzzer to rediscover the format.
template <typename Load>
void reportLoadable(const std::string& target, Load load) {
    int total = 0, loaded = 0;
    std::vector<std::string> refused;  // fixtures of model types HeadScope does not run, for instance
    for (const auto& entry : fs::directory_iterator(outRoot / target)) {
        if (entry.path().filename().string().rfind("seed-", 0) != 0) continue;
        ++total;
        try {
            load(entry.path());
            ++loaded;
        } catch (const Error& e) {
            refused.push_back(entry.path().filename().string() + ": " + e.what());
        }
    }
    std::cout << "  " << target << ": " << total << " seeds, " << loaded << " load\n";
    for (const std::string& why : refused) std::cout << "    refused " << why << "\n";
}

void reportAll(const TempDir& tmp) {
    reportLoadable("safetensors_file", [](const fs::path& p) { SafetensorsFile{p.string()}; });
    reportLoadable("tokenizer_json", [](const fs::path& p) { Tokenizer::fromTokenizerJson(p.string()); });
    reportLoadable("tokenizer_model", [](const fs::path& p) { loadSentencePieceTokenizer(p.string(), ""); });
    reportLoadable("model_config", [](const fs::path& p) { loadModelConfig(p.string()); });
    reportLoadable("profile", [&](const fs::path& p) {
        const std::string both = readBytes(p);
        const size_t split = both.find(fuzz::kProfileSeparator);
        std::ofstream(tmp.path / "c.json", std::ios::binary) << both.substr(0, split);
        std::ofstream(tmp.path / "p.safetensors", std::ios::binary)
            << both.substr(split + fuzz::kProfileSeparator.size());
        loadProfile((tmp.path / "c.json").string());
    });
    reportLoadable("eval_dataset", [](const fs::path& p) { readEvalDataset(p.string()); });
    reportLoadable("image", [](const fs::path& p) {
        const std::string bytes = readBytes(p);
        decodeImage(std::vector<uint8_t>(bytes.begin(), bytes.end()), p.string());
    });
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::cerr << "usage: make_seeds OUT_DIR [FIXTURES_DIR]\n";
        return 2;
    }
    outRoot = argv[1];
    const fs::path fixtures = argc == 3 ? fs::path(argv[2]) : fs::path();
    const fs::path* fixturesOrNull = argc == 3 && fs::is_directory(fixtures) ? &fixtures : nullptr;
    try {
        const TempDir tmp;
        generatedSafetensors(tmp);
        if (fixturesOrNull) fixtureSafetensors(fixtures, tmp);
        tokenizerJsonSeeds(fixturesOrNull);
        tokenizerModelSeeds(fixturesOrNull);
        configSeeds(fixturesOrNull);
        profileSeeds(tmp);
        evalSeeds(tmp);
        imageSeeds(fixturesOrNull);
        std::cout << "make_seeds: " << written << " seeds in " << outRoot.string()
                  << (fixturesOrNull ? " (generated and from " + fixtures.string() + ")" : " (generated; no fixtures)")
                  << "\n";
        reportAll(tmp);
    } catch (const std::exception& e) {
        std::cerr << "make_seeds: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
