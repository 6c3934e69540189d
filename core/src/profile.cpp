// Head profiles on disk: NAME.safetensors (the [layers, heads] tables) and NAME.json (the settings, naming
// the tensor file). Both are written to temporary files first and renamed into place last, tables first, so
// that a failed write changes neither and a reader never sees a JSON whose tensor file does not exist yet.
#include "headscope/profile.h"

#include "headscope/error.h"
#include "headscope/safetensors.h"
#include "headscope/text_files.h"
#include "profile_json.h"
#include "safetensors_util.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include <sys/stat.h>
#include <unistd.h>

namespace headscope {

using profile_detail::kProfileFormat;
using safetensors_detail::formatShape;

namespace {

const std::string kJsonSuffix = ".json";
const std::string kTensorSuffix = ".safetensors";

bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The path without a ".json" or ".safetensors" ending, so that either file of a profile names the pair.
std::string profileBase(const std::string& path) {
    for (const std::string& suffix : {kJsonSuffix, kTensorSuffix})
        if (endsWith(path, suffix)) return path.substr(0, path.size() - suffix.size());
    return path;
}

std::string fileNameOf(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }
std::string folderOf(const std::string& path) { return path.substr(0, path.find_last_of('/') + 1); }

std::string layerHead(size_t index, int64_t heads) {
    const auto perLayer = static_cast<size_t>(heads);
    return "layer " + std::to_string(index / perLayer) + ", head " + std::to_string(index % perLayer);
}

// Index of the first class code outside Other/Perception/Reasoning, or -1.
int64_t firstInvalidClassCode(const std::vector<int64_t>& codes) {
    for (size_t i = 0; i < codes.size(); ++i)
        if (codes[i] < 0 || codes[i] > static_cast<int64_t>(HeadClass::Reasoning))
            return static_cast<int64_t>(i);
    return -1;
}

int64_t firstNonFinite(const std::vector<float>& values) {
    for (size_t i = 0; i < values.size(); ++i)
        if (!std::isfinite(values[i])) return static_cast<int64_t>(i);
    return -1;
}

// ---- saving ----

template <typename T>
void checkTableForSave(const std::string& context, const char* table, const Array<T>& values,
                       const ModelIdentity& model) {
    const std::vector<int64_t> expected{model.layers, model.heads};
    const uint64_t cells = static_cast<uint64_t>(model.layers) * static_cast<uint64_t>(model.heads);
    if (values.shape != expected || values.data.size() != cells)
        throw InvalidInputError(context + ": table '" + table + "' has shape " + formatShape(values.shape) +
                                " with " + std::to_string(values.data.size()) + " values; the model needs " +
                                formatShape(expected));
}

void checkFiniteSetting(const std::string& context, const char* field, double value) {
    if (!std::isfinite(value))
        throw InvalidInputError(context + ": field '" + field + "' is not a finite number");
}

// nlohmann refuses to write invalid UTF-8; finding it before any file is touched names the field.
void checkUtf8(const std::string& context, const char* field, const std::string& text) {
    try {
        (void)nlohmann::json(text).dump();
    } catch (const nlohmann::json::exception&) {
        throw InvalidInputError(context + ": field '" + field + "' is not valid UTF-8 text");
    }
}

void checkTextFields(const std::string& context, const HeadProfile& profile) {
    const std::pair<const char*, const std::string*> fields[] = {
        {"name", &profile.name},           {"app_version", &profile.appVersion},
        {"model.name", &profile.model.name}, {"model.model_type", &profile.model.modelType},
        {"model.config_hash", &profile.model.configHash}, {"input.prompt", &profile.prompt},
        {"input.image", &profile.image}};
    for (const auto& [field, text] : fields) checkUtf8(context, field, *text);
}

void checkSettingsForSave(const std::string& context, const HeadProfile& profile) {
    const FacRule& rule = profile.rule;
    const SamplingOptions& sampling = profile.decoding.sampling;
    const std::pair<const char*, double> numbers[] = {
        {"rule.tau_perc", rule.perceptionMinShare}, {"rule.tau_reas", rule.reasoningMaxShare},
        {"rule.g_perc", rule.perceptionGain},       {"rule.g_reas", rule.reasoningGain},
        {"rule.g_other", rule.otherGain},           {"decoding.temperature", sampling.temperature},
        {"decoding.top_p", sampling.topP}};
    for (const auto& [field, value] : numbers) checkFiniteSetting(context, field, value);
    checkTextFields(context, profile);
}

// Refuses what loadProfile would refuse, so every saved profile can be read back.
void validateForSave(const std::string& base, const HeadProfile& profile) {
    const std::string context = base + kJsonSuffix;
    if (fileNameOf(base).empty()) throw InvalidInputError(base + ": a head profile needs a file name");
    if (profile.name.empty()) throw InvalidInputError(context + ": field 'name' is empty");
    const ModelIdentity& model = profile.model;
    if (model.layers < 0 || model.heads < 0)
        throw InvalidInputError(context + ": fields 'model.layers' and 'model.heads' must not be negative (" +
                                std::to_string(model.layers) + " x " + std::to_string(model.heads) + ")");
    checkTableForSave(context, "visual_share", profile.visualShare, model);
    checkTableForSave(context, "contribution", profile.contribution, model);
    checkTableForSave(context, "gain", profile.gain, model);
    checkTableForSave(context, "head_class", profile.headClass, model);
    const int64_t badCode = firstInvalidClassCode(profile.headClass.data);
    if (badCode >= 0)
        throw InvalidInputError(context + ": table 'head_class' holds " +
                                std::to_string(profile.headClass.data[badCode]) + " at " +
                                layerHead(badCode, model.heads) + "; class codes are 0, 1 and 2");
    const int64_t badGain = firstNonFinite(profile.gain.data);
    if (badGain >= 0)
        throw InvalidInputError(context + ": table 'gain' is not finite at " +
                                layerHead(badGain, model.heads));
    checkSettingsForSave(context, profile);
}

std::vector<TensorToWrite> tablesToWrite(const HeadProfile& profile) {
    const std::vector<int64_t> shape{profile.model.layers, profile.model.heads};
    return {makeF32Tensor("visual_share", shape, profile.visualShare.data),
            makeF32Tensor("contribution", shape, profile.contribution.data),
            makeF32Tensor("gain", shape, profile.gain.data),
            makeI64Tensor("head_class", shape, profile.headClass.data)};
}

// ---- loading ----

nlohmann::json readJsonFile(const std::string& path) {
    if (::access(path.c_str(), F_OK) != 0)
        throw InvalidInputError(path + ": cannot open the head profile: " + std::strerror(errno));
    const std::string text = readBoundedFile(path, kMaxJsonFileBytes);
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& error) {  // also a number too large for a double
        throw FormatError(path + ": malformed JSON: " + error.what());
    }
}

const TensorView& requireTable(const SafetensorsFile& file, const std::string& name, DType dtype,
                               const ModelIdentity& model) {
    const TensorView* view = file.find(name);
    if (!view) throw InvalidInputError(file.path() + ": tensor '" + name + "' is missing");
    if (view->dtype != dtype)
        throw FormatError(file.path() + ": tensor '" + name + "' has dtype " + dtypeName(view->dtype) +
                          ", expected " + dtypeName(dtype));
    const std::vector<int64_t> expected{model.layers, model.heads};
    if (view->shape != expected)
        throw FormatError(file.path() + ": tensor '" + name + "' has shape " + formatShape(view->shape) +
                          ", expected " + formatShape(expected) + " (model layers x heads)");
    return *view;
}

// Copies the raw bytes: the tables round-trip bit for bit, NaN payloads included.
template <typename T>
Array<T> readTable(const SafetensorsFile& file, const std::string& name, DType dtype,
                   const ModelIdentity& model) {
    const TensorView& view = requireTable(file, name, dtype, model);
    Array<T> table({model.layers, model.heads});
    if (view.nbytes > 0) std::memcpy(table.data.data(), view.data, view.nbytes);
    return table;
}

void readTables(const std::string& jsonPath, const std::string& tensorPath, HeadProfile* profile) {
    struct stat info {};
    if (::stat(tensorPath.c_str(), &info) != 0)
        throw InvalidInputError(jsonPath + ": field 'tensors' names " + tensorPath +
                                ", which cannot be read: " + std::strerror(errno));
    const SafetensorsFile file(tensorPath);
    const ModelIdentity& model = profile->model;
    profile->visualShare = readTable<float>(file, "visual_share", DType::F32, model);
    profile->contribution = readTable<float>(file, "contribution", DType::F32, model);
    profile->gain = readTable<float>(file, "gain", DType::F32, model);
    profile->headClass = readTable<int64_t>(file, "head_class", DType::I64, model);

    const int64_t badCode = firstInvalidClassCode(profile->headClass.data);
    if (badCode >= 0)
        throw FormatError(tensorPath + ": tensor 'head_class' holds " +
                          std::to_string(profile->headClass.data[badCode]) + " at " +
                          layerHead(badCode, model.heads) + "; class codes are 0, 1 and 2");
    const int64_t badGain = firstNonFinite(profile->gain.data);
    if (badGain >= 0)
        throw FormatError(tensorPath + ": tensor 'gain' is not finite at " + layerHead(badGain, model.heads));
}

}  // namespace

