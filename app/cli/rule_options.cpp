#include "rule_options.h"

#include <sstream>

namespace headscope::cli {

const std::set<std::string> kRuleOptions = {
    "l-perc", "l-reas", "tau-perc", "tau-reas", "g-perc", "g-reas", "no-enhance-perception",
    "no-enhance-reasoning", "attenuate-others", "g-other"};

namespace {

std::string fileNameOf(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool hasRuleOptions(const Arguments& args) {
    for (const auto& name : kRuleOptions)
        if (args.has(name)) return true;
    return false;
}

FacRule ruleFrom(const Arguments& args) {
    // A gain for the other heads that nothing applies would silently do nothing.
    if (args.has("g-other") && !args.has("attenuate-others"))
        throw UsageError("--g-other takes effect only with --attenuate-others");
    FacRule rule;
    rule.perceptionMaxLayer = args.intOr("l-perc", rule.perceptionMaxLayer);
    rule.reasoningMinLayer = args.intOr("l-reas", rule.reasoningMinLayer);
    rule.perceptionMinShare = args.numberOr("tau-perc", rule.perceptionMinShare);
    rule.reasoningMaxShare = args.numberOr("tau-reas", rule.reasoningMaxShare);
    rule.perceptionGain = args.numberOr("g-perc", rule.perceptionGain);
    rule.reasoningGain = args.numberOr("g-reas", rule.reasoningGain);
    rule.enhancePerception = !args.has("no-enhance-perception");
    rule.enhanceReasoning = !args.has("no-enhance-reasoning");
    rule.attenuateOthers = args.has("attenuate-others");
    rule.otherGain = args.numberOr("g-other", rule.otherGain);
    validateRule(rule);
    return rule;
}

std::string describeRule(const FacRule& rule) {
    std::ostringstream text;
    text << "perception: layer <= " << rule.perceptionMaxLayer << ", S_v >= " << rule.perceptionMinShare
         << ", gain " << (rule.enhancePerception ? rule.perceptionGain : 1.0)
         << "; reasoning: layer >= " << rule.reasoningMinLayer << ", S_v <= " << rule.reasoningMaxShare
         << ", gain " << (rule.enhanceReasoning ? rule.reasoningGain : 1.0) << "; other heads: gain "
         << (rule.attenuateOthers ? rule.otherGain : 1.0);
    return text.str();
}

nlohmann::json ruleJson(const FacRule& rule) {
    return {{"l_perc", rule.perceptionMaxLayer},
            {"l_reas", rule.reasoningMinLayer},
            {"tau_perc", rule.perceptionMinShare},
            {"tau_reas", rule.reasoningMaxShare},
            {"g_perc", rule.perceptionGain},
            {"g_reas", rule.reasoningGain},
            {"enhance_perception", rule.enhancePerception},
            {"enhance_reasoning", rule.enhanceReasoning},
            {"attenuate_others", rule.attenuateOthers},
            {"g_other", rule.otherGain}};
}

HeadSelection selectHeads(const HeadStatistics& statistics, const FacRule& rule) {
    HeadSelection selection;
    selection.visualShare = statistics.visualShare;
    selection.queryPosition = statistics.queryPosition;
    selection.classification = classifyHeads(statistics.visualShare, rule);
    selection.gains = classConditionedGains(selection.classification, rule);
    return selection;
}

HeadSelection selectHeadsAtLastPromptToken(const Session& session, const PreparedInput& input,
                                           const FacRule& rule) {
    return selectHeads(prefillAnalyzed(session, input, {}).statistics, rule);
}

std::string profileBaseFrom(const std::string& path, const std::string& option) {
    std::string base = path;
    for (const std::string suffix : {".json", ".safetensors"})
        if (endsWith(base, suffix)) {
            base.resize(base.size() - suffix.size());
            break;
        }
    if (profileNameOf(base).empty())
        throw UsageError("--" + option + " '" + path +
                         "' names a folder, not the profile's files; give a base such as results/run1");
    return base;
}

std::string profileNameOf(const std::string& base) { return fileNameOf(base); }

HeadProfile profileOf(const ModelInput& model, const Arguments& args, const HeadSelection& selection,
                      const ProfileRecord& record) {
    const Session& session = *model.session;
    HeadProfile profile;
    profile.name = record.name;
    profile.model = identityOf(session.info());
    profile.rule = record.rule;
    profile.query = record.query;
    profile.queryPosition = record.queryPosition;
    profile.decoding = record.decoding;
    profile.prompt = args.value("prompt");
    profile.image = fileNameOf(model.imagePath);
    profile.visualShare = selection.visualShare;
    profile.contribution =
        record.contribution.data.empty() ? FloatArray(selection.visualShare.shape) : record.contribution;
    profile.headClass = selection.classification.classes;
    profile.gain = selection.gains;
    return profile;
}

}  // namespace headscope::cli
