// [layers, heads] tables as the analysis commands show them: aligned text for people, JSON and CSV for
// scripts, and the token labels that go with them.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "headscope/array.h"
#include "headscope/head_classes.h"
#include "headscope/tokenizer.h"

namespace headscope::cli {

// One line per layer: a character per head ('P' perception, 'R' reasoning, '.' other), then its S_v values.
void printClassTable(const HeadClassification& classification, const FloatArray& visualShare);

// One line per layer, one column per head.
void printValueTable(const FloatArray& table);

// "perception 3 (4.7%), reasoning 2 (3.1%), selected 7.8% of 64 heads"
std::string classCountsLine(const HeadClassification& classification);

// A class table counted from its codes, for tables that come from a saved profile.
HeadClassification countClasses(const Int64Array& classes);

// Nested arrays, one per layer.
nlohmann::json tableJson(const FloatArray& table);
nlohmann::json classNamesJson(const Int64Array& classes);
nlohmann::json classCountsJson(const HeadClassification& classification);

struct HeadValue {
    int64_t layer = 0;
    int64_t head = 0;
    float value = 0;
};
// The `count` heads of largest |value|, largest first.
std::vector<HeadValue> largestMagnitudes(const FloatArray& table, size_t count);

// `layer,head,contribution,visual_share` with a header line, written to a temporary file and renamed so that
// a reader never sees half a table. Throws std::runtime_error naming the file when it cannot be written.
void writeHeadCsv(const std::string& path, const FloatArray& contribution, const FloatArray& visualShare);

// The text of one token; empty for ids the tokenizer does not know.
std::string tokenText(const Tokenizer& tokenizer, int64_t id);

// A token for display: its id and its text as a quoted JSON string (newlines and quotes escaped).
std::string tokenLabel(const Tokenizer& tokenizer, int64_t id);

}  // namespace headscope::cli
