// Head profile settings <-> JSON. Every field is typed strictly on load so that a hand-edited or foreign
// file fails with a message naming the file and the field instead of yielding a silently different run.
#include "profile_json.h"

#include "headscope/error.h"
#include "headscope/version.h"

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace headscope::profile_detail {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

const char* queryChoiceName(QueryChoice choice) {
    switch (choice) {
        case QueryChoice::LastPromptToken:
            return "last_prompt_token";
        case QueryChoice::Position:
            return "position";
        case QueryChoice::MeanOverGenerated:
            return "mean_over_generated";
    }
    throw InvalidInputError("head profile: unknown query choice " + std::to_string(static_cast<int>(choice)));
}

bool parseQueryChoice(const std::string& name, QueryChoice* out) {
    for (QueryChoice choice :
         {QueryChoice::LastPromptToken, QueryChoice::Position, QueryChoice::MeanOverGenerated}) {
        if (name == queryChoiceName(choice)) {
            *out = choice;
            return true;
        }
    }
    return false;
}

// Informative only: readers can see the size of the selection without opening the tensor file.
ordered_json classCounts(const Int64Array& headClass) {
    int64_t perception = 0;
    int64_t reasoning = 0;
    for (int64_t code : headClass.data) {
        if (code == static_cast<int64_t>(HeadClass::Perception)) ++perception;
        if (code == static_cast<int64_t>(HeadClass::Reasoning)) ++reasoning;
    }
    const auto total = static_cast<int64_t>(headClass.data.size());
    const double selected = total > 0 ? static_cast<double>(perception + reasoning) / total : 0.0;
    return {{"perception", perception},
            {"reasoning", reasoning},
            {"total", total},
            {"selected_fraction", selected}};
}

ordered_json ruleToJson(const FacRule& rule) {
    return {{"l_perc", rule.perceptionMaxLayer},    {"l_reas", rule.reasoningMinLayer},
            {"tau_perc", rule.perceptionMinShare},  {"tau_reas", rule.reasoningMaxShare},
            {"g_perc", rule.perceptionGain},        {"g_reas", rule.reasoningGain},
            {"enhance_perception", rule.enhancePerception}, {"enhance_reasoning", rule.enhanceReasoning},
            {"attenuate_others", rule.attenuateOthers}, {"g_other", rule.otherGain}};
}

ordered_json decodingToJson(const GenerationOptions& decoding) {
    const SamplingOptions& sampling = decoding.sampling;
    return {{"max_new_tokens", decoding.maxNewTokens}, {"do_sample", sampling.doSample},
            {"temperature", sampling.temperature},     {"top_k", sampling.topK},
            {"top_p", sampling.topP},                  {"seed", sampling.seed},
            {"stop_token_ids", decoding.stopTokenIds}};
}

// Typed access to the members of one JSON object; `path` is the object's dotted location for messages.
class Fields {
public:
    Fields(const json& object, std::string file, std::string path)
        : object_(object), file_(std::move(file)), path_(std::move(path)) {}

    bool has(const std::string& key) const { return object_.contains(key); }

    Fields object(const std::string& key) const {
        const json& value = require(key);
        if (!value.is_object()) failType(key, value, "an object");
        return Fields(value, file_, fieldPath(key));
    }

    std::string string(const std::string& key) const {
        const json& value = require(key);
        if (!value.is_string()) failType(key, value, "a string");
        return value.get<std::string>();
    }

    bool boolean(const std::string& key) const {
        const json& value = require(key);
        if (!value.is_boolean()) failType(key, value, "true or false");
        return value.get<bool>();
    }

    double number(const std::string& key) const {
        const json& value = require(key);
        if (!value.is_number()) failType(key, value, "a number");
        return value.get<double>();
    }

    int64_t integer(const std::string& key) const { return toInt64(key, require(key)); }

    uint64_t unsignedInteger(const std::string& key) const {
        const json& value = require(key);
        if (!value.is_number_unsigned()) failType(key, value, "an integer in [0, 2^64 - 1]");
        return value.get<uint64_t>();
    }

    std::vector<int64_t> integerList(const std::string& key) const {
        const json& value = require(key);
        if (!value.is_array()) failType(key, value, "a list of integers");
        std::vector<int64_t> list;
        for (size_t i = 0; i < value.size(); ++i)
            list.push_back(toInt64(key + "[" + std::to_string(i) + "]", value[i]));
        return list;
    }

    [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
        throw FormatError(file_ + ": field '" + fieldPath(key) + "' " + problem);
    }

private:
    std::string fieldPath(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

    const json& require(const std::string& key) const {
        const auto found = object_.find(key);
        if (found == object_.end()) fail(key, "is missing");
        return *found;
    }

    int64_t toInt64(const std::string& key, const json& value) const {
        if (!value.is_number_integer()) failType(key, value, "an integer");
        if (value.is_number_unsigned() &&
            value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            fail(key, "is too large for a signed 64-bit integer");
        return value.get<int64_t>();
    }

    [[noreturn]] void failType(const std::string& key, const json& value, const std::string& expected) const {
        const std::string actual = value.is_number_float() ? "a fractional number" : value.type_name();
        fail(key, "must be " + expected + ", not " + actual);
    }

    const json& object_;
    std::string file_;
    std::string path_;
};

void checkFormat(const Fields& top, const std::string& file) {
    const std::string format = top.string("format");
    if (format != kProfileFormat)
        top.fail("format", "is '" + format + "', expected '" + kProfileFormat + "'");
    const int64_t version = top.integer("format_version");
    if (version > kProfileFormatVersion)
        throw InvalidInputError(file + ": field 'format_version' is " + std::to_string(version) +
                                "; this HeadScope reads head profiles up to version " +
                                std::to_string(kProfileFormatVersion) +
                                " (the file is from a newer release)");
    if (version < 1) top.fail("format_version", "is " + std::to_string(version) + ", expected 1");
}

ModelIdentity modelFromJson(const Fields& model) {
    ModelIdentity identity;
    identity.name = model.string("name");
    identity.modelType = model.string("model_type");
    identity.configHash = model.string("config_hash");
    identity.layers = model.integer("layers");
    identity.heads = model.integer("heads");
    if (identity.layers < 0) model.fail("layers", "is negative (" + std::to_string(identity.layers) + ")");
    if (identity.heads < 0) model.fail("heads", "is negative (" + std::to_string(identity.heads) + ")");
    return identity;
}

FacRule ruleFromJson(const Fields& fields) {
    FacRule rule;
    rule.perceptionMaxLayer = fields.integer("l_perc");
    rule.reasoningMinLayer = fields.integer("l_reas");
    rule.perceptionMinShare = fields.number("tau_perc");
    rule.reasoningMaxShare = fields.number("tau_reas");
    rule.perceptionGain = fields.number("g_perc");
    rule.reasoningGain = fields.number("g_reas");
    rule.enhancePerception = fields.boolean("enhance_perception");
    rule.enhanceReasoning = fields.boolean("enhance_reasoning");
    rule.attenuateOthers = fields.boolean("attenuate_others");
    rule.otherGain = fields.number("g_other");
    return rule;
}

GenerationOptions decodingFromJson(const Fields& fields) {
    GenerationOptions decoding;
    decoding.maxNewTokens = fields.integer("max_new_tokens");
    decoding.sampling.doSample = fields.boolean("do_sample");
    decoding.sampling.temperature = fields.number("temperature");
    decoding.sampling.topK = fields.integer("top_k");
    decoding.sampling.topP = fields.number("top_p");
    decoding.sampling.seed = fields.unsignedInteger("seed");
    decoding.stopTokenIds = fields.integerList("stop_token_ids");
    return decoding;
}

void queryFromJson(const Fields& fields, HeadProfile* profile) {
    const std::string choice = fields.string("choice");
    if (!parseQueryChoice(choice, &profile->query))
        fields.fail("choice", "is '" + choice +
                                  "', expected 'last_prompt_token', 'position' or 'mean_over_generated'");
    profile->queryPosition = fields.integer("position");
}

// The tensor file must sit beside the JSON: a path elsewhere would make a profile depend on its location.
std::string tensorFileFromJson(const Fields& top) {
    const std::string name = top.string("tensors");
    if (name.empty() || name == "." || name == ".." || name.find_first_of("/\\") != std::string::npos)
        top.fail("tensors", "must be a file name in the profile's folder, not '" + name + "'");
    return name;
}

}  // namespace

ordered_json profileToJson(const HeadProfile& profile, const std::string& tensorFileName) {
    const ModelIdentity& model = profile.model;
    ordered_json document;
    document["format"] = kProfileFormat;
    document["format_version"] = kProfileFormatVersion;
    document["name"] = profile.name;
    document["app_version"] =
        profile.appVersion.empty() ? std::string(headscopeVersion()) : profile.appVersion;
    document["model"] = {{"name", model.name},     {"model_type", model.modelType},
                         {"config_hash", model.configHash}, {"layers", model.layers},
                         {"heads", model.heads}};
    document["rule"] = ruleToJson(profile.rule);
    document["query"] = {{"choice", queryChoiceName(profile.query)}, {"position", profile.queryPosition}};
    document["decoding"] = decodingToJson(profile.decoding);
    document["input"] = {{"prompt", profile.prompt}, {"image", profile.image}};
    document["counts"] = classCounts(profile.headClass);
    document["tensors"] = tensorFileName;
    return document;
}

HeadProfile profileFromJson(const json& document, const std::string& file, std::string* tensorFileName) {
    if (!document.is_object()) throw FormatError(file + ": a head profile must be a JSON object");
    const Fields top(document, file, "");
    checkFormat(top, file);

    HeadProfile profile;
    profile.name = top.string("name");
    if (profile.name.empty()) top.fail("name", "is empty");
    profile.appVersion = top.string("app_version");
    profile.model = modelFromJson(top.object("model"));
    profile.rule = ruleFromJson(top.object("rule"));
    queryFromJson(top.object("query"), &profile);
    profile.decoding = decodingFromJson(top.object("decoding"));
    if (top.has("input")) {
        const Fields input = top.object("input");
        if (input.has("prompt")) profile.prompt = input.string("prompt");
        if (input.has("image")) profile.image = input.string("image");
    }
    *tensorFileName = tensorFileFromJson(top);
    return profile;
}

}  // namespace headscope::profile_detail
