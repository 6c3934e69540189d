// Results of an evaluation run: one JSON line per (question, mode), appended and flushed as each finishes so
// that an interrupted run loses nothing and resumes where it stopped; and the per-mode summary table.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "headscope/eval_statistics.h"

namespace headscope {

struct EvalRecord {
    int64_t index = 0;  // the question's position among the dataset's valid questions
    std::string id;
    std::string mode;  // "vanilla", "sampled", "fac", "vcd"
    // What was asked.
    std::string image;  // as the dataset names it; empty: no image
    std::string prompt;
    std::string reference;
    std::string answerType;
    std::vector<std::string> tags;
    // How: decoding settings, seed and the settings of the mode ("gains" hash for fac, VCD's alpha, ...).
    int64_t maxNewTokens = 0;
    bool sampled = false;
    double temperature = 1;
    int64_t topK = 0;
    double topP = 1;
    uint64_t seed = 0;
    std::string profileHash;  // FNV-1a 64 of the gain table as float32 bytes; empty when no gains were changed
    std::map<std::string, std::string> modeSettings;  // e.g. {"alpha": "1", "beta": "0.1", "noise_step": "500"}
    // What came out.
    std::string generated;
    std::string extracted;  // empty: no answer found
    std::string rule;       // the extraction rule that fired
    bool correct = false;
    int64_t promptTokens = 0;
    int64_t generatedTokens = 0;
    double latencySeconds = 0;
};

std::string evalRecordJson(const EvalRecord& record);  // one line, no newline
// Throws FormatError naming `where` for a line that is not a record.
EvalRecord parseEvalRecord(const std::string& line, const std::string& where);

struct EvalRecordFile {
    std::vector<EvalRecord> records;
    int64_t completeBytes = 0;   // length of the file up to the end of its last complete line
    bool truncatedTail = false;  // a last line without its newline (a run killed while writing) was ignored
};
// Reads a results file; a missing file reads as empty. A complete line that is not a record is a
// FormatError naming the file and line.
EvalRecordFile readEvalRecords(const std::string& path);

struct ModeSummary {
    std::string mode;
    int64_t total = 0;
    int64_t correct = 0;
    int64_t unanswered = 0;  // no answer could be extracted
    double accuracy = 0;
    Interval accuracyInterval;
    bool hasReference = false;   // compared with the first mode on the same questions
    PairedComparison versusReference;
    double meanLatencySeconds = 0;
    double latencyRatio = 0;  // mean latency / the reference mode's (on the same questions); 0 without one
    double meanGeneratedTokens = 0;
};

// One row per mode in `modes` order; the first mode is the reference of the paired comparisons (only
// questions answered in both modes are paired).
std::vector<ModeSummary> summarizeEval(const std::vector<EvalRecord>& records, const std::vector<std::string>& modes);

// The summary as a Markdown table.
std::string evalSummaryMarkdown(const std::vector<ModeSummary>& rows);
std::string evalSummaryJson(const std::vector<ModeSummary>& rows);

// FNV-1a 64 of a gain table's float32 bytes, hex.
std::string gainTableHash(const std::vector<float>& gains);

}  // namespace headscope
