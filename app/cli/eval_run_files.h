// The files of an evaluation run in its --out folder: run.json (the settings every shard shares),
// results[.shard-I-of-N].jsonl (one record per question and mode) and summary[...].json / .md.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "headscope/eval_records.h"

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

// Writes run.json, or checks that the one already there holds the same settings (UsageError if not).
void claimRunFolder(const std::string& folder, const nlohmann::json& settings);
nlohmann::json readRunSettings(const std::string& folder);  // Error when there is none

// Writes summary<suffix>.json and .md beside the results and returns the Markdown table.
std::string writeEvalSummary(const std::string& folder, const std::string& suffix, const std::vector<EvalRecord>& records,
                             const std::vector<std::string>& modes);

}  // namespace headscope::cli
