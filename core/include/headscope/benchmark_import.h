// Importers from the formats published benchmarks ship in to HeadScope's native JSONL (eval_dataset.h).
// Each reads only the fields listed; a record it cannot use is reported with its position and skipped.
//
//   mathvista       MathVista's testmini.json / query-style JSON: an object keyed by pid (or a list, or
//                   JSONL) of {pid, question, image, choices, answer, question_type (multi_choice |
//                   free_form), answer_type (integer | float | text | list), precision, metadata.category,
//                   metadata.task}; multi_choice -> choice, integer / float -> number, else text.
//   hallusionbench  HallusionBench.json: a list of {category, subcategory, set_id, figure_id, question_id,
//                   question, gt_answer ("1" yes / "0" no), filename (null without an image)} -> yes_no.
//   seedbench       SEED-Bench.json: {"questions": [{question_id, question, choice_a..choice_d, answer (a
//                   letter), data_id (the image file), data_type, question_type_id}]}; video questions are
//                   skipped -> choice.
//   pope            POPE's JSONL: {question_id, image, text, label (yes | no)} -> yes_no.
//   tsv             VLMEvalKit's TSV (MMStar, SEED-Bench, HallusionBench, MMBench ...): columns index,
//                   question, answer, image (base64) or image_path, option columns A, B, ... when the
//                   question is multiple choice (else options written in the question as
//                   "Options: A: ..., B: ..."), category -> choice, yes_no, number or text by the answer.
//
// Image paths are taken relative to `imagesRoot` (default: the input file's folder); base64 images are
// decoded into OUTPUT/images/. The output is OUTPUT/questions.jsonl.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "headscope/eval_dataset.h"

namespace headscope {

enum class BenchmarkFormat { MathVista, HallusionBench, SeedBench, Pope, Tsv };
std::optional<BenchmarkFormat> parseBenchmarkFormat(const std::string& name);
std::string benchmarkFormatName(BenchmarkFormat format);

struct ImportProblem {
    std::string where;  // "line 12", "record 'q7'", "row 40"
    std::string message;
};

struct ImportResult {
    int64_t written = 0;
    std::vector<ImportProblem> skipped;
    std::string datasetPath;  // OUTPUT/questions.jsonl
};

// Throws Error when the input cannot be read or is not in the format at all (e.g. not JSON); records it
// cannot use are skipped and listed. The output folder must not exist; it is built beside and renamed.
ImportResult importBenchmark(BenchmarkFormat format, const std::string& input, const std::string& imagesRoot,
                             const std::string& outputFolder);

// Standard base64 (RFC 4648, padding optional, whitespace ignored); nullopt for any other character.
std::optional<std::vector<uint8_t>> decodeBase64(const std::string& text);

// Rows of a tab-separated file as pandas writes them: fields may be double-quoted (with "" for a quote
// and tabs or newlines inside). Throws FormatError for an unterminated quote.
std::vector<std::vector<std::string>> parseTsv(const std::string& text);

}  // namespace headscope
