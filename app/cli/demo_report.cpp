#include "demo_report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "demo_card.h"
#include "headscope/demo_evaluation.h"
#include "headscope/error.h"
#include "headscope/json_text.h"
#include "progress_bar.h"

namespace headscope::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Test questions whose expected targets are scored token by token (a few seconds on 2 cores).
constexpr size_t kReadingQuestions = 200;

// The grid of the card: the paper's default rule, its layer limits moved, and stronger gains.
std::vector<FacRule> facGrid(int64_t layers) {
    std::vector<FacRule> rules;
    for (int64_t perceptionMax : {layers / 2 - 1, layers - 1})
        for (int64_t reasoningMin : {layers / 2 - 1, layers - 3})
            for (std::pair<double, double> gains : {std::pair{1.16, 1.30}, std::pair{1.5, 1.5}}) {
                FacRule rule;
                rule.perceptionMaxLayer = perceptionMax;
                rule.reasoningMinLayer = reasoningMin;
                rule.perceptionGain = gains.first;
                rule.reasoningGain = gains.second;
                rules.push_back(rule);
            }
    return rules;
}

json scoreJson(const DemoScore& score) {
    json perTemplate = json::array();
    for (const TemplateScore& t : score.perTemplate)
        perTemplate.push_back({{"template", t.templateId}, {"total", t.total}, {"correct", t.correct},
                               {"unparsed", t.unparsed}});
    return {{"total", score.total}, {"correct", score.correct}, {"unparsed", score.unparsed},
            {"perception_errors", score.perceptionErrors}, {"reasoning_errors", score.reasoningErrors},
            {"accuracy", score.accuracy()}, {"per_template", perTemplate}};
}

json readJsonFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path.string() + ": cannot read");
    std::stringstream text;
    text << in.rdbuf();
    return parseJsonText(text.str(), path.string());
}

void writeTextAtomically(const fs::path& path, const std::string& text) {
    const fs::path partial = path.string() + ".partial";
    {
        std::ofstream out(partial, std::ios::binary);
        out << text;
        if (!out) throw Error(partial.string() + ": cannot write");
    }
    fs::rename(partial, path);
}

}  // namespace

DemoReportOptions demoReportOptionsFrom(const Arguments& args, const std::string& modelFolder) {
    DemoReportOptions o;
    o.modelFolder = modelFolder;
    auto count = [&](const char* name, size_t fallback, size_t minimum) {
        const int64_t value = args.intOr(name, static_cast<int64_t>(fallback));
        if (value < static_cast<int64_t>(minimum))
            throw UsageError(std::string("--") + name + " must be at least " + std::to_string(minimum));
        return static_cast<size_t>(value);
    };
    o.testCount = count("count", o.testCount, 1);
    o.facCount = std::min(count("fac-count", o.facCount, 0), o.testCount);
    o.calibrationCount = count("calibration-count", o.calibrationCount, 1);
    o.galleryLimit = count("gallery", o.galleryLimit, 0);
    o.load = loadOptionsFrom(args);
    return o;
}