ModelIdentity identityOf(const ModelInfo& info) {
    return ModelIdentity{info.name, info.config.modelType, info.configHash, info.config.text.numLayers,
                         info.config.text.numHeads};
}

void saveProfile(const std::string& base, const HeadProfile& profile) {
    const std::string stem = profileBase(base);
    validateForSave(stem, profile);
    const std::string tensorPath = stem + kTensorSuffix;
    // The JSON text is built before any file is written, so a refusal leaves the old pair intact.
    const std::string text = profile_detail::profileToJson(profile, fileNameOf(tensorPath)).dump(4) + "\n";
    // Both halves are written in full before either replaces its predecessor.
    StagedFile tables(tensorPath);
    stageSafetensors(tables, tablesToWrite(profile), {{"format", kProfileFormat}});
    StagedFile json(stem + kJsonSuffix);
    json.write(text);
    tables.commit();
    json.commit();
}

HeadProfile loadProfile(const std::string& path) {
    const std::string jsonPath = profileBase(path) + kJsonSuffix;
    std::string tensorFileName;
    HeadProfile profile = profile_detail::profileFromJson(readJsonFile(jsonPath), jsonPath, &tensorFileName);
    readTables(jsonPath, folderOf(jsonPath) + tensorFileName, &profile);
    return profile;
}

void checkProfileFitsModel(const HeadProfile& profile, const ModelInfo& info) {
    const ModelIdentity loaded = identityOf(info);
    if (loaded.layers == profile.model.layers && loaded.heads == profile.model.heads) return;
    throw InvalidInputError("profile '" + profile.name + "' was made for a model with " +
                            std::to_string(profile.model.layers) + " layers x " +
                            std::to_string(profile.model.heads) + " heads; the loaded model '" + loaded.name +
                            "' has " + std::to_string(loaded.layers) + " x " + std::to_string(loaded.heads));
}

}  // namespace headscope
