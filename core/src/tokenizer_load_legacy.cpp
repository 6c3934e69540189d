// Tokenizer::fromVocabAndMerges and fromFolder: the "slow" file layout (vocab.json + merges.txt +
// tokenizer_config.json) read with the settings of transformers' Qwen2Tokenizer.
#include "headscope/error.h"
#include "qwen_tokenizer_files.h"
#include "tokenizer_impl.h"
#include "tokenizer_json.h"

#include <filesystem>

namespace headscope {
namespace tok {
namespace {

Vocabulary readVocabulary(const std::string& path) {
    const JsonFile file = JsonFile::load(path);
    file.object(file.root(), "");
    Vocabulary vocabulary;
    vocabulary.reserve(file.root().size());
    for (const auto& [token, id] : file.root().items()) vocabulary.emplace(token, file.tokenId(id, token));
    return vocabulary;
}

std::string trimWhitespace(const std::string& line) {
    const std::size_t begin = line.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    return line.substr(begin, line.find_last_not_of(" \t\r\n") - begin + 1);
}

// One "left right" pair per line; an optional "#version" first line and blank lines are skipped.
MergeList readMerges(const std::string& path) {
    const std::string contents = readWholeFile(path);
    if (!isValidUtf8(contents)) throw FormatError(path + ": not valid UTF-8");
    MergeList merges;
    std::size_t lineNumber = 0;
    for (std::size_t start = 0; start < contents.size();) {
        std::size_t end = contents.find('\n', start);
        if (end == std::string::npos) end = contents.size();
        const std::string line = trimWhitespace(contents.substr(start, end - start));
        start = end + 1;
        ++lineNumber;
        if (line.empty() || (lineNumber == 1 && line.rfind("#version", 0) == 0)) continue;
        const std::size_t space = line.find(' ');
        if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
            throw FormatError(path + ": line " + std::to_string(lineNumber) +
                              ": expected two tokens separated by one space, found '" + line + "'");
        merges.emplace_back(line.substr(0, space), line.substr(space + 1));
    }
    return merges;
}

std::vector<AddedToken> readAddedTokens(const std::string& configPath) {
    if (configPath.empty()) return {};
    return JsonFile::load(configPath).addedTokensDecoder();
}

}  // namespace
}  // namespace tok

std::unique_ptr<Tokenizer> Tokenizer::fromVocabAndMerges(const std::string& vocabJson,
                                                         const std::string& mergesTxt,
                                                         const std::string& tokenizerConfigJson) {
    using namespace tok;
    TokenizerParts parts;
    parts.normalizers = {NormalForm::NFC};
    const auto pattern = std::make_shared<Regex>(qwen::kPretokenizePattern, false, "Qwen2 pattern");
    parts.preTokenizer.addStep(SplitStep{pattern, SplitBehavior::Isolated, false});
    parts.preTokenizer.addStep(ByteLevelStep{false, false});
    parts.model = std::make_unique<BpeModel>(readVocabulary(vocabJson), readMerges(mergesTxt), BpeOptions{},
                                             BpeSource{vocabJson, "", mergesTxt, "merges"});
    parts.addedTokens = readAddedTokens(tokenizerConfigJson);
    return std::make_unique<BpeTokenizer>(std::move(parts));
}

std::unique_ptr<Tokenizer> Tokenizer::fromFolder(const std::string& folder) {
    namespace fs = std::filesystem;
    const fs::path root(folder);
    std::error_code error;
    // Whatever carries the name is opened (a folder, a pipe or a broken link then fails with its own reason).
    const auto exists = [&](const char* name) { return fs::exists(fs::symlink_status(root / name, error)); };
    if (exists("tokenizer.json")) return fromTokenizerJson((root / "tokenizer.json").string());
    if (exists("vocab.json") && exists("merges.txt")) {
        const std::string config =
            exists("tokenizer_config.json") ? (root / "tokenizer_config.json").string() : "";
        return fromVocabAndMerges((root / "vocab.json").string(), (root / "merges.txt").string(), config);
    }
    throw Error(folder + ": no tokenizer found (expected tokenizer.json, or vocab.json and merges.txt)");
}

}  // namespace headscope
