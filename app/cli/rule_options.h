// The Functional Attention Control rule from command-line options, head selection with it, and the head
// profile that records a selection.
#pragma once
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "commands.h"
#include "headscope/analysis.h"
#include "headscope/head_classes.h"
#include "headscope/profile.h"
#include "model_input.h"

namespace headscope::cli {

// --l-perc, --l-reas, --tau-perc, --tau-reas, --g-perc, --g-reas, --no-enhance-perception,
// --no-enhance-reasoning, --attenuate-others, --g-other; for allowOnly().
extern const std::set<std::string> kRuleOptions;

bool hasRuleOptions(const Arguments& args);

// The options over FacRule{}'s defaults (the paper's). Throws validateRule's InvalidInputError, which names
// the parameter at fault.
FacRule ruleFrom(const Arguments& args);

// "perception: layer <= 7, S_v >= 0.22, gain 1.16; reasoning: ...; other heads: gain 1"
std::string describeRule(const FacRule& rule);
nlohmann::json ruleJson(const FacRule& rule);

// A classification of the heads and the gains the rule gives them.
struct HeadSelection {
    FloatArray visualShare;      // S_v [layers, heads] the classes were read from
    int64_t queryPosition = -1;  // the row S_v was read from; -1 for a mean over generated tokens
    HeadClassification classification;
    FloatArray gains;
};

HeadSelection selectHeads(const HeadStatistics& statistics, const FacRule& rule);

// The paper's default identification: S_v at the last prompt token, from one prompt pass.
HeadSelection selectHeadsAtLastPromptToken(const Session& session, const PreparedInput& input,
                                           const FacRule& rule);

// Where a profile goes: the path without a .json or .safetensors ending (either names the pair, as for
// loadProfile), and the name it implies (the file name). UsageError for a path that names no file.
std::string profileBaseFrom(const std::string& path, const std::string& option);
std::string profileNameOf(const std::string& base);

// Everything a profile records about a selection made on `model`'s input.
struct ProfileRecord {
    std::string name;
    FacRule rule;
    QueryChoice query = QueryChoice::LastPromptToken;
    int64_t queryPosition = -1;
    GenerationOptions decoding;
    FloatArray contribution;  // empty: no contribution map (saved as zeros)
};
HeadProfile profileOf(const ModelInput& model, const Arguments& args, const HeadSelection& selection,
                      const ProfileRecord& record);

}  // namespace headscope::cli
