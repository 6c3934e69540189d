// sweep: accuracy of Functional Attention Control over grids of layer limits and gains and over the share
// of heads selected, as CSV and as heat map and ribbon plots (PNG and SVG, drawn off screen).
#include <QApplication>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "eval_run_files.h"
#include "eval_sample_runner.h"
#include "headscope/analysis.h"
#include "headscope/error.h"
#include "headscope/text_files.h"
#include "model_input.h"
#include "progress_bar.h"
#include "rule_options.h"
#include "sweep_grid.h"
#include "sweep_plots.h"

namespace headscope::cli {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> interrupted{false};
extern "C" void onSweepInterrupt(int) { interrupted.store(true); }

nlohmann::json axesJson(const SweepAxes& a) {
    return {{"l_perc", a.perceptionLayers}, {"l_reas", a.reasoningLayers}, {"g_perc", a.perceptionGains},
            {"g_reas", a.reasoningGains}, {"fractions", a.fractions}};
}

// Spread over the decoder: about a quarter, half, three quarters of the way and the last layer.
std::vector<int64_t> defaultLayers(int64_t layers) {
    std::vector<int64_t> values;
    for (int64_t q = 1; q <= 4; ++q) {
        const int64_t layer = std::max<int64_t>(0, (layers * q) / 4 - (q == 4 ? 1 : 0));
        if (values.empty() || values.back() != layer) values.push_back(layer);
    }
    return values;
}

// Draws the three plots from the finished records.
void drawPlots(const std::string& out, const std::vector<EvalRecord>& records, const std::vector<SweepPoint>& points,
               const SweepAxes& axes) {
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM") && !qEnvironmentVariableIsSet("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "headscope-cli";
    static char* argv[] = {name, nullptr};
    QApplication app(argc, argv);
    const double vanilla = scoreOf(records, "vanilla").accuracy();
    const QString reference = QObject::tr("vanilla");
    auto grid = [&](const std::string& kind, const QString& title, const QString& rowLabel, const QString& columnLabel,
                    const QStringList& rows, const QStringList& columns) {
        widgets::SweepGrid g{title, rowLabel, columnLabel, rows, columns, {}, vanilla, reference};
        for (const SweepPoint& p : points)
            if (p.kind == kind) g.accuracy.push_back(scoreOf(records, p.mode()).accuracy());
        QString error;
        if (!g.accuracy.empty() && !widgets::saveSweepGrid(g, QString::fromStdString((fs::path(out) / ("sweep-" + kind)).string()), &error))
            throw Error(error.toStdString());
    };
    QStringList lp, lr, gp, gr;
    for (int64_t v : axes.perceptionLayers) lp << QString::number(v);
    for (int64_t v : axes.reasoningLayers) lr << QString::number(v);
    for (double v : axes.perceptionGains) gp << QString::fromStdString(shortNumber(v));
    for (double v : axes.reasoningGains) gr << QString::fromStdString(shortNumber(v));
    grid("layers", QObject::tr("Accuracy by layer limits"), QObject::tr("l_perc (perception heads: layer <= l_perc)"),
         QObject::tr("l_reas (reasoning heads: layer >= l_reas)"), lp, lr);
    grid("gains", QObject::tr("Accuracy by gains"), QObject::tr("g_perc"), QObject::tr("g_reas"), gp, gr);
    widgets::SweepLine line;
    line.title = QObject::tr("Accuracy by the share of heads selected");
    line.xLabel = QObject::tr("heads selected (%)");
    line.reference = vanilla;
    line.referenceLabel = reference;
    for (const SweepPoint& p : points) {
        if (p.kind != "fraction") continue;
        const PointScore s = scoreOf(records, p.mode());
        if (s.questions == 0) continue;
        const Interval ci = wilsonInterval(s.correct, s.questions);
        line.x.push_back(100 * p.fraction);
        line.accuracy.push_back(s.accuracy());
        line.low.push_back(ci.low);
        line.high.push_back(ci.high);
    }
    QString error;
    if (!line.x.empty() && !widgets::saveSweepLine(line, QString::fromStdString((fs::path(out) / "sweep-fraction").string()), &error))
        throw Error(error.toStdString());
}

}  // namespace

