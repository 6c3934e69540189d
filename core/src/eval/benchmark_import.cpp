// The benchmark importers: each turns its format's records into drafts (a native sample plus where its image
// comes from); the writer copies nothing, decodes base64 images and writes the native JSONL.
#include "headscope/benchmark_import.h"

#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eval/answer_text.h"
#include "headscope/error.h"
#include "headscope/text_files.h"

namespace headscope {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Draft {
    EvalSample sample;
    std::string imageFile;           // a path under the images root; empty when none or encoded
    std::vector<uint8_t> imageBytes;  // a decoded base64 image
};

struct Drafts {
    std::vector<Draft> drafts;
    std::vector<ImportProblem> skipped;
};

// A record the importer cannot use; the message names the field.
struct Unusable {
    std::string message;
};

std::string textOf(const json& row, const char* field, bool required = true) {
    const auto it = row.find(field);
    if (it == row.end() || it->is_null()) {
        if (required) throw Unusable{std::string("missing field \"") + field + "\""};
        return {};
    }
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number()) return it->dump();
    throw Unusable{std::string("field \"") + field + "\" is neither text nor a number"};
}

std::string yesNoOf(const std::string& raw) {
    const std::string lower = eval_text::toLower(eval_text::trim(raw));
    if (lower == "yes" || lower == "no") return lower;
    throw Unusable{"the answer \"" + raw + "\" is not yes or no"};
}

// The answer of a choice question as a letter: given as a letter, or as one option's exact text.
std::string choiceAnswer(const std::string& raw, const std::vector<std::string>& choices) {
    const std::string trimmed = eval_text::trim(raw);
    for (size_t i = 0; i < choices.size(); ++i)
        if (eval_text::toUpper(trimmed) == choiceLetter(i)) return choiceLetter(i);
    for (size_t i = 0; i < choices.size(); ++i)
        if (trimmed == eval_text::trim(choices[i])) return choiceLetter(i);
    throw Unusable{"the answer \"" + raw + "\" is neither a letter nor the text of one of the " +
                   std::to_string(choices.size()) + " options"};
}

std::string withoutDotSlash(std::string path) {
    while (path.rfind("./", 0) == 0) path.erase(0, 2);
    return path;
}

json parseJsonFile(const std::string& path) {
    try {
        return json::parse(readTextFile(path));
    } catch (const json::exception& e) {  // a syntax error, or a number too large for a double
        throw FormatError(path + ": not valid JSON (" + e.what() + ")");
    }
}

// Runs `convert` on one record and files the result or the problem.
template <typename Convert>
void take(Drafts& out, const std::string& where, Convert&& convert) {
    try {
        out.drafts.push_back(convert());
    } catch (const Unusable& u) {
        out.skipped.push_back({where, u.message});
    } catch (const json::exception& e) {
        out.skipped.push_back({where, e.what()});
    }
}

Drafts importMathVista(const std::string& input) {
    // testmini.json is an object keyed by pid; HF exports are lists or JSONL.
    std::vector<std::pair<std::string, json>> records;
    const std::string text = readTextFile(input);
    try {
        const json all = json::parse(text);
        if (all.is_object())
            for (auto it = all.begin(); it != all.end(); ++it) records.push_back({"record '" + it.key() + "'", it.value()});
        else if (all.is_array())
            for (size_t i = 0; i < all.size(); ++i) records.push_back({"record " + std::to_string(i + 1), all[i]});
        else
            throw FormatError(input + ": MathVista data must be a JSON object, a list or JSON lines");
    } catch (const json::exception&) {
        std::istringstream lines(text);
        std::string line;
        for (int64_t n = 1; std::getline(lines, line); ++n) {
            if (eval_text::trim(line).empty()) continue;
            try {
                records.push_back({"line " + std::to_string(n), json::parse(line)});
            } catch (const json::exception& e) {
                throw FormatError(input + ": line " + std::to_string(n) + " is not JSON (" + e.what() + ")");
            }
        }
    }
    Drafts out;
    for (const auto& [where, row] : records)
        take(out, where, [&, &row = row] {
            Draft d;
            EvalSample& s = d.sample;
            s.id = textOf(row, "pid");
            s.question = textOf(row, "question");
            d.imageFile = withoutDotSlash(textOf(row, "image", false));
            const std::string type = textOf(row, "question_type");
            const std::string answer = textOf(row, "answer");
            if (type == "multi_choice") {
                if (!row.contains("choices") || !row.at("choices").is_array() || row.at("choices").size() < 2)
                    throw Unusable{"a multi_choice question without a list of choices"};
                for (const json& c : row.at("choices")) s.choices.push_back(c.is_string() ? c.get<std::string>() : c.dump());
                s.answerType = AnswerType::Choice;
                s.answer = choiceAnswer(answer, s.choices);
            } else if (type == "free_form") {
                const std::string answerType = textOf(row, "answer_type", false);
                const bool numeric = (answerType == "integer" || answerType == "float") && eval_text::parseNumber(answer);
                s.answerType = numeric ? AnswerType::Number : AnswerType::Text;
                s.answer = eval_text::trim(answer);
            } else {
                throw Unusable{"unknown question_type \"" + type + "\""};
            }
            if (row.contains("metadata") && row.at("metadata").is_object())
                for (const char* key : {"category", "task"}) {
                    const std::string tag = textOf(row.at("metadata"), key, false);
                    if (!tag.empty()) s.tags.push_back(tag);
                }
            return d;
        });
    return out;
}

