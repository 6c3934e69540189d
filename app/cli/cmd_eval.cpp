// eval: a dataset through one or more decoding modes, resumable and shardable; eval-merge: shards into one.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "commands.h"
#include "eval_run_files.h"
#include "eval_sample_runner.h"
#include "headscope/error.h"
#include "headscope/eval_gallery.h"
#include "headscope/profile.h"
#include "headscope/text_files.h"
#include "model_input.h"
#include "progress_bar.h"
#include "rule_options.h"

namespace headscope::cli {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> interrupted{false};
extern "C" void onEvalInterrupt(int) { interrupted.store(true); }

std::vector<std::string> parseModes(const std::string& text) {
    std::vector<std::string> modes;
    std::stringstream list(text);
    std::string mode;
    while (std::getline(list, mode, ',')) {
        if (std::find(kEvalModes.begin(), kEvalModes.end(), mode) == kEvalModes.end())
            throw UsageError("--modes: unknown mode '" + mode + "' (known: vanilla, fac, vcd)");
        if (std::find(modes.begin(), modes.end(), mode) != modes.end())
            throw UsageError("--modes: '" + mode + "' is listed twice");
        modes.push_back(mode);
    }
    if (modes.empty()) throw UsageError("--modes: no mode given");
    // The paired comparisons are against plain decoding whenever it runs.
    const auto vanilla = std::find(modes.begin(), modes.end(), "vanilla");
    if (vanilla != modes.end()) std::rotate(modes.begin(), vanilla, vanilla + 1);
    return modes;
}

std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

std::string accuracyLine(const std::map<std::string, std::pair<int64_t, int64_t>>& tally, const std::vector<std::string>& modes) {
    std::string line;
    for (const std::string& mode : modes) {
        const auto it = tally.find(mode);
        if (it == tally.end() || it->second.second == 0) continue;
        char part[64];
        std::snprintf(part, sizeof part, "%s%s %.1f%%", line.empty() ? "" : "  ", mode.c_str(),
                      100.0 * double(it->second.first) / double(it->second.second));
        line += part;
    }
    return line;
}

}  // namespace

