#include "sweep_grid.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "commands.h"
#include "eval_run_files.h"

namespace headscope::cli {

namespace {

std::vector<std::string> splitList(const std::string& text, const std::string& option) {
    std::vector<std::string> items;
    std::stringstream list(text);
    for (std::string item; std::getline(list, item, ',');) items.push_back(item);
    if (items.empty()) throw UsageError("--" + option + ": no values given");
    return items;
}

}  // namespace

std::string SweepPoint::mode() const {
    if (kind == "layers") return "layers:" + std::to_string(rule.perceptionMaxLayer) + ":" + std::to_string(rule.reasoningMinLayer);
    if (kind == "gains") return "gains:" + shortNumber(rule.perceptionGain) + ":" + shortNumber(rule.reasoningGain);
    return "fraction:" + shortNumber(fraction);
}

std::vector<SweepPoint> sweepPoints(const FacRule& base, const SweepAxes& axes) {
    std::vector<SweepPoint> points;
    for (int64_t lp : axes.perceptionLayers)
        for (int64_t lr : axes.reasoningLayers) {
            SweepPoint p{"layers", base, -1};
            p.rule.perceptionMaxLayer = lp;
            p.rule.reasoningMinLayer = lr;
            points.push_back(p);
        }
    for (double gp : axes.perceptionGains)
        for (double gr : axes.reasoningGains) {
            SweepPoint p{"gains", base, -1};
            p.rule.perceptionGain = gp;
            p.rule.reasoningGain = gr;
            points.push_back(p);
        }
    for (double f : axes.fractions) points.push_back({"fraction", base, f});
    for (const SweepPoint& p : points) validateRule(p.rule);
    return points;
}

std::vector<int64_t> parseIntList(const std::string& text, const std::string& option) {
    std::vector<int64_t> values;
    for (const std::string& item : splitList(text, option)) {
        char* end = nullptr;
        const long long value = std::strtoll(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || value < 0) throw UsageError("--" + option + ": '" + item + "' is not a whole number of 0 or more");
        values.push_back(value);
    }
    return values;
}

std::vector<double> parseNumberList(const std::string& text, const std::string& option) {
    std::vector<double> values;
    for (const std::string& item : splitList(text, option)) {
        char* end = nullptr;
        const double value = std::strtod(item.c_str(), &end);
        if (item.empty() || *end != '\0' || !std::isfinite(value)) throw UsageError("--" + option + ": '" + item + "' is not a number");
        values.push_back(value);
    }
    return values;
}

double PointScore::accuracy() const { return questions ? double(correct) / double(questions) : std::nan(""); }

PointScore scoreOf(const std::vector<EvalRecord>& records, const std::string& mode) {
    PointScore score;
    for (const EvalRecord& r : records)
        if (r.mode == mode) {
            ++score.questions;
            score.correct += r.correct ? 1 : 0;
        }
    return score;
}

std::string sweepCsv(const std::vector<EvalRecord>& records, const std::vector<SweepPoint>& points) {
    std::vector<std::string> modes{"vanilla"};
    for (const SweepPoint& p : points) modes.push_back(p.mode());
    const auto rows = summarizeEval(records, modes);
    std::string csv = "kind,l_perc,l_reas,g_perc,g_reas,fraction,questions,correct,accuracy,ci95_low,ci95_high,"
                      "difference_vs_vanilla,mcnemar_p,mean_selected_fraction\n";
    for (size_t i = 0; i < rows.size(); ++i) {
        const ModeSummary& s = rows[i];
        double selected = 0;
        int64_t counted = 0;
        for (const EvalRecord& r : records)
            if (r.mode == s.mode && r.modeSettings.count("selected_fraction")) {
                selected += std::strtod(r.modeSettings.at("selected_fraction").c_str(), nullptr);
                ++counted;
            }
        if (i == 0) {
            csv += "vanilla,,,,,,";
        } else {
            const SweepPoint& p = points[i - 1];
            csv += p.kind + "," + std::to_string(p.rule.perceptionMaxLayer) + "," + std::to_string(p.rule.reasoningMinLayer) + "," +
                   shortNumber(p.rule.perceptionGain) + "," + shortNumber(p.rule.reasoningGain) + "," +
                   (p.fraction >= 0 ? shortNumber(p.fraction) : std::string()) + ",";
        }
        csv += std::to_string(s.total) + "," + std::to_string(s.correct) + "," + shortNumber(s.accuracy) + "," +
               shortNumber(s.accuracyInterval.low) + "," + shortNumber(s.accuracyInterval.high) + "," +
               (s.hasReference ? shortNumber(s.versusReference.difference) : std::string()) + "," +
               (s.hasReference ? shortNumber(s.versusReference.mcnemarP) : std::string()) + "," +
               (counted ? shortNumber(selected / double(counted)) : std::string()) + "\n";
    }
    return csv;
}

}  // namespace headscope::cli
