#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "head_table_output.h"
#include "headscope/analysis.h"
#include "headscope/profile.h"
#include "model_input.h"
#include "rule_options.h"

namespace headscope::cli {

namespace {

// The gain table of the controlled run and where it came from.
struct ControlledGains {
    FloatArray gains;
    HeadClassification classes;
    std::string source;       // for people
    std::string profilePath;  // empty when identified on this input
};

ControlledGains gainsFromProfile(const std::string& path, const Session& session) {
    const HeadProfile profile = loadProfile(path);
    checkProfileFitsModel(profile, session.info());
    return {profile.gain, countClasses(profile.headClass), "profile '" + profile.name + "' (" + path + ")",
            path};
}

ControlledGains gainsFromRule(const FacRule& rule, const Session& session, const PreparedInput& input) {
    const HeadSelection selection = selectHeadsAtLastPromptToken(session, input, rule);
    return {selection.gains, selection.classification,
            "heads identified on this input at the last prompt token (" + describeRule(rule) + ")", ""};
}

int64_t changedGainCount(const FloatArray& gains) {
    return std::count_if(gains.data.begin(), gains.data.end(), [](float g) { return g != 1.0f; });
}

nlohmann::json runJson(const GenerationResult& run) {
    return {{"ids", run.ids},
            {"text", run.text},
            {"logprobs", run.logprobs},
            {"stopped_at_eos", run.stoppedAtEos}};
}

// The token at `index` of a run, or a note that the run had ended before it.
std::string tokenAt(const Tokenizer& tokenizer, const GenerationResult& run, int64_t index) {
    if (index >= static_cast<int64_t>(run.ids.size())) return "(ended)";
    return tokenLabel(tokenizer, run.ids[static_cast<size_t>(index)]);
}

std::string logprobAt(const GenerationResult& run, size_t index) {
    if (index >= run.logprobs.size()) return "";
    char text[32];
    std::snprintf(text, sizeof text, "%9.4f", run.logprobs[index]);
    return text;
}

void printComparison(const Session& session, const ABComparison& ab, const ControlledGains& controlled) {
    const Tokenizer& tokenizer = session.tokenizer();
    std::printf("controlled run: gains from %s\n", controlled.source.c_str());
    std::printf("selected heads: %s; %lld gains differ from 1\n\n",
                classCountsLine(controlled.classes).c_str(),
                static_cast<long long>(changedGainCount(controlled.gains)));
    std::printf("baseline:   %s\n", ab.baseline.text.c_str());
    std::printf("controlled: %s\n\n", ab.controlled.text.c_str());
    if (ab.firstDivergence < 0)
        std::printf("first divergence: identical\n\n");
    else
        std::printf("first divergence: token %lld: baseline %s, controlled %s\n\n",
                    static_cast<long long>(ab.firstDivergence),
                    tokenAt(tokenizer, ab.baseline, ab.firstDivergence).c_str(),
                    tokenAt(tokenizer, ab.controlled, ab.firstDivergence).c_str());
    std::printf("%5s  %-32s %9s   %-32s %9s\n", "token", "baseline", "log p", "controlled", "log p");
    const size_t rows = std::max(ab.baseline.ids.size(), ab.controlled.ids.size());
    for (size_t i = 0; i < rows; ++i) {
        const auto index = static_cast<int64_t>(i);
        const std::string a = i < ab.baseline.ids.size() ? tokenAt(tokenizer, ab.baseline, index) : "";
        const std::string b = i < ab.controlled.ids.size() ? tokenAt(tokenizer, ab.controlled, index) : "";
        std::printf("%5zu  %-32s %9s   %-32s %9s\n", i, a.c_str(), logprobAt(ab.baseline, i).c_str(),
                    b.c_str(), logprobAt(ab.controlled, i).c_str());
    }
}

}  // namespace

int runCompare(const Arguments& args) {
    std::set<std::string> allowed = kModelInputOptions;
    allowed.insert(kDecodingOptions.begin(), kDecodingOptions.end());
    allowed.insert(kRuleOptions.begin(), kRuleOptions.end());
    allowed.insert({"json", "profile"});
    args.allowOnly(allowed);
    const bool fromProfile = args.has("profile");
    if (fromProfile && hasRuleOptions(args))
        throw UsageError("give either --profile or rule options: a profile carries its own gains");
    const FacRule rule = ruleFrom(args);
    ModelInput model = loadModelInput(args);
    const Session& session = *model.session;
    const GenerationOptions decoding = decodingFrom(args, session);
    const ControlledGains controlled = fromProfile ? gainsFromProfile(args.value("profile"), session)
                                                   : gainsFromRule(rule, session, model.input);
    HeadControl control;
    control.gains = controlled.gains;
    const ABComparison ab = compareGenerations(session, model.input, decoding, control);

    if (!args.has("json")) {
        printComparison(session, ab, controlled);
        return 0;
    }
    const HeadClassification& classes = controlled.classes;
    nlohmann::json out = {{"model", session.info().folder},
                          {"baseline", runJson(ab.baseline)},
                          {"controlled", runJson(ab.controlled)},
                          {"first_divergence", ab.firstDivergence < 0 ? nlohmann::json(nullptr)
                                                                      : nlohmann::json(ab.firstDivergence)},
                          {"identical", ab.firstDivergence < 0},
                          {"gains", tableJson(controlled.gains)},
                          {"gains_source", fromProfile ? "profile" : "rule"},
                          {"selected_heads",
                           {{"perception", classes.perceptionCount},
                            {"reasoning", classes.reasoningCount},
                            {"total", classes.totalHeads},
                            {"changed_gains", changedGainCount(controlled.gains)}}}};
    if (fromProfile)
        out["profile"] = controlled.profilePath;
    else
        out["rule"] = ruleJson(rule);
    std::puts(out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
}

}  // namespace headscope::cli
