#include <algorithm>
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

// --query last | mean | POSITION.
StatisticsRequest queryFrom(const Arguments& args) {
    const std::string text = args.valueOr("query", "last");
    StatisticsRequest request;
    if (text == "last") return request;
    if (text == "mean") {
        request.query = QueryChoice::MeanOverGenerated;
        return request;
    }
    char* end = nullptr;
    const long long position = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || position < 0)
        throw UsageError("--query must be last, mean or a sequence position >= 0, got '" + text + "'");
    request.query = QueryChoice::Position;
    request.position = position;
    return request;
}

const char* queryName(QueryChoice choice) {
    switch (choice) {
    case QueryChoice::LastPromptToken: return "last";
    case QueryChoice::MeanOverGenerated: return "mean";
    case QueryChoice::Position: return "position";
    }
    return "unknown";
}

std::string describeQuery(QueryChoice choice, const HeadStatistics& statistics) {
    switch (choice) {
    case QueryChoice::LastPromptToken:
        return "S_v at the last prompt token (position " + std::to_string(statistics.queryPosition) + ")";
    case QueryChoice::Position: return "S_v at sequence position " + std::to_string(statistics.queryPosition);
    case QueryChoice::MeanOverGenerated:
        return "S_v averaged over " + std::to_string(statistics.generatedVisualShare.shape.at(0)) +
               " generated tokens";
    }
    return "S_v";
}

struct Measurement {
    HeadStatistics statistics;
    std::vector<int64_t> generated;
};

// A row of the prompt needs only the prompt pass; generated rows, the mean over them and the contribution
// map of the first generated token need a generation, of one token when that token is all they need.
Measurement measure(const Session& session, const PreparedInput& input, const GenerationOptions& decoding,
                    const StatisticsRequest& request, bool needFirstToken) {
    const auto promptLength = static_cast<int64_t>(input.inputIds.size());
    const bool promptRow = request.query == QueryChoice::LastPromptToken ||
                           (request.query == QueryChoice::Position && request.position < promptLength);
    if (promptRow && !needFirstToken) {
        const int64_t row = request.query == QueryChoice::Position ? request.position : -1;
        return {prefillAnalyzed(session, input, {}, row).statistics, {}};
    }
    GenerationOptions options = decoding;
    if (promptRow) options.maxNewTokens = std::min<int64_t>(options.maxNewTokens, 1);
    AnalyzedGeneration run = generateAnalyzed(session, input, options, {}, request);
    return {run.statistics, run.generation.ids};
}

void checkDecodingFits(const StatisticsRequest& request, bool contrib, const GenerationOptions& decoding,
                       const PreparedInput& input) {
    const auto promptLength = static_cast<int64_t>(input.inputIds.size());
    if (request.query == QueryChoice::Position && request.position >= promptLength + decoding.maxNewTokens)
        throw UsageError("--query " + std::to_string(request.position) + " lies beyond the sequence: " +
                         std::to_string(promptLength) + " prompt tokens and at most " +
                         std::to_string(decoding.maxNewTokens) + " generated (--max-new-tokens)");
    if (decoding.maxNewTokens > 0) return;
    if (request.query == QueryChoice::MeanOverGenerated)
        throw UsageError("--query mean averages over generated tokens; --max-new-tokens must be at least 1");
    if (contrib)
        throw UsageError("--contrib explains the first generated token; --max-new-tokens must be at least 1");
}

nlohmann::json profileFilesJson(const std::string& base) {
    return {{"json", base + ".json"}, {"safetensors", base + ".safetensors"}};
}

}  // namespace

int runProfile(const Arguments& args) {
    std::set<std::string> allowed = kModelInputOptions;
    allowed.insert(kDecodingOptions.begin(), kDecodingOptions.end());
    allowed.insert(kRuleOptions.begin(), kRuleOptions.end());
    allowed.insert({"json", "out", "name", "query", "contrib"});
    args.allowOnly(allowed);
    const std::string base = profileBaseFrom(args.value("out"), "out");
    const std::string name = args.valueOr("name", profileNameOf(base));
    if (name.empty()) throw UsageError("--name must not be empty");
    const StatisticsRequest request = queryFrom(args);
    const bool contrib = args.has("contrib");
    const FacRule rule = ruleFrom(args);
    ModelInput model = loadModelInput(args);
    const Session& session = *model.session;
    const GenerationOptions decoding = decodingFrom(args, session);
    checkDecodingFits(request, contrib, decoding, model.input);

    const Measurement measured = measure(session, model.input, decoding, request, contrib);
    const HeadSelection selection = selectHeads(measured.statistics, rule);
    std::optional<TokenExplanation> explanation;
    if (contrib) explanation = explainToken(session, model.input, measured.generated, 0);
    ProfileRecord record;
    record.name = name;
    record.rule = rule;
    record.query = request.query;
    record.queryPosition = request.query == QueryChoice::Position ? request.position : -1;
    record.decoding = decoding;
    if (explanation) record.contribution = explanation->gateGradient;
    saveProfile(base, profileOf(model, args, selection, record));

    const HeadClassification& classes = selection.classification;
    if (args.has("json")) {
        nlohmann::json out = {
            {"model", session.info().folder},
            {"name", name},
            {"query", {{"choice", queryName(request.query)}, {"position", selection.queryPosition}}},
            {"rule", ruleJson(rule)},
            {"classes", classNamesJson(classes.classes)},
            {"visual_share", tableJson(selection.visualShare)},
            {"gains", tableJson(selection.gains)},
            {"profile", profileFilesJson(base)}};
        out.update(classCountsJson(classes));
        if (explanation) {
            out["contribution"] = tableJson(explanation->gateGradient);
            out["contribution_target"] = {{"id", explanation->target},
                                          {"text", tokenText(session.tokenizer(), explanation->target)},
                                          {"log_probability", explanation->logProbability}};
        }
        std::puts(out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    std::printf("%s; %s\n\n", describeQuery(request.query, measured.statistics).c_str(),
                describeRule(rule).c_str());
    printClassTable(classes, selection.visualShare);
    std::printf("\n%s\n", classCountsLine(classes).c_str());
    if (explanation)
        std::printf("contribution map of the first generated token %s (log p %.4f)\n",
                    tokenLabel(session.tokenizer(), explanation->target).c_str(),
                    explanation->logProbability);
    std::printf("profile '%s' written to %s.json and %s.safetensors\n", name.c_str(), base.c_str(),
                base.c_str());
    return 0;
}

}  // namespace headscope::cli