int runEval(const Arguments& args) {
    std::set<std::string> allowed = kDecodingOptions;
    allowed.insert(kRuleOptions.begin(), kRuleOptions.end());
    allowed.insert({"model", "data", "modes", "profile", "shard", "out", "limit", "device", "dtype", "threads",
                    "attention", "vcd-alpha", "vcd-beta", "vcd-noise-step"});
    args.allowOnly(allowed);
    const std::vector<std::string> modes = parseModes(args.valueOr("modes", "vanilla,fac"));
    const bool usesFac = std::find(modes.begin(), modes.end(), "fac") != modes.end();
    const bool usesVcd = std::find(modes.begin(), modes.end(), "vcd") != modes.end();
    if ((args.has("vcd-alpha") || args.has("vcd-beta") || args.has("vcd-noise-step")) && !usesVcd)
        throw UsageError("--vcd-* options set up the vcd mode, which --modes does not include");
    if (args.has("profile") && hasRuleOptions(args))
        throw UsageError("give either --profile or rule options: a profile carries its own gains");
    if ((args.has("profile") || hasRuleOptions(args)) && !usesFac)
        throw UsageError("--profile and rule options set up the fac mode, which --modes does not include");
    const Shard shard = parseShard(args.valueOr("shard", "1/1"));
    const std::string out = args.value("out");

    const EvalDataset dataset = readDatasetForRun(args);

    const auto session = Session::load(args.value("model"), loadOptionsFrom(args));
    EvalModeSettings settings;
    settings.decoding = decodingFrom(args, *session);
    settings.rule = ruleFrom(args);
    settings.vcd.alpha = args.numberOr("vcd-alpha", settings.vcd.alpha);
    settings.vcd.beta = args.numberOr("vcd-beta", settings.vcd.beta);
    settings.vcd.noiseStep = static_cast<int>(args.intOr("vcd-noise-step", settings.vcd.noiseStep));
    validateVcdOptions(settings.vcd);
    nlohmann::json runSettings = {{"model", absolute(args.value("model"))}, {"config_hash", session->info().configHash},
                                  {"data", absolute(dataset.path)}, {"questions", dataset.samples.size()},
                                  {"modes", modes}, {"decoding", decodingJson(settings.decoding)},
                                  {"shards", shard.count}};
    if (usesFac && args.has("profile")) {
        const HeadProfile profile = loadProfile(args.value("profile"));
        checkProfileFitsModel(profile, session->info());
        settings.profileGains = profile.gain;
        runSettings["fac"] = {{"profile", absolute(args.value("profile"))}, {"gain_hash", gainTableHash(profile.gain.data)}};
    } else if (usesFac) {
        runSettings["fac"] = {{"rule", ruleJson(settings.rule)}};
    }
    if (usesVcd)
        runSettings["vcd"] = {{"alpha", settings.vcd.alpha}, {"beta", settings.vcd.beta}, {"noise_step", settings.vcd.noiseStep}};
    claimRunFolder(out, runSettings);

    const std::string suffix = shardSuffix(shard);
    const std::string resultsPath = (fs::path(out) / ("results" + suffix + ".jsonl")).string();
    const EvalRecordFile existing = reopenResults(resultsPath);
    const auto done = finishedWork(existing, dataset.samples, resultsPath);

    std::vector<std::pair<int64_t, std::string>> work;
    for (int64_t i = 0; i < int64_t(dataset.samples.size()); ++i)
        if (shard.owns(i))
            for (const std::string& mode : modes)
                if (!done.count({i, mode})) work.push_back({i, mode});
    if (!existing.records.empty())
        std::fprintf(stderr, "resuming: %zu results kept, %zu to go\n", existing.records.size(), work.size());

    std::map<std::string, std::pair<int64_t, int64_t>> tally;  // mode -> (correct, total)
    for (const EvalRecord& r : existing.records) {
        tally[r.mode].first += r.correct ? 1 : 0;
        ++tally[r.mode].second;
    }
    std::signal(SIGINT, onEvalInterrupt);
    std::signal(SIGTERM, onEvalInterrupt);
    ResultsAppender appender(resultsPath);
    ProgressBar bar("eval");
    int64_t skipped = 0;
    std::optional<RgbImage> image;
    int64_t imageOf = -1;
    for (size_t w = 0; w < work.size() && !interrupted.load(); ++w) {
        const auto& [index, mode] = work[w];
        const EvalSample& sample = dataset.samples[size_t(index)];
        if (imageOf != index) {
            imageOf = index;
            try {
                image = loadSampleImage(dataset, sample);
            } catch (const Error& e) {
                // Reported and left out of the results, so that a later run retries it.
                bar.finish();
                std::fprintf(stderr, "%s:%lld: question '%s' skipped: %s\n", dataset.path.c_str(),
                             static_cast<long long>(sample.line), sample.id.c_str(), e.what());
                ++skipped;
                while (w + 1 < work.size() && work[w + 1].first == index) ++w;
                imageOf = -1;
                continue;
            }
        }
        EvalRecord record;
        try {
            record = runEvalSample(*session, sample, image, index, mode, settings);
        } catch (const Error& e) {
            // One question that cannot run (e.g. a prompt longer than the context) must not stop the others.
            bar.finish();
            std::fprintf(stderr, "%s:%lld: question '%s' (%s) skipped: %s\n", dataset.path.c_str(),
                         static_cast<long long>(sample.line), sample.id.c_str(), mode.c_str(), e.what());
            ++skipped;
            continue;
        }
        appender.append(record);
        tally[mode].first += record.correct ? 1 : 0;
        ++tally[mode].second;
        bar.update(int64_t(w + 1), int64_t(work.size()), accuracyLine(tally, modes));
    }
    bar.finish();
    if (interrupted.load()) {
        std::fprintf(stderr, "interrupted: every finished result is saved in %s; run the same command again to resume\n",
                     resultsPath.c_str());
        return 130;
    }
    const EvalRecordFile all = readEvalRecords(resultsPath);
    const std::string table = writeEvalSummary(out, suffix, all.records, modes);
    std::printf("%s", table.c_str());
    if (skipped > 0) {
        std::fprintf(stderr, "%lld questions were skipped (see above); run again after fixing them\n",
                     static_cast<long long>(skipped));
        return 1;
    }
    return 0;
}

