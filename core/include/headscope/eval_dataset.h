// Evaluation datasets in HeadScope's native JSONL format: one question per line,
//   {"id": "q1", "image": "images/q1.png", "question": "...", "choices": ["..", ".."], "answer": "B",
//    "answer_type": "choice", "tags": ["counting"]}
// "image" is relative to the file (or absolute; absent for text-only questions); "choices" only for
// answer_type "choice", whose answer is the option's letter (A for the first choice). answer_type is one of
// "choice", "yes_no", "number", "text". A bad line is reported with its number and skipped, never dropped
// silently.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace headscope {

enum class AnswerType { Choice, YesNo, Number, Text };
std::string answerTypeName(AnswerType type);  // "choice", "yes_no", "number", "text"
std::optional<AnswerType> parseAnswerType(const std::string& name);

struct EvalSample {
    std::string id;
    std::string image;  // as written in the file; empty: no image
    std::string question;
    std::vector<std::string> choices;
    std::string answer;  // normalised: a capital letter for choices, "yes" / "no", the number as written, text
    AnswerType answerType = AnswerType::Text;
    std::vector<std::string> tags;
    int64_t line = 0;  // 1-based line in the file it came from
};

struct DatasetProblem {
    int64_t line = 0;
    std::string message;
};

struct EvalDataset {
    std::string path;
    std::vector<EvalSample> samples;
    std::vector<DatasetProblem> skipped;  // bad lines, in file order
};

// Reads a native JSONL file. Blank lines are ignored; a line that is not a valid question (bad JSON, a
// missing or mistyped field, an unknown answer type, a choice answer outside its options, a repeated id) is
// listed in `skipped`. Throws Error when the file cannot be read.
EvalDataset readEvalDataset(const std::string& path);
constexpr size_t kMaxQuestionLineBytes = size_t(1) << 20;  // longer lines are skipped

// An image path as a dataset (or a record) names it, resolved against the dataset file's folder; empty
// stays empty.
std::string resolveDatasetPath(const EvalDataset& dataset, const std::string& image);
// The image path of a sample resolved against its dataset file's folder; empty without an image.
std::string resolveSampleImage(const EvalDataset& dataset, const EvalSample& sample);

// Letter of the option at `index`: A, B, ..., Z.
std::string choiceLetter(size_t index);

// The text the model is asked: the question, then for choice questions one "A. option" line per option.
std::string samplePrompt(const EvalSample& sample);

// One line of the native format (no newline), fields in the order above.
std::string evalSampleJson(const EvalSample& sample);

// Writes samples as a native JSONL file, atomically (temporary name, then rename).
void writeEvalDataset(const std::string& path, const std::vector<EvalSample>& samples);

}  // namespace headscope
