#include "headscope/eval_records.h"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "headscope/error.h"
#include "json_fields.h"
#include "headscope/text_files.h"

namespace headscope {

using nlohmann::json;
using nlohmann::ordered_json;

std::string evalRecordJson(const EvalRecord& r) {
    ordered_json row;
    row["index"] = r.index;
    row["id"] = r.id;
    row["mode"] = r.mode;
    row["image"] = r.image;
    row["prompt"] = r.prompt;
    row["reference"] = r.reference;
    row["answer_type"] = r.answerType;
    row["tags"] = r.tags;
    row["decoding"] = {{"max_new_tokens", r.maxNewTokens}, {"sample", r.sampled}, {"temperature", r.temperature},
                       {"top_k", r.topK}, {"top_p", r.topP}, {"seed", r.seed}};
    row["profile_hash"] = r.profileHash;
    row["mode_settings"] = r.modeSettings;
    row["generated"] = r.generated;
    row["extracted"] = r.extracted;
    row["rule"] = r.rule;
    row["correct"] = r.correct;
    row["prompt_tokens"] = r.promptTokens;
    row["generated_tokens"] = r.generatedTokens;
    row["latency_seconds"] = r.latencySeconds;
    return row.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

EvalRecord parseEvalRecord(const std::string& line, const std::string& where) {
    try {
        const json row = json_fields::parseBounded(line);
        EvalRecord r;
        r.index = row.at("index").get<int64_t>();
        r.id = row.at("id").get<std::string>();
        r.mode = row.at("mode").get<std::string>();
        r.image = row.at("image").get<std::string>();
        r.prompt = row.at("prompt").get<std::string>();
        r.reference = row.at("reference").get<std::string>();
        r.answerType = row.at("answer_type").get<std::string>();
        r.tags = row.at("tags").get<std::vector<std::string>>();
        const json& d = row.at("decoding");
        r.maxNewTokens = d.at("max_new_tokens").get<int64_t>();
        r.sampled = d.at("sample").get<bool>();
        r.temperature = d.at("temperature").get<double>();
        r.topK = d.at("top_k").get<int64_t>();
        r.topP = d.at("top_p").get<double>();
        r.seed = d.at("seed").get<uint64_t>();
        r.profileHash = row.at("profile_hash").get<std::string>();
        r.modeSettings = row.at("mode_settings").get<std::map<std::string, std::string>>();
        r.generated = row.at("generated").get<std::string>();
        r.extracted = row.at("extracted").get<std::string>();
        r.rule = row.at("rule").get<std::string>();
        r.correct = row.at("correct").get<bool>();
        r.promptTokens = row.at("prompt_tokens").get<int64_t>();
        r.generatedTokens = row.at("generated_tokens").get<int64_t>();
        r.latencySeconds = row.at("latency_seconds").get<double>();
        return r;
    } catch (const json_fields::BadJson& e) {
        throw FormatError(where + ": not an evaluation record (" + e.what() + ")");
    } catch (const json::exception& e) {
        throw FormatError(where + ": not an evaluation record (" + json_fields::clip(e.what()) + ")");
    }
}

EvalRecordFile readEvalRecords(const std::string& path) {
    EvalRecordFile file;
    if (!std::filesystem::exists(path)) return file;
    const std::string text = readTextFile(path);
    size_t start = 0;
    for (int64_t number = 1; start < text.size(); ++number) {
        const size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            file.truncatedTail = true;  // killed mid-line: the record is redone on resume
            break;
        }
        const std::string line = text.substr(start, end - start);
        if (!line.empty()) file.records.push_back(parseEvalRecord(line, path + ":" + std::to_string(number)));
        start = end + 1;
        file.completeBytes = int64_t(start);
    }
    return file;
}

std::vector<ModeSummary> summarizeEval(const std::vector<EvalRecord>& records, const std::vector<std::string>& modes) {
    std::map<std::string, std::map<int64_t, const EvalRecord*>> byMode;
    for (const EvalRecord& r : records) byMode[r.mode][r.index] = &r;
    std::vector<ModeSummary> rows;
    for (size_t m = 0; m < modes.size(); ++m) {
        ModeSummary row;
        row.mode = modes[m];
        const auto& mine = byMode[modes[m]];
        double latency = 0, tokens = 0;
        for (const auto& [index, r] : mine) {
            ++row.total;
            row.correct += r->correct ? 1 : 0;
            row.unanswered += r->extracted.empty() ? 1 : 0;
            latency += r->latencySeconds;
            tokens += double(r->generatedTokens);
        }
        if (row.total > 0) {
            row.accuracy = double(row.correct) / double(row.total);
            row.meanLatencySeconds = latency / double(row.total);
            row.meanGeneratedTokens = tokens / double(row.total);
        }
        row.accuracyInterval = wilsonInterval(row.correct, row.total);
        if (m > 0) {
            const auto& reference = byMode[modes[0]];
            int64_t paired = 0, b = 0, c = 0;
            double mineLatency = 0, referenceLatency = 0;
            for (const auto& [index, r] : mine) {
                const auto other = reference.find(index);
                if (other == reference.end()) continue;
                ++paired;
                b += (other->second->correct && !r->correct) ? 1 : 0;
                c += (!other->second->correct && r->correct) ? 1 : 0;
                mineLatency += r->latencySeconds;
                referenceLatency += other->second->latencySeconds;
            }
            if (paired > 0) {
                row.hasReference = true;
                row.versusReference = comparePaired(paired, b, c);
                row.latencyRatio = referenceLatency > 0 ? mineLatency / referenceLatency : 0;
            }
        }
        rows.push_back(row);
    }
    return rows;
}

namespace {

std::string format(const char* pattern, double value) {
    char text[64];
    std::snprintf(text, sizeof text, pattern, value);
    return text;
}

std::string percent(double fraction) { return format("%.1f", 100 * fraction); }

}  // namespace

std::string evalSummaryMarkdown(const std::vector<ModeSummary>& rows) {
    std::string out =
        "| Mode | Questions | Correct | Accuracy % (95% CI) | vs " + (rows.empty() ? std::string("-") : rows[0].mode) +
        ": difference, points (95% CI) | b / c | McNemar p | Latency s (ratio) | Tokens |\n"
        "|---|---:|---:|---|---|---:|---:|---|---:|\n";
    for (const ModeSummary& r : rows) {
        out += "| " + r.mode + " | " + std::to_string(r.total) + " | " + std::to_string(r.correct) + " | " +
               percent(r.accuracy) + " (" + percent(r.accuracyInterval.low) + "-" + percent(r.accuracyInterval.high) + ") | ";
        if (r.hasReference) {
            const PairedComparison& p = r.versusReference;
            out += format("%+.1f", 100 * p.difference) + " (" + format("%+.1f", 100 * p.differenceInterval.low) + " to " +
                   format("%+.1f", 100 * p.differenceInterval.high) + ") | " + std::to_string(p.onlyFirstRight) + " / " +
                   std::to_string(p.onlySecondRight) + " | " + format("%.3g", p.mcnemarP) + " | " +
                   format("%.2f", r.meanLatencySeconds) + " (" + format("%.2f", r.latencyRatio) + "x) | ";
        } else {
            out += "reference | | | " + format("%.2f", r.meanLatencySeconds) + " | ";
        }
        out += format("%.1f", r.meanGeneratedTokens) + " |\n";
    }
    return out;
}

std::string evalSummaryJson(const std::vector<ModeSummary>& rows) {
    ordered_json out = ordered_json::array();
    for (const ModeSummary& r : rows) {
        ordered_json row;
        row["mode"] = r.mode;
        row["total"] = r.total;
        row["correct"] = r.correct;
        row["unanswered"] = r.unanswered;
        row["accuracy"] = r.accuracy;
        row["accuracy_ci95"] = {r.accuracyInterval.low, r.accuracyInterval.high};
        if (r.hasReference) {
            const PairedComparison& p = r.versusReference;
            row["versus_reference"] = {{"paired", p.total}, {"only_reference_right", p.onlyFirstRight},
                                       {"only_this_right", p.onlySecondRight}, {"difference", p.difference},
                                       {"difference_ci95", {p.differenceInterval.low, p.differenceInterval.high}},
                                       {"mcnemar_exact_p", p.mcnemarP}, {"latency_ratio", r.latencyRatio}};
        }
        row["mean_latency_seconds"] = r.meanLatencySeconds;
        row["mean_generated_tokens"] = r.meanGeneratedTokens;
        out.push_back(row);
    }
    return out.dump(2) + "\n";
}

std::string gainTableHash(const std::vector<float>& gains) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    const auto* bytes = reinterpret_cast<const unsigned char*>(gains.data());
    for (size_t i = 0; i < gains.size() * sizeof(float); ++i) {
        hash ^= bytes[i];
        hash *= 0x100000001b3ULL;
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

}  // namespace headscope