int runEvalMerge(const Arguments& args) {
    args.allowOnly({"out", "from"});
    const std::string out = args.value("out");
    std::vector<std::string> folders;
    std::stringstream list(args.valueOr("from", out));
    for (std::string folder; std::getline(list, folder, ',');)
        if (!folder.empty()) folders.push_back(folder);
    const nlohmann::json settings = readRunSettings(folders.front());
    for (const std::string& folder : folders)
        if (readRunSettings(folder) != settings)
            throw UsageError(folder + "/run.json: the shards were run with other settings than " + folders.front());
    const int64_t shards = settings.at("shards").get<int64_t>();
    const int64_t questions = settings.at("questions").get<int64_t>();
    const auto modes = settings.at("modes").get<std::vector<std::string>>();
    if (shards < 2) throw UsageError(folders.front() + ": this run was not sharded; its results.jsonl is already whole");

    std::map<std::pair<int64_t, size_t>, EvalRecord> merged;  // (question, mode order) -> record
    std::vector<std::string> problems;
    for (int64_t i = 1; i <= shards; ++i) {
        const Shard shard{i, shards};
        std::string found;
        for (const std::string& folder : folders) {
            const std::string path = (fs::path(folder) / ("results" + shardSuffix(shard) + ".jsonl")).string();
            if (!fs::exists(path)) continue;
            if (!found.empty()) throw UsageError("shard " + std::to_string(i) + " appears twice: " + found + " and " + path);
            found = path;
        }
        if (found.empty()) {
            problems.push_back("shard " + std::to_string(i) + " of " + std::to_string(shards) + " has no results");
            continue;
        }
        int64_t expected = 0;
        for (int64_t q = 0; q < questions; ++q) expected += shard.owns(q) ? int64_t(modes.size()) : 0;
        const EvalRecordFile file = readEvalRecords(found);
        for (const EvalRecord& r : file.records) {
            const auto mode = std::find(modes.begin(), modes.end(), r.mode);
            if (mode == modes.end() || !shard.owns(r.index))
                throw FormatError(found + ": record of question '" + r.id + "' (" + r.mode + ") does not belong to this shard");
            merged[{r.index, size_t(mode - modes.begin())}] = r;
        }
        if (int64_t(file.records.size()) != expected)
            problems.push_back(found + " is unfinished (" + std::to_string(file.records.size()) + " of " +
                               std::to_string(expected) + " results): run its shard again to finish it");
    }
    if (!problems.empty()) {
        std::string message = "cannot merge:";
        for (const std::string& p : problems) message += "\n  " + p;
        throw UsageError(message);
    }
    std::string text;
    std::vector<EvalRecord> records;
    for (const auto& [key, record] : merged) {
        text += evalRecordJson(record) + "\n";
        records.push_back(record);
    }
    nlohmann::json mergedSettings = settings;
    mergedSettings["shards"] = 1;
    mergedSettings["merged_from_shards"] = shards;
    fs::create_directories(out);
    writeTextFileAtomically((fs::path(out) / "results.jsonl").string(), text);
    writeTextFileAtomically((fs::path(out) / "merged.json").string(), mergedSettings.dump(2) + "\n");
    // A merge into a folder of its own carries the run's settings too, so eval-gallery and the window can open it.
    if (!fs::exists(fs::path(out) / "run.json"))
        writeTextFileAtomically((fs::path(out) / "run.json").string(), settings.dump(2) + "\n");
    std::printf("%s", writeEvalSummary(out, "", records, modes).c_str());
    return 0;
}

int runEvalGallery(const Arguments& args) {
    args.allowOnly({"run", "modes", "out"});
    const std::string run = args.value("run");
    const nlohmann::json settings = readRunSettings(run);
    const std::string results = (fs::path(run) / "results.jsonl").string();
    if (!fs::exists(results))
        throw UsageError(run + " has no results.jsonl" +
                         std::string(settings.value("shards", 1) > 1 ? ": merge its shards with eval-merge first" : ""));
    std::vector<std::string> modes = settings.at("modes").get<std::vector<std::string>>();
    if (args.has("modes")) modes = parseModes(args.value("modes"));
    if (modes.size() < 2) throw UsageError("a gallery compares two modes; the run has " + std::to_string(modes.size()));
    const EvalDataset dataset = readEvalDataset(settings.at("data").get<std::string>());
    const auto cases = findDisagreements(readEvalRecords(results).records, modes[0], modes[1]);
    const GalleryCounts counts = writeDisagreementGallery(args.value("out"), dataset, cases);
    std::printf("%lld questions right only with %s, %lld right only with %s; wrote %s/index.html\n",
                static_cast<long long>(counts.fixed), modes[1].c_str(), static_cast<long long>(counts.broken),
                modes[0].c_str(), args.value("out").c_str());
    return 0;
}

}  // namespace headscope::cli