int runSweep(const Arguments& args) {
    std::set<std::string> allowed = kDecodingOptions;
    allowed.insert(kRuleOptions.begin(), kRuleOptions.end());
    allowed.insert({"model", "data", "out", "limit", "device", "dtype", "threads", "attention", "l-perc-values",
                    "l-reas-values", "g-perc-values", "g-reas-values", "fractions"});
    args.allowOnly(allowed);
    const std::string out = args.value("out");
    const EvalDataset dataset = readDatasetForRun(args);

    const auto session = Session::load(args.value("model"), loadOptionsFrom(args));
    const GenerationOptions decoding = decodingFrom(args, *session);
    const FacRule base = ruleFrom(args);
    const int64_t layers = session->config().text.numLayers;
    SweepAxes axes;
    axes.perceptionLayers = args.has("l-perc-values") ? parseIntList(args.value("l-perc-values"), "l-perc-values") : defaultLayers(layers);
    axes.reasoningLayers = args.has("l-reas-values") ? parseIntList(args.value("l-reas-values"), "l-reas-values") : defaultLayers(layers);
    axes.perceptionGains = parseNumberList(args.valueOr("g-perc-values", "1,1.16,1.3,1.5"), "g-perc-values");
    axes.reasoningGains = parseNumberList(args.valueOr("g-reas-values", "1,1.3,1.5"), "g-reas-values");
    axes.fractions = parseNumberList(args.valueOr("fractions", "0.02,0.06,0.12,0.18,0.3"), "fractions");
    for (double f : axes.fractions)
        if (f < 0 || f > 1) throw UsageError("--fractions: " + shortNumber(f) + " is not in [0, 1]");
    const std::vector<SweepPoint> points = sweepPoints(base, axes);

    claimRunFolder(out, {{"command", "sweep"}, {"model", fs::absolute(args.value("model")).lexically_normal().string()},
                         {"config_hash", session->info().configHash},
                         {"data", fs::absolute(dataset.path).lexically_normal().string()},
                         {"questions", dataset.samples.size()}, {"rule", ruleJson(base)}, {"axes", axesJson(axes)},
                         {"decoding", decodingJson(decoding)}});
    const std::string resultsPath = (fs::path(out) / "sweep.jsonl").string();
    const EvalRecordFile existing = reopenResults(resultsPath);
    const auto done = finishedWork(existing, dataset.samples, resultsPath);
    int64_t total = 0;
    for (int64_t i = 0; i < int64_t(dataset.samples.size()); ++i) {
        total += done.count({i, "vanilla"}) ? 0 : 1;
        for (const SweepPoint& p : points) total += done.count({i, p.mode()}) ? 0 : 1;
    }
    std::fprintf(stderr, "%zu questions x %zu settings (and vanilla)%s\n", dataset.samples.size(), points.size(),
                 existing.records.empty() ? "" : ("; resuming with " + std::to_string(existing.records.size()) + " results kept").c_str());

    std::signal(SIGINT, onSweepInterrupt);
    std::signal(SIGTERM, onSweepInterrupt);
    ResultsAppender appender(resultsPath);
    ProgressBar bar("sweep");
    int64_t finished = 0, skipped = 0;
    // Everything one question needs; an Error here skips the question (reported), not the sweep.
    auto runQuestion = [&](int64_t i, const std::vector<const SweepPoint*>& pending, bool needVanilla) {
        const EvalSample& sample = dataset.samples[size_t(i)];
        const std::optional<RgbImage> image = loadSampleImage(dataset, sample);
        if (needVanilla) {
            EvalModeSettings plain;
            plain.decoding = decoding;
            appender.append(runEvalSample(*session, sample, image, i, "vanilla", plain));
            bar.update(++finished, total);
        }
        if (pending.empty()) return;
        ChatPrompt prompt;
        prompt.userText = samplePrompt(sample);
        const PreparedInput input = session->prepare(prompt, image ? &*image : nullptr);
        // S_v is measured once per question (the last prompt token, as the paper does); each setting classes it.
        const FloatArray visualShare = prefillAnalyzed(*session, input, {}).statistics.visualShare;
        for (const SweepPoint* p : pending) {
            if (interrupted.load()) break;
            const HeadClassification classes = p->kind == "fraction" ? classifyHeadsByFraction(visualShare, p->rule, p->fraction)
                                                                     : classifyHeads(visualShare, p->rule);
            HeadControl control;
            control.gains = classConditionedGains(classes, p->rule);
            EvalRecord r = newEvalRecord(sample, i, p->mode(), decoding);
            r.modeSettings = {{"kind", p->kind}, {"rule", describeRule(p->rule)}, {"selected_fraction", shortNumber(classes.selectedFraction())}};
            if (p->fraction >= 0) r.modeSettings["fraction"] = shortNumber(p->fraction);
            if (!control.isIdentity()) r.profileHash = gainTableHash(control.gains.data);
            const auto start = std::chrono::steady_clock::now();
            const GenerationResult generation = generateControlled(*session, input, decoding, control);
            finishEvalRecord(r, sample, generation, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
            appender.append(r);
            bar.update(++finished, total);
        }
    };
    for (int64_t i = 0; i < int64_t(dataset.samples.size()) && !interrupted.load(); ++i) {
        std::vector<const SweepPoint*> pending;
        for (const SweepPoint& p : points)
            if (!done.count({i, p.mode()})) pending.push_back(&p);
        const bool needVanilla = !done.count({i, "vanilla"});
        if (pending.empty() && !needVanilla) continue;
        try {
            runQuestion(i, pending, needVanilla);
        } catch (const Error& e) {
            const EvalSample& sample = dataset.samples[size_t(i)];
            bar.finish();
            std::fprintf(stderr, "%s:%lld: question '%s' skipped: %s\n", dataset.path.c_str(), static_cast<long long>(sample.line),
                         sample.id.c_str(), e.what());
            ++skipped;
        }
    }
    bar.finish();
    if (interrupted.load()) {
        std::fprintf(stderr, "interrupted: every finished result is saved in %s; run the same command again to resume\n",
                     resultsPath.c_str());
        return 130;
    }
    const std::vector<EvalRecord> records = readEvalRecords(resultsPath).records;
    const std::string csv = sweepCsv(records, points);
    writeTextFileAtomically((fs::path(out) / "sweep.csv").string(), csv);
    drawPlots(out, records, points, axes);
    std::printf("%s", csv.c_str());
    std::fprintf(stderr, "wrote sweep.csv and sweep-layers, sweep-gains, sweep-fraction (.png, .svg) in %s\n", out.c_str());
    if (skipped > 0) {
        std::fprintf(stderr, "%lld questions were skipped (see above); run again after fixing them\n", static_cast<long long>(skipped));
        return 1;
    }
    return 0;
}

}  // namespace headscope::cli
