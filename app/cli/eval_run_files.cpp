#include "eval_run_files.h"

#include <filesystem>

#include "commands.h"
#include "headscope/error.h"
#include "headscope/text_files.h"

namespace headscope::cli {

namespace fs = std::filesystem;

Shard parseShard(const std::string& text) {
    const size_t slash = text.find('/');
    Shard shard;
    try {
        if (slash == std::string::npos) throw std::invalid_argument("no slash");
        size_t used = 0;
        shard.index = std::stoll(text.substr(0, slash), &used);
        if (used != slash) throw std::invalid_argument("index");
        const std::string count = text.substr(slash + 1);
        shard.count = std::stoll(count, &used);
        if (used != count.size()) throw std::invalid_argument("count");
    } catch (const std::exception&) {
        throw UsageError("--shard: '" + text + "' is not I/N (e.g. 2/8)");
    }
    if (shard.count < 1 || shard.index < 1 || shard.index > shard.count)
        throw UsageError("--shard: '" + text + "' needs 1 <= I <= N");
    return shard;
}

std::string shardSuffix(const Shard& shard) {
    if (shard.count == 1) return "";
    return ".shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count);
}

void claimRunFolder(const std::string& folder, const nlohmann::json& settings) {
    fs::create_directories(folder);
    const std::string path = (fs::path(folder) / "run.json").string();
    if (fs::exists(path)) {
        nlohmann::json existing;
        try {
            existing = nlohmann::json::parse(readTextFile(path));
        } catch (const nlohmann::json::exception& e) {
            throw FormatError(path + ": damaged run settings (" + e.what() + ")");
        }
        if (existing != settings)
            throw UsageError(path + ": this folder holds a run with other settings (" + existing.dump() +
                             "); resume with the same options or choose another --out");
        return;
    }
    writeTextFileAtomically(path, settings.dump(2) + "\n");
}

nlohmann::json readRunSettings(const std::string& folder) {
    const std::string path = (fs::path(folder) / "run.json").string();
    try {
        return nlohmann::json::parse(readTextFile(path));
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(path + ": damaged run settings (" + e.what() + ")");
    }
}

std::string writeEvalSummary(const std::string& folder, const std::string& suffix, const std::vector<EvalRecord>& records,
                             const std::vector<std::string>& modes) {
    const auto rows = summarizeEval(records, modes);
    const std::string table = evalSummaryMarkdown(rows);
    writeTextFileAtomically((fs::path(folder) / ("summary" + suffix + ".json")).string(), evalSummaryJson(rows));
    writeTextFileAtomically((fs::path(folder) / ("summary" + suffix + ".md")).string(), table);
    return table;
}

}  // namespace headscope::cli
