// The files of an evaluation run (eval, sweep) in its --out folder: run.json (the settings every shard shares),
// results[.shard-I-of-N].jsonl (one record per question and mode) and summary[...].json / .md.
#pragma once
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "headscope/eval_dataset.h"
#include "headscope/eval_records.h"
#include "headscope/session.h"

namespace headscope::cli {

struct Shard {
    int64_t index = 1;  // 1-based
    int64_t count = 1;
    bool owns(int64_t questionIndex) const { return questionIndex % count == index - 1; }
};

// "I/N" with 1 <= I <= N; UsageError otherwise.
Shard parseShard(const std::string& text);

// "" for an unsharded run, ".shard-2-of-4" otherwise.
std::string shardSuffix(const Shard& shard);

// --data FILE and --limit N: the dataset with its skipped lines reported on stderr, cut to its first N
// questions (0: all). InvalidInputError when no question is left.
EvalDataset readDatasetForRun(const Arguments& args);

// Decoding settings as run.json records them.
nlohmann::json decodingJson(const GenerationOptions& decoding);

// "%g": 1.16, 0.1, 500.
std::string shortNumber(double value);

// Writes run.json, or checks that the one already there holds the same settings (UsageError if not).
void claimRunFolder(const std::string& folder, const nlohmann::json& settings);
nlohmann::json readRunSettings(const std::string& folder);  // Error when there is none

// Appends records to a results file, each flushed to disk before the next one starts, so that a killed run
// loses at most the record being written.
class ResultsAppender {
public:
    explicit ResultsAppender(const std::string& path);
    ~ResultsAppender();
    ResultsAppender(const ResultsAppender&) = delete;
    ResultsAppender& operator=(const ResultsAppender&) = delete;
    void append(const EvalRecord& record);

private:
    std::string path_;
    std::FILE* file_;
};

// Opens a results file for resuming: reads its records, cuts a last line left half-written (saying so on
// stderr) and returns what is kept.
EvalRecordFile reopenResults(const std::string& path);

// The (question index, mode) pairs a results file already holds, checked against the dataset so that a
// results file of another dataset is never continued (FormatError naming `path`).
std::set<std::pair<int64_t, std::string>> finishedWork(const EvalRecordFile& existing, const std::vector<EvalSample>& samples,
                                                       const std::string& path);

// Writes summary<suffix>.json and .md beside the results and returns the Markdown table.
std::string writeEvalSummary(const std::string& folder, const std::string& suffix, const std::vector<EvalRecord>& records,
                             const std::vector<std::string>& modes);

}  // namespace headscope::cli
