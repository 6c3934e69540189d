// The settings a sweep measures: a grid of layer limits (l_perc x l_reas), a grid of gains (g_perc x
// g_reas) and a list of head fractions, each around a base rule; and the table of accuracies they give.
#pragma once
#include <string>
#include <vector>

#include "headscope/eval_records.h"
#include "headscope/head_classes.h"

namespace headscope::cli {

struct SweepPoint {
    std::string kind;  // "layers", "gains", "fraction"
    FacRule rule;      // the base rule with this point's settings
    double fraction = -1;  // for "fraction": the share of heads selected
    std::string mode() const;  // the record's mode: "layers:7:3", "gains:1.16:1.3", "fraction:0.06"
};

struct SweepAxes {
    std::vector<int64_t> perceptionLayers, reasoningLayers;  // l_perc and l_reas values
    std::vector<double> perceptionGains, reasoningGains;     // g_perc and g_reas values
    std::vector<double> fractions;
};

// layers x layers points, then gains x gains points, then one point per fraction.
std::vector<SweepPoint> sweepPoints(const FacRule& base, const SweepAxes& axes);

// Comma-separated values (whole numbers of 0 or more, or numbers); UsageError naming `option` (without its
// dashes) for anything else.
std::vector<int64_t> parseIntList(const std::string& text, const std::string& option);
std::vector<double> parseNumberList(const std::string& text, const std::string& option);

// One CSV row per point (and the reference "vanilla" first): kind, l_perc, l_reas, g_perc, g_reas,
// fraction, questions, correct, accuracy, ci95_low, ci95_high, difference_vs_vanilla, mcnemar_p,
// mean_selected_fraction.
std::string sweepCsv(const std::vector<EvalRecord>& records, const std::vector<SweepPoint>& points);

// Accuracy of each point's mode over the records (NaN when none).
struct PointScore {
    int64_t questions = 0;
    int64_t correct = 0;
    double accuracy() const;
};
PointScore scoreOf(const std::vector<EvalRecord>& records, const std::string& mode);

}  // namespace headscope::cli