void writeDemoReport(const DemoReportOptions& options) {
    const fs::path folder(options.modelFolder);
    const auto session = Session::load(options.modelFolder, options.load);
    const int64_t layers = session->config().text.numLayers;

    const auto test = shapes::makeSplit(shapes::Split::Test, options.testCount, kDemoEvaluationSeed);
    ProgressBar testBar("held-out questions");
    const DemoScore baseline =
        scoreDemoSamples(*session, test, {}, [&](int64_t done, int64_t total) { testBar.update(done, total); });
    testBar.finish();
    std::fprintf(stderr, "accuracy %.1f%% (%lld / %lld), %lld unparsed\n", 100.0 * baseline.accuracy(),
                 static_cast<long long>(baseline.correct), static_cast<long long>(baseline.total),
                 static_cast<long long>(baseline.unparsed));

    const auto validation = shapes::makeSplit(shapes::Split::Validation, options.calibrationCount, kDemoEvaluationSeed);
    ProgressBar calibrationBar("calibration");
    const DemoScore calibration = scoreDemoSamples(
        *session, validation, {}, [&](int64_t done, int64_t total) { calibrationBar.update(done, total); });
    calibrationBar.finish();

    DemoCardFacts facts;
    facts.readingCount = std::min<size_t>(kReadingQuestions, test.size());
    ProgressBar readingBar("readings");
    facts.readings = scoreDemoReadings(*session, {test.begin(), test.begin() + static_cast<long>(facts.readingCount)},
                                       [&](int64_t done, int64_t total) { readingBar.update(done, total); });
    readingBar.finish();
    facts.modelFolder = options.modelFolder;
    facts.config = readJsonFile(folder / "config.json");
    if (fs::exists(folder / "training.json")) facts.training = readJsonFile(folder / "training.json");
    facts.parameterCount = session->info().parameterCount;
    facts.baseline = baseline;
    facts.calibrationCount = calibration.total;
    facts.galleryLimit = options.galleryLimit;
    if (options.facCount > 0) {
        const std::vector<shapes::Sample> subset(test.begin(), test.begin() + static_cast<long>(options.facCount));
        ProgressBar facBar("attention control grid");
        facts.fac = scoreFacGrid(*session, subset, calibration.visualShare, facGrid(layers),
                                 [&](int64_t done, int64_t total) { facBar.update(done, total); });
        facBar.finish();
        facts.facCount = options.facCount;
        for (size_t i = 0; i < options.facCount; ++i) facts.baselineOnFacSubset += baseline.cases[i].correct;
    }

    writeHallucinationGallery((folder / "gallery").string(), baseline, options.galleryLimit);
    json fac = json::array();
    for (const FacSetting& s : facts.fac)
        fac.push_back({{"l_perc", s.rule.perceptionMaxLayer}, {"l_reas", s.rule.reasoningMinLayer},
                       {"tau_perc", s.rule.perceptionMinShare}, {"tau_reas", s.rule.reasoningMaxShare},
                       {"g_perc", s.rule.perceptionGain}, {"g_reas", s.rule.reasoningGain},
                       {"perception_heads", s.classification.perceptionCount},
                       {"reasoning_heads", s.classification.reasoningCount}, {"score", scoreJson(s.score)}});
    json cases = json::array();  // every held-out answer, so a rerun can be compared case by case
    for (const DemoCase& c : baseline.cases)
        cases.push_back({{"template", c.sample.templateId}, {"answer", c.sample.answer}, {"predicted", c.predicted},
                         {"correct", c.correct}, {"error", shapes::errorKindName(c.error)}});
    json readings = json::array();
    for (const ReadingScore& r : facts.readings)
        readings.push_back({{"kind", readingKindName(r.kind)}, {"tokens", r.tokens}, {"ranked_first", r.correct},
                            {"cross_entropy_sum", r.lossSum}});
    const std::vector<double> byLayer = visualShareByLayer(baseline.visualShare);
    const json evaluation = {{"test_questions", baseline.total},
                             {"seed", kDemoEvaluationSeed},
                             {"baseline", scoreJson(baseline)},
                             {"visual_share_by_layer", byLayer},
                             {"calibration_questions", calibration.total},
                             {"fac_questions", facts.facCount},
                             {"baseline_correct_on_fac_questions", facts.baselineOnFacSubset},
                             {"fac", fac},
                             {"reading_questions", facts.readingCount},
                             {"readings", readings},
                             {"baseline_cases", cases}};
    writeTextAtomically(folder / "evaluation.json", evaluation.dump(2) + "\n");
    writeTextAtomically(folder / "README.md", demoModelCard(facts));
    std::fprintf(stderr, "wrote README.md, evaluation.json and gallery/ in %s\n", options.modelFolder.c_str());
}

}  // namespace headscope::cli