Drafts importHallusionBench(const std::string& input) {
    const json all = parseJsonFile(input);
    if (!all.is_array()) throw FormatError(input + ": HallusionBench data must be a JSON list");
    Drafts out;
    for (size_t i = 0; i < all.size(); ++i)
        take(out, "record " + std::to_string(i + 1), [&] {
            const json& row = all[i];
            Draft d;
            EvalSample& s = d.sample;
            s.id = textOf(row, "category") + "_" + textOf(row, "subcategory") + "_" + textOf(row, "set_id") + "_" +
                   textOf(row, "figure_id") + "_" + textOf(row, "question_id");
            s.question = textOf(row, "question");
            const std::string truth = textOf(row, "gt_answer");
            if (truth != "0" && truth != "1") throw Unusable{"gt_answer \"" + truth + "\" is neither \"1\" (yes) nor \"0\" (no)"};
            s.answer = truth == "1" ? "yes" : "no";
            s.answerType = AnswerType::YesNo;
            d.imageFile = withoutDotSlash(textOf(row, "filename", false));
            s.tags = {textOf(row, "category"), textOf(row, "subcategory")};
            return d;
        });
    return out;
}

Drafts importSeedBench(const std::string& input) {
    const json all = parseJsonFile(input);
    if (!all.is_object() || !all.contains("questions") || !all.at("questions").is_array())
        throw FormatError(input + ": SEED-Bench data must be an object with a \"questions\" list");
    const json& questions = all.at("questions");
    Drafts out;
    for (size_t i = 0; i < questions.size(); ++i)
        take(out, "question " + std::to_string(i + 1), [&] {
            const json& row = questions[i];
            const std::string type = textOf(row, "data_type", false);
            if (!type.empty() && type != "image") throw Unusable{"a " + type + " question (only image questions are imported)"};
            Draft d;
            EvalSample& s = d.sample;
            s.id = textOf(row, "question_id");
            s.question = textOf(row, "question");
            for (const char* key : {"choice_a", "choice_b", "choice_c", "choice_d"}) s.choices.push_back(textOf(row, key));
            s.answerType = AnswerType::Choice;
            s.answer = choiceAnswer(textOf(row, "answer"), s.choices);
            d.imageFile = textOf(row, "data_id");
            const std::string typeId = textOf(row, "question_type_id", false);
            if (!typeId.empty()) s.tags = {"question_type_" + typeId};
            return d;
        });
    return out;
}

Drafts importPope(const std::string& input) {
    std::istringstream lines(readTextFile(input));
    Drafts out;
    std::string line;
    for (int64_t n = 1; std::getline(lines, line); ++n) {
        if (eval_text::trim(line).empty()) continue;
        take(out, "line " + std::to_string(n), [&] {
            json row;
            try {
                row = json::parse(line);
            } catch (const json::exception& e) {
                throw Unusable{std::string("not valid JSON (") + e.what() + ")"};
            }
            Draft d;
            d.sample.id = textOf(row, "question_id");
            d.sample.question = textOf(row, "text");
            d.sample.answer = yesNoOf(textOf(row, "label"));
            d.sample.answerType = AnswerType::YesNo;
            d.imageFile = textOf(row, "image");
            return d;
        });
    }
    return out;
}

