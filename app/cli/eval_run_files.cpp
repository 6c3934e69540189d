#include "eval_run_files.h"

#include <unistd.h>

#include <filesystem>

#include "commands.h"
#include "headscope/error.h"
#include "headscope/json_text.h"
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

EvalDataset readDatasetForRun(const Arguments& args) {
    const int64_t limit = args.intOr("limit", 0);
    if (limit < 0) throw UsageError("--limit must be >= 0");
    EvalDataset dataset = readEvalDataset(args.value("data"));
    for (const DatasetProblem& p : dataset.skipped)
        std::fprintf(stderr, "%s:%lld: skipped: %s\n", dataset.path.c_str(), static_cast<long long>(p.line), p.message.c_str());
    if (limit > 0 && int64_t(dataset.samples.size()) > limit) dataset.samples.resize(size_t(limit));
    if (dataset.samples.empty()) throw InvalidInputError(dataset.path + ": no valid question to evaluate");
    return dataset;
}

nlohmann::json decodingJson(const GenerationOptions& d) {
    return {{"max_new_tokens", d.maxNewTokens}, {"sample", d.sampling.doSample}, {"temperature", d.sampling.temperature},
            {"top_k", d.sampling.topK}, {"top_p", d.sampling.topP}, {"seed", d.sampling.seed}};
}

std::string shortNumber(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

void claimRunFolder(const std::string& folder, const nlohmann::json& settings) {
    fs::create_directories(folder);
    const std::string path = (fs::path(folder) / "run.json").string();
    if (fs::exists(path)) {
        const nlohmann::json existing = parseJsonText(readTextFile(path), path + ": damaged run settings");
        if (existing != settings)
            throw UsageError(path + ": this folder holds a run with other settings (" + quoteJson(existing, 400) +
                             "); resume with the same options or choose another --out");
        return;
    }
    writeTextFileAtomically(path, settings.dump(2) + "\n");
}

nlohmann::json readRunSettings(const std::string& folder) {
    const std::string path = (fs::path(folder) / "run.json").string();
    return parseJsonText(readTextFile(path), path + ": damaged run settings");
}

ResultsAppender::ResultsAppender(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "ab")) {
    if (!file_) throw Error(path + ": cannot open for appending");
}

ResultsAppender::~ResultsAppender() { std::fclose(file_); }

void ResultsAppender::append(const EvalRecord& record) {
    const std::string line = evalRecordJson(record) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0 ||
        ::fsync(fileno(file_)) != 0)
        throw Error(path_ + ": cannot write the result of question '" + record.id + "'");
}

EvalRecordFile reopenResults(const std::string& path) {
    EvalRecordFile existing = readEvalRecords(path);
    if (existing.truncatedTail) {
        std::fprintf(stderr, "%s: the last line was cut short (an interrupted run); it is run again\n", path.c_str());
        fs::resize_file(path, uintmax_t(existing.completeBytes));
    }
    return existing;
}

std::set<std::pair<int64_t, std::string>> finishedWork(const EvalRecordFile& existing, const std::vector<EvalSample>& samples,
                                                       const std::string& path) {
    std::set<std::pair<int64_t, std::string>> done;
    for (const EvalRecord& r : existing.records) {
        if (r.index < 0 || r.index >= int64_t(samples.size()) || samples[size_t(r.index)].id != r.id)
            throw FormatError(path + ": record of question '" + r.id + "' (index " + std::to_string(r.index) +
                              ") does not match the dataset; was it made from another file?");
        done.insert({r.index, r.mode});
    }
    return done;
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
