#include "headscope/eval_gallery.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "eval/answer_text.h"
#include "headscope/error.h"
#include "headscope/text_files.h"

namespace headscope {

namespace fs = std::filesystem;

namespace {

std::string escapeHtml(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string answerCell(const EvalRecord& r) {
    return "<td class=\"" + std::string(r.correct ? "right" : "wrong") + "\"><b>" + escapeHtml(r.mode) + ":</b> " +
           escapeHtml(r.extracted.empty() ? "(no answer)" : r.extracted) + " <small>(" + escapeHtml(r.rule) +
           ")</small><pre>" + escapeHtml(r.generated) + "</pre></td>";
}

}  // namespace

std::vector<Disagreement> findDisagreements(const std::vector<EvalRecord>& records, const std::string& firstMode,
                                            const std::string& secondMode) {
    std::map<int64_t, const EvalRecord*> first, second;
    for (const EvalRecord& r : records) {
        if (r.mode == firstMode) first[r.index] = &r;
        if (r.mode == secondMode) second[r.index] = &r;
    }
    std::vector<Disagreement> out;
    for (const auto& [index, a] : first) {
        const auto b = second.find(index);
        if (b != second.end() && a->correct != b->second->correct) out.push_back({*a, *b->second});
    }
    return out;
}

GalleryCounts writeDisagreementGallery(const std::string& folder, const EvalDataset& dataset,
                                       const std::vector<Disagreement>& cases) {
    const fs::path target(folder);
    if (fs::exists(target)) throw InvalidInputError(folder + ": already exists; choose a new folder");
    const fs::path staging = target.string() + ".partial";
    fs::remove_all(staging);
    fs::create_directories(staging / "images");
    GalleryCounts counts;
    std::string fixedRows, brokenRows, lines;
    for (size_t i = 0; i < cases.size(); ++i) {
        const Disagreement& c = cases[i];
        std::string image;
        if (!c.first.image.empty()) {
            const fs::path source = resolveDatasetPath(dataset, c.first.image);
            image = "images/" + eval_text::fileStem(c.first.id, i) + source.extension().string();
            std::error_code error;
            fs::copy_file(source, staging / image, error);
            if (error) {
                fs::remove_all(staging);
                throw Error(source.string() + ": cannot copy the image of question '" + c.first.id + "': " + error.message());
            }
        }
        const std::string row = "<tr><td>" + (image.empty() ? std::string("(no image)") : "<img src=\"" + escapeHtml(image) + "\">") +
                                "</td><td><b>" + escapeHtml(c.first.id) + "</b><pre>" + escapeHtml(c.first.prompt) +
                                "</pre>Reference: <b>" + escapeHtml(c.first.reference) + "</b></td>" + answerCell(c.first) +
                                answerCell(c.second) + "</tr>\n";
        (c.fixed() ? fixedRows : brokenRows) += row;
        (c.fixed() ? counts.fixed : counts.broken) += 1;
        lines += nlohmann::json{{"index", c.first.index}, {"id", c.first.id}, {"image", image}, {"prompt", c.first.prompt},
                                {"reference", c.first.reference}, {"change", c.fixed() ? "fixed" : "broken"},
                                {"first", {{"mode", c.first.mode}, {"generated", c.first.generated}, {"extracted", c.first.extracted},
                                           {"correct", c.first.correct}}},
                                {"second", {{"mode", c.second.mode}, {"generated", c.second.generated},
                                            {"extracted", c.second.extracted}, {"correct", c.second.correct}}}}
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                 "\n";
    }
    const std::string a = cases.empty() ? "first" : escapeHtml(cases.front().first.mode);
    const std::string b = cases.empty() ? "second" : escapeHtml(cases.front().second.mode);
    auto table = [&](const std::string& title, const std::string& rows, int64_t n) {
        return "<h2>" + title + " (" + std::to_string(n) + ")</h2>\n" +
               (rows.empty() ? std::string("<p>None.</p>\n")
                             : "<table><tr><th>Image</th><th>Question</th><th>" + a + "</th><th>" + b + "</th></tr>\n" + rows +
                                   "</table>\n");
    };
    const std::string html =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>HeadScope: " + a + " vs " + b +
        "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:6px;vertical-align:top}img{max-width:240px}pre{white-space:pre-wrap;max-width:420px;margin:4px 0}"
        ".right{background:#e8f5e9}.wrong{background:#ffebee}</style></head><body>\n<h1>" + a + " vs " + b +
        "</h1>\n<p>Questions where the two modes disagree: " + std::to_string(counts.fixed) + " that " + b +
        " answers right and " + a + " wrong, " + std::to_string(counts.broken) + " the other way round.</p>\n" +
        table("Right only with " + b, fixedRows, counts.fixed) + table("Right only with " + a, brokenRows, counts.broken) +
        "</body></html>\n";
    writeTextFileAtomically((staging / "index.html").string(), html);
    writeTextFileAtomically((staging / "cases.jsonl").string(), lines);
    fs::rename(staging, target);
    return counts;
}

}  // namespace headscope