// "What is it?\nOptions: A: cat, B: dog, C: fox" -> the question before "Options:" and the options, when
// the letters follow each other from A.
bool splitWrittenOptions(const std::string& text, std::string* question, std::vector<std::string>* options) {
    const size_t start = text.rfind("Options:");
    if (start == std::string::npos) return false;
    const std::string list = text.substr(start + 8);
    std::vector<size_t> marks;
    for (char letter = 'A'; letter <= 'Z'; ++letter) {
        const std::string mark = std::string(1, letter) + ":";
        const size_t at = list.find(mark, marks.empty() ? 0 : marks.back() + 2);
        if (at == std::string::npos) break;
        marks.push_back(at);
    }
    if (marks.size() < 2) return false;
    options->clear();
    for (size_t i = 0; i < marks.size(); ++i) {
        std::string option = list.substr(marks[i] + 2, i + 1 < marks.size() ? marks[i + 1] - marks[i] - 2 : std::string::npos);
        option = eval_text::trim(option);
        if (i + 1 < marks.size() && !option.empty() && option.back() == ',') option.pop_back();
        options->push_back(eval_text::trim(option));
    }
    *question = eval_text::trim(text.substr(0, start));
    return true;
}

Drafts importTsv(const std::string& input) {
    std::vector<std::vector<std::string>> rows;
    try {
        rows = parseTsv(readTextFile(input));
    } catch (const FormatError& e) {
        throw FormatError(input + ": " + e.what());
    }
    if (rows.empty()) throw FormatError(input + ": empty TSV file");
    std::map<std::string, size_t> column;
    for (size_t c = 0; c < rows[0].size(); ++c) column[rows[0][c]] = c;
    for (const char* required : {"index", "question", "answer"})
        if (!column.count(required)) throw FormatError(input + ": no \"" + std::string(required) + "\" column");
    std::vector<size_t> optionColumns;
    for (char letter = 'A'; letter <= 'Z' && column.count(std::string(1, letter)); ++letter)
        optionColumns.push_back(column.at(std::string(1, letter)));
    // VLMEvalKit stores a repeated image once: other rows give that row's index instead of the data.
    std::map<std::string, size_t> rowOfIndex;
    for (size_t r = 1; r < rows.size(); ++r)
        if (column.at("index") < rows[r].size()) rowOfIndex[rows[r][column.at("index")]] = r;
    auto cell = [&](size_t r, const std::string& name) -> std::string {
        const auto it = column.find(name);
        return it == column.end() || it->second >= rows[r].size() ? std::string() : rows[r][it->second];
    };
    Drafts out;
    for (size_t r = 1; r < rows.size(); ++r)
        take(out, "row " + std::to_string(r + 1), [&] {
            if (rows[r].size() != rows[0].size())
                throw Unusable{std::to_string(rows[r].size()) + " fields where the header has " + std::to_string(rows[0].size())};
            Draft d;
            EvalSample& s = d.sample;
            s.id = cell(r, "index");
            s.question = cell(r, "question");
            const std::string answer = eval_text::trim(cell(r, "answer"));
            std::vector<std::string> options;
            for (size_t c : optionColumns) {
                const std::string option = eval_text::trim(rows[r][c]);
                if (option.empty() || option == "nan") break;
                options.push_back(option);
            }
            std::string writtenQuestion;
            std::vector<std::string> writtenOptions;
            if (options.size() < 2 && splitWrittenOptions(s.question, &writtenQuestion, &writtenOptions)) {
                s.question = writtenQuestion;
                options = writtenOptions;
            }
            if (options.size() >= 2) {
                s.choices = options;
                s.answerType = AnswerType::Choice;
                s.answer = choiceAnswer(answer, s.choices);
            } else if (eval_text::toLower(answer) == "yes" || eval_text::toLower(answer) == "no") {
                s.answerType = AnswerType::YesNo;
                s.answer = eval_text::toLower(answer);
            } else if (eval_text::parseNumber(answer)) {
                s.answerType = AnswerType::Number;
                s.answer = answer;
            } else {
                if (answer.empty()) throw Unusable{"the answer is empty"};
                s.answerType = AnswerType::Text;
                s.answer = answer;
            }
            for (const char* key : {"category", "l2_category"})
                if (!cell(r, key).empty()) s.tags.push_back(cell(r, key));
            std::string image = cell(r, "image");
            if (image.size() <= 64 && rowOfIndex.count(image) && rowOfIndex.at(image) != r) image = cell(rowOfIndex.at(image), "image");
            if (!image.empty()) {
                auto bytes = decodeBase64(image);
                if (!bytes || bytes->empty()) throw Unusable{"the image column is not base64"};
                d.imageBytes = std::move(*bytes);
            } else {
                d.imageFile = withoutDotSlash(cell(r, "image_path"));
            }
            return d;
        });
    return out;
}

