#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "head_table_output.h"
#include "headscope/analysis.h"
#include "headscope/profile.h"
#include "model_input.h"
#include "rule_options.h"

namespace headscope::cli {

namespace {

constexpr size_t kTopHeads = 5;

// --target auto (the generated token) or a token id; nullopt for auto.
std::optional<int64_t> targetFrom(const Arguments& args) {
    const std::string text = args.valueOr("target", "auto");
    if (text == "auto") return std::nullopt;
    char* end = nullptr;
    const long long id = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0')
        throw UsageError("--target must be auto or a token id, got '" + text + "'");
    return id;
}

nlohmann::json topHeadsJson(const std::vector<HeadValue>& heads) {
    nlohmann::json out = nlohmann::json::array();
    for (const HeadValue& h : heads)
        out.push_back({{"layer", h.layer}, {"head", h.head}, {"contribution", h.value}});
    return out;
}

void printExplanation(const Session& session, const GenerationResult& generation, const TokenExplanation& e,
                      bool autoTarget) {
    std::printf("generated %zu token%s: %s\n\n", generation.ids.size(), generation.ids.size() == 1 ? "" : "s",
                generation.text.c_str());
    std::printf("generated token %lld, predicted at sequence position %lld\n",
                static_cast<long long>(e.generatedIndex), static_cast<long long>(e.position));
    std::printf("target %s%s, log p = %.4f\n\n", tokenLabel(session.tokenizer(), e.target).c_str(),
                autoTarget ? " (the generated token)" : "", e.logProbability);
    std::printf("contribution C(l, h) = d log p(target) / d gate(l, h):\n");
    printValueTable(e.gateGradient);
    std::printf("\nlargest |C|:\n");
    for (const HeadValue& h : largestMagnitudes(e.gateGradient, kTopHeads))
        std::printf("  layer %lld, head %lld: %+.4e\n", static_cast<long long>(h.layer),
                    static_cast<long long>(h.head), h.value);
}

// A profile carrying the contribution map; its classes and gains come from the default rule on S_v at the
// last prompt token.
void saveContributionProfile(const std::string& base, const ModelInput& model, const Arguments& args,
                             const HeadStatistics& statistics, const GenerationOptions& decoding,
                             const TokenExplanation& e) {
    ProfileRecord record;
    record.name = profileNameOf(base);
    record.decoding = decoding;
    record.contribution = e.gateGradient;
    saveProfile(base, profileOf(model, args, selectHeads(statistics, record.rule), record));
}

}  // namespace

int runContrib(const Arguments& args) {
    std::set<std::string> allowed = kModelInputOptions;
    allowed.insert(kDecodingOptions.begin(), kDecodingOptions.end());
    allowed.insert({"json", "token", "target", "csv", "profile-out"});
    args.allowOnly(allowed);
    const int64_t tokenIndex = args.intOr("token", 0);
    const std::optional<int64_t> target = targetFrom(args);
    const std::string profileBase =
        args.has("profile-out") ? profileBaseFrom(args.value("profile-out"), "profile-out") : "";
    ModelInput model = loadModelInput(args);
    const Session& session = *model.session;
    const GenerationOptions decoding = decodingFrom(args, session);

    // The default statistics are S_v at the last prompt token, which the CSV and the profile carry.
    const AnalyzedGeneration run = generateAnalyzed(session, model.input, decoding, {}, StatisticsRequest{});
    const TokenExplanation e = explainToken(session, model.input, run.generation.ids, tokenIndex, target);
    const FloatArray& visualShare = run.statistics.visualShare;
    if (args.has("csv")) writeHeadCsv(args.value("csv"), e.gateGradient, visualShare);
    if (!profileBase.empty()) saveContributionProfile(profileBase, model, args, run.statistics, decoding, e);

    if (!args.has("json")) {
        printExplanation(session, run.generation, e, !target);
        if (args.has("csv")) std::printf("\nwrote %s\n", args.value("csv").c_str());
        if (!profileBase.empty())
            std::printf("wrote profile %s.json and %s.safetensors\n", profileBase.c_str(),
                        profileBase.c_str());
        return 0;
    }
    nlohmann::json out = {
        {"model", session.info().folder},
        {"generated", {{"ids", run.generation.ids}, {"text", run.generation.text}}},
        {"token", e.generatedIndex},
        {"position", e.position},
        {"target", {{"id", e.target}, {"text", tokenText(session.tokenizer(), e.target)}, {"auto", !target}}},
        {"log_probability", e.logProbability},
        {"contribution", tableJson(e.gateGradient)},
        {"visual_share", tableJson(visualShare)},
        {"top_heads", topHeadsJson(largestMagnitudes(e.gateGradient, kTopHeads))},
        {"token_saliency", e.tokenSaliency.data}};
    if (args.has("csv")) out["csv"] = args.value("csv");
    if (!profileBase.empty())
        out["profile"] = {{"json", profileBase + ".json"}, {"safetensors", profileBase + ".safetensors"}};
    std::puts(out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
}

}  // namespace headscope::cli
