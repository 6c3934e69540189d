// The native JSONL dataset format: reading with per-line problems, resolving images, writing.
#include "headscope/eval_dataset.h"

#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "eval/answer_text.h"
#include "headscope/error.h"
#include "headscope/text_files.h"

namespace headscope {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A line that is not a valid question; the message names the field.
struct BadLine {
    std::string message;
};

std::string requireText(const json& row, const char* field) {
    const auto it = row.find(field);
    if (it == row.end()) throw BadLine{std::string("missing field \"") + field + "\""};
    if (it->is_number()) return it->dump();  // ids and numeric answers are often written as numbers
    if (!it->is_string()) throw BadLine{std::string("field \"") + field + "\" must be a string"};
    return it->get<std::string>();
}

std::vector<std::string> optionalTextList(const json& row, const char* field) {
    const auto it = row.find(field);
    if (it == row.end() || it->is_null()) return {};
    if (!it->is_array()) throw BadLine{std::string("field \"") + field + "\" must be a list of strings"};
    std::vector<std::string> items;
    for (const json& item : *it) {
        if (!item.is_string()) throw BadLine{std::string("field \"") + field + "\" must be a list of strings"};
        items.push_back(item.get<std::string>());
    }
    return items;
}

// The answer in the form the grader compares: a choice's letter, "yes" / "no", or the text as written.
std::string normalisedAnswer(const std::string& answer, const EvalSample& sample) {
    const std::string trimmed = eval_text::trim(answer);
    switch (sample.answerType) {
    case AnswerType::Choice: {
        const std::string upper = eval_text::toUpper(trimmed);
        for (size_t i = 0; i < sample.choices.size(); ++i)
            if (upper == choiceLetter(i) || trimmed == sample.choices[i]) return choiceLetter(i);
        throw BadLine{"answer \"" + answer + "\" is neither the letter nor the text of one of the " +
                      std::to_string(sample.choices.size()) + " choices"};
    }
    case AnswerType::YesNo: {
        const std::string lower = eval_text::toLower(trimmed);
        if (lower != "yes" && lower != "no") throw BadLine{"a yes_no answer must be \"yes\" or \"no\", not \"" + answer + "\""};
        return lower;
    }
    case AnswerType::Number:
        if (!eval_text::parseNumber(trimmed)) throw BadLine{"a number answer must be a number, not \"" + answer + "\""};
        return trimmed;
    case AnswerType::Text:
        if (trimmed.empty()) throw BadLine{"the answer is empty"};
        return trimmed;
    }
    return trimmed;
}

EvalSample sampleFromJson(const json& row) {
    if (!row.is_object()) throw BadLine{"not a JSON object"};
    EvalSample sample;
    sample.id = requireText(row, "id");
    if (sample.id.empty()) throw BadLine{"the id is empty"};
    sample.question = requireText(row, "question");
    if (eval_text::trim(sample.question).empty()) throw BadLine{"the question is empty"};
    if (row.contains("image") && !row.at("image").is_null()) sample.image = requireText(row, "image");
    sample.choices = optionalTextList(row, "choices");
    sample.tags = optionalTextList(row, "tags");
    const std::string typeName = requireText(row, "answer_type");
    const auto type = parseAnswerType(typeName);
    if (!type) throw BadLine{"unknown answer_type \"" + typeName + "\" (choice, yes_no, number or text)"};
    sample.answerType = *type;
    if (sample.answerType == AnswerType::Choice && (sample.choices.size() < 2 || sample.choices.size() > 26))
        throw BadLine{"a choice question needs 2 to 26 choices"};
    if (sample.answerType != AnswerType::Choice && !sample.choices.empty())
        throw BadLine{"choices are given but answer_type is \"" + typeName + "\", not \"choice\""};
    sample.answer = normalisedAnswer(requireText(row, "answer"), sample);
    return sample;
}

}  // namespace

std::string answerTypeName(AnswerType type) {
    switch (type) {
    case AnswerType::Choice: return "choice";
    case AnswerType::YesNo: return "yes_no";
    case AnswerType::Number: return "number";
    case AnswerType::Text: return "text";
    }
    return "text";
}

std::optional<AnswerType> parseAnswerType(const std::string& name) {
    for (AnswerType type : {AnswerType::Choice, AnswerType::YesNo, AnswerType::Number, AnswerType::Text})
        if (answerTypeName(type) == name) return type;
    return std::nullopt;
}

std::string choiceLetter(size_t index) { return std::string(1, char('A' + index)); }

EvalDataset readEvalDataset(const std::string& path) {
    EvalDataset dataset;
    dataset.path = path;
    std::istringstream lines(readTextFile(path));
    std::set<std::string> ids;
    std::string line;
    for (int64_t number = 1; std::getline(lines, line); ++number) {
        if (eval_text::trim(line).empty()) continue;
        try {
            const json row = json::parse(line);
            EvalSample sample = sampleFromJson(row);
            sample.line = number;
            if (!ids.insert(sample.id).second) throw BadLine{"id \"" + sample.id + "\" appears on an earlier line"};
            dataset.samples.push_back(std::move(sample));
        } catch (const json::exception& e) {  // a syntax error, or a number too large for a double
            dataset.skipped.push_back({number, std::string("not valid JSON (") + e.what() + ")"});
        } catch (const BadLine& bad) {
            dataset.skipped.push_back({number, bad.message});
        }
    }
    return dataset;
}

std::string resolveDatasetPath(const EvalDataset& dataset, const std::string& image) {
    if (image.empty()) return {};
    const fs::path path(image);
    if (path.is_absolute()) return path.string();
    return (fs::path(dataset.path).parent_path() / path).lexically_normal().string();
}

std::string resolveSampleImage(const EvalDataset& dataset, const EvalSample& sample) {
    return resolveDatasetPath(dataset, sample.image);
}

std::string samplePrompt(const EvalSample& sample) {
    std::string prompt = sample.question;
    if (sample.answerType == AnswerType::Choice) {
        prompt += "\nOptions:";
        for (size_t i = 0; i < sample.choices.size(); ++i) prompt += "\n" + choiceLetter(i) + ". " + sample.choices[i];
    }
    return prompt;
}

std::string evalSampleJson(const EvalSample& sample) {
    nlohmann::ordered_json row = nlohmann::ordered_json::object();
    row["id"] = sample.id;
    if (!sample.image.empty()) row["image"] = sample.image;
    row["question"] = sample.question;
    if (!sample.choices.empty()) row["choices"] = sample.choices;
    row["answer"] = sample.answer;
    row["answer_type"] = answerTypeName(sample.answerType);
    if (!sample.tags.empty()) row["tags"] = sample.tags;
    return row.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void writeEvalDataset(const std::string& path, const std::vector<EvalSample>& samples) {
    std::string text;
    for (const EvalSample& sample : samples) text += evalSampleJson(sample) + "\n";
    writeTextFileAtomically(path, text);
}

}  // namespace headscope