std::string imageExtension(const std::vector<uint8_t>& bytes) {
    if (bytes.size() >= 4 && bytes[0] == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G') return ".png";
    if (bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff) return ".jpg";
    if (bytes.size() >= 12 && std::string(bytes.begin() + 8, bytes.begin() + 12) == "WEBP") return ".webp";
    if (bytes.size() >= 3 && bytes[0] == 'G' && bytes[1] == 'I' && bytes[2] == 'F') return ".gif";
    if (bytes.size() >= 2 && bytes[0] == 'B' && bytes[1] == 'M') return ".bmp";
    return ".img";
}

}  // namespace

std::optional<BenchmarkFormat> parseBenchmarkFormat(const std::string& name) {
    for (BenchmarkFormat f : {BenchmarkFormat::MathVista, BenchmarkFormat::HallusionBench, BenchmarkFormat::SeedBench,
                              BenchmarkFormat::Pope, BenchmarkFormat::Tsv})
        if (benchmarkFormatName(f) == name) return f;
    return std::nullopt;
}

std::string benchmarkFormatName(BenchmarkFormat format) {
    switch (format) {
    case BenchmarkFormat::MathVista: return "mathvista";
    case BenchmarkFormat::HallusionBench: return "hallusionbench";
    case BenchmarkFormat::SeedBench: return "seedbench";
    case BenchmarkFormat::Pope: return "pope";
    case BenchmarkFormat::Tsv: return "tsv";
    }
    return "";
}

ImportResult importBenchmark(BenchmarkFormat format, const std::string& input, const std::string& imagesRoot,
                             const std::string& outputFolder) {
    const fs::path target(outputFolder);
    if (fs::exists(target)) throw InvalidInputError(outputFolder + ": already exists; choose a new folder");
    Drafts drafts;
    switch (format) {
    case BenchmarkFormat::MathVista: drafts = importMathVista(input); break;
    case BenchmarkFormat::HallusionBench: drafts = importHallusionBench(input); break;
    case BenchmarkFormat::SeedBench: drafts = importSeedBench(input); break;
    case BenchmarkFormat::Pope: drafts = importPope(input); break;
    case BenchmarkFormat::Tsv: drafts = importTsv(input); break;
    }
    const fs::path root = fs::absolute(imagesRoot.empty() ? fs::path(input).parent_path() : fs::path(imagesRoot));
    const fs::path staging = target.string() + ".partial";
    fs::remove_all(staging);
    fs::create_directories(staging / "images");
    ImportResult result;
    result.skipped = std::move(drafts.skipped);
    std::vector<EvalSample> samples;
    std::map<std::string, int> seen;
    for (size_t i = 0; i < drafts.drafts.size(); ++i) {
        Draft& d = drafts.drafts[i];
        if (seen[d.sample.id]++ > 0) {
            result.skipped.push_back({"record '" + d.sample.id + "'", "the id appears on an earlier record"});
            continue;
        }
        if (!d.imageBytes.empty()) {
            const std::string name = "images/" + eval_text::fileStem(d.sample.id, i) + imageExtension(d.imageBytes);
            writeTextFileAtomically((staging / name).string(), std::string(d.imageBytes.begin(), d.imageBytes.end()));
            d.sample.image = name;
        } else if (!d.imageFile.empty()) {
            // Relative to the output folder when it can be (the pair moves together), else absolute.
            const fs::path source = (root / d.imageFile).lexically_normal();
            const fs::path relative = source.lexically_relative(fs::absolute(target));
            d.sample.image = relative.empty() ? source.string() : relative.string();
        }
        samples.push_back(std::move(d.sample));
    }
    // The native reader has the last word: whatever it would skip is reported here and left out.
    const std::string written = (staging / "questions.jsonl").string();
    writeEvalDataset(written, samples);
    const EvalDataset check = readEvalDataset(written);
    for (const DatasetProblem& p : check.skipped)
        result.skipped.push_back({"record '" + samples[size_t(p.line - 1)].id + "'", p.message});
    if (!check.skipped.empty()) writeEvalDataset(written, check.samples);
    fs::rename(staging, target);
    result.written = int64_t(check.samples.size());
    result.datasetPath = (target / "questions.jsonl").string();
    return result;
}

}  // namespace headscope
