// Head profiles: everything needed to reproduce a head selection and its gains, saved as NAME.json (settings,
// model identity) plus NAME.safetensors ([layers, heads] tensors visual_share, contribution, head_class,
// gain). Plain C++.
#pragma once
#include <cstdint>
#include <string>

#include "headscope/analysis.h"
#include "headscope/array.h"
#include "headscope/head_classes.h"
#include "headscope/session.h"

namespace headscope {

struct ModelIdentity {
    std::string name;        // the model folder's name
    std::string modelType;   // config.json's model_type
    std::string configHash;  // of config.json's content
    int64_t layers = 0;
    int64_t heads = 0;
};

ModelIdentity identityOf(const ModelInfo& info);

struct HeadProfile {
    std::string name;
    ModelIdentity model;
    FacRule rule;
    QueryChoice query = QueryChoice::LastPromptToken;
    int64_t queryPosition = -1;
    GenerationOptions decoding;  // max new tokens, sampling settings and seed
    std::string prompt;          // the prompt the heads were identified on (may be empty)
    std::string image;           // the image file name it was identified on (may be empty)
    std::string appVersion;
    FloatArray visualShare;   // [layers, heads]
    FloatArray contribution;  // [layers, heads]; zeros when no contribution map was computed
    Int64Array headClass;     // [layers, heads] of HeadClass values
    FloatArray gain;          // [layers, heads]
};

// Writes `base`.json and `base`.safetensors (base = path without extension), each atomically.
void saveProfile(const std::string& base, const HeadProfile& profile);

// Reads a profile; `path` may be the base, the .json or the .safetensors path. Refuses malformed JSON, a
// missing field, tensors of the wrong shape or dtype, or class codes other than 0, 1, 2 with a message.
HeadProfile loadProfile(const std::string& path);

// Throws InvalidInputError when the profile was made for a model of another shape (layers x heads); a
// differing name or config hash alone is allowed (a copy of the same model).
void checkProfileFitsModel(const HeadProfile& profile, const ModelInfo& info);

}  // namespace headscope
