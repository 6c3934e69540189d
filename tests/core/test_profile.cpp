// Head profiles: exact round trips of every field and table, the three path forms, atomic replacement,
// the layout other tools read, and a refusal with a useful message for every kind of broken file.
#include "headscope/error.h"
#include "headscope/profile.h"
#include "headscope/safetensors.h"
#include "headscope/version.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <utility>
#include <vector>

using namespace headscope;
using nlohmann::json;

namespace {

constexpr int64_t kLayers = 3;
constexpr int64_t kHeads = 4;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string pathIn(const QTemporaryDir& dir, const QString& name) { return dir.filePath(name).toStdString(); }

std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeBytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

QSet<QString> entriesOf(const QTemporaryDir& dir) {
    const QStringList names =
        QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    return QSet<QString>(names.begin(), names.end());
}

float floatFromBits(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

uint32_t bitsOf(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

// The message of the exception of type E that `action` throws, or a description of what happened instead.
template <typename E>
std::string messageOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const E& error) {
        return error.what();
    } catch (const std::exception& error) {
        return std::string("unexpected exception type: ") + error.what();
    }
    return "no exception";
}

// `label` names the case when one test function checks several.
#define EXPECT_MESSAGE_HAS_IN(label, message, part)                                                         \
    QVERIFY2(contains((message), (part)),                                                                   \
             qPrintable(QStringLiteral("%1: '%2' lacks '%3'")                                               \
                            .arg(QString::fromStdString(std::string(label)),                                \
                                 QString::fromStdString(message),                                           \
                                 QString::fromStdString(std::string(part)))))
#define EXPECT_MESSAGE_HAS(message, part) EXPECT_MESSAGE_HAS_IN("", message, part)

// A 3 x 4 profile with values that expose lossy formatting: non-terminating binary fractions, tiny and
// subnormal numbers, negative zero, a NaN with a payload and a seed that does not fit in int64.
HeadProfile awkwardProfile() {
    HeadProfile profile;
    profile.name = "Ocean R1 — perception + reasoning";
    profile.model = {"Ocean-R1-7B", "qwen2_5_vl", "9f1c2e3d4b5a6978", kLayers, kHeads};
    profile.rule.perceptionMaxLayer = 1;
    profile.rule.reasoningMinLayer = 2;
    profile.rule.perceptionMinShare = 0.1;
    profile.rule.reasoningMaxShare = 1e-8;
    profile.rule.perceptionGain = 1.16;
    profile.rule.reasoningGain = std::nextafter(1.3, 2.0);
    profile.rule.enhancePerception = true;
    profile.rule.enhanceReasoning = false;
    profile.rule.attenuateOthers = true;
    profile.rule.otherGain = 1.0 / 3.0;
    profile.query = QueryChoice::Position;
    profile.queryPosition = 1234;
    profile.decoding.maxNewTokens = 77;
    profile.decoding.sampling = {true, 0.7, 50, 0.95, std::numeric_limits<uint64_t>::max()};
    profile.decoding.stopTokenIds = {151645, 151643, std::numeric_limits<int64_t>::max()};
    profile.prompt = "Wie viele Äpfel liegen auf dem Tisch?\n第二行 \"quoted\"\ttab 🍎\n";
    profile.image = "cat on a mat (2).png";
    profile.appVersion = "9.8.7-test";

    const std::vector<int64_t> shape{kLayers, kHeads};
    profile.visualShare = FloatArray(shape, {0.1f, 1e-8f, 1e-40f, -0.0f, 1.0f, 0.22f, 0.01f, 1.0f / 3.0f,
                                             0.0f, 0.999999f, std::numeric_limits<float>::max(), 0.5f});
    profile.contribution = FloatArray(shape, {-1e-8f, 3.5e-3f, floatFromBits(0x7fc12345u), -12.75f, 0.1f,
                                              std::numeric_limits<float>::infinity(), -0.0f, 2e-45f, 7.0f,
                                              -0.3f, 1e30f, 0.0f});
    profile.headClass = Int64Array(shape, {1, 1, 0, 0, 1, 0, 2, 0, 0, 2, 2, 0});
    profile.gain = FloatArray(shape, {1.16f, 1.16f, 1.0f / 3.0f, 0.9f, 1.16f, 0.9f, 1.3f, 0.9f, 0.9f, 1.3f,
                                      1.3f, 0.9f});
    return profile;
}

template <typename T>
bool sameBits(const Array<T>& a, const Array<T>& b) {
    return a.shape == b.shape && a.data.size() == b.data.size() &&
           std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(T)) == 0;
}

void compareProfiles(const HeadProfile& loaded, const HeadProfile& saved) {
    QCOMPARE(loaded.name, saved.name);
    QCOMPARE(loaded.model.name, saved.model.name);
    QCOMPARE(loaded.model.modelType, saved.model.modelType);
    QCOMPARE(loaded.model.configHash, saved.model.configHash);
    QCOMPARE(loaded.model.layers, saved.model.layers);
    QCOMPARE(loaded.model.heads, saved.model.heads);
    QCOMPARE(loaded.rule.perceptionMaxLayer, saved.rule.perceptionMaxLayer);
    QCOMPARE(loaded.rule.reasoningMinLayer, saved.rule.reasoningMinLayer);
    // Exact equality, not QCOMPARE's fuzzy double comparison.
    QVERIFY(loaded.rule.perceptionMinShare == saved.rule.perceptionMinShare);
    QVERIFY(loaded.rule.reasoningMaxShare == saved.rule.reasoningMaxShare);
    QVERIFY(loaded.rule.perceptionGain == saved.rule.perceptionGain);
    QVERIFY(loaded.rule.reasoningGain == saved.rule.reasoningGain);
    QVERIFY(loaded.rule.otherGain == saved.rule.otherGain);
    QCOMPARE(loaded.rule.enhancePerception, saved.rule.enhancePerception);
    QCOMPARE(loaded.rule.enhanceReasoning, saved.rule.enhanceReasoning);
    QCOMPARE(loaded.rule.attenuateOthers, saved.rule.attenuateOthers);
    QVERIFY(loaded.query == saved.query);
    QCOMPARE(loaded.queryPosition, saved.queryPosition);
    QCOMPARE(loaded.decoding.maxNewTokens, saved.decoding.maxNewTokens);
    QCOMPARE(loaded.decoding.sampling.doSample, saved.decoding.sampling.doSample);
    QVERIFY(loaded.decoding.sampling.temperature == saved.decoding.sampling.temperature);
    QCOMPARE(loaded.decoding.sampling.topK, saved.decoding.sampling.topK);
    QVERIFY(loaded.decoding.sampling.topP == saved.decoding.sampling.topP);
    QCOMPARE(loaded.decoding.sampling.seed, saved.decoding.sampling.seed);
    QVERIFY(loaded.decoding.stopTokenIds == saved.decoding.stopTokenIds);
    QCOMPARE(loaded.prompt, saved.prompt);
    QCOMPARE(loaded.image, saved.image);
    QCOMPARE(loaded.appVersion, saved.appVersion);
    QVERIFY(sameBits(loaded.visualShare, saved.visualShare));
    QVERIFY(sameBits(loaded.contribution, saved.contribution));
    QVERIFY(sameBits(loaded.headClass, saved.headClass));
    QVERIFY(sameBits(loaded.gain, saved.gain));
}

json readJson(const std::string& path) { return json::parse(readBytes(path)); }
void writeJson(const std::string& path, const json& document) { writeBytes(path, document.dump(2)); }

// The four tables of a profile as the writer would store them; tests then break one of them.
std::vector<TensorToWrite> tablesOf(const HeadProfile& profile) {
    const std::vector<int64_t> shape{kLayers, kHeads};
    return {makeF32Tensor("visual_share", shape, profile.visualShare.data),
            makeF32Tensor("contribution", shape, profile.contribution.data),
            makeF32Tensor("gain", shape, profile.gain.data),
            makeI64Tensor("head_class", shape, profile.headClass.data)};
}

void replaceTensor(std::vector<TensorToWrite>* tensors, TensorToWrite replacement) {
    for (TensorToWrite& tensor : *tensors)
        if (tensor.name == replacement.name) tensor = std::move(replacement);
}

void removeTensor(std::vector<TensorToWrite>* tensors, const std::string& name) {
    tensors->erase(std::remove_if(tensors->begin(), tensors->end(),
                                  [&](const TensorToWrite& tensor) { return tensor.name == name; }),
                   tensors->end());
}

std::vector<float> withValue(std::vector<float> values, size_t index, float value) {
    values[index] = value;
    return values;
}

ModelInfo modelInfo(const std::string& name, int64_t layers, int64_t heads, const std::string& hash) {
    ModelInfo info;
    info.folder = "/models/" + name;
    info.name = name;
    info.config.modelType = "qwen2_5_vl";
    info.config.text.numLayers = layers;
    info.config.text.numHeads = heads;
    info.configHash = hash;
    return info;
}

}  // namespace

class TestProfile : public QObject {
    Q_OBJECT

private slots:
    void roundTripKeepsEveryFieldExactly();
    void everyQueryChoiceRoundTrips();
    void loadsFromBaseJsonOrTensorPath();
    void appVersionDefaultsToThisBuild();
    void optionalSectionsMayBeAbsent();
    void saveReplacesAnExistingProfileAtomically();
    void refusedSaveWritesNothing();
    void aSaveThatCannotWriteOneHalfChangesNeither();
    void jsonLayoutIsReadableByOtherParsers();
    void tensorFileHasTheDocumentedTables();
    void refusesMalformedOrMissingJson();
    void refusesBrokenJsonFields_data();
    void refusesBrokenJsonFields();
    void refusesBrokenTensors();
    void refusesMissingTensorFile();
    void identityComesFromModelInfo();
    void fitsModelOfSameShapeWithOtherName();
    void refusesModelOfAnotherShape();
};

void TestProfile::roundTripKeepsEveryFieldExactly() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string base = pathIn(dir, "my profile é");
    const HeadProfile saved = awkwardProfile();
    saveProfile(base, saved);
    compareProfiles(loadProfile(base), saved);
}

void TestProfile::everyQueryChoiceRoundTrips() {
    QTemporaryDir dir;
    const std::string base = pathIn(dir, "query");
    for (QueryChoice choice :
         {QueryChoice::LastPromptToken, QueryChoice::Position, QueryChoice::MeanOverGenerated}) {
        HeadProfile profile = awkwardProfile();
        profile.query = choice;
        profile.queryPosition = choice == QueryChoice::Position ? 5 : -1;
        saveProfile(base, profile);
        const HeadProfile loaded = loadProfile(base);
        QVERIFY(loaded.query == choice);
        QCOMPARE(loaded.queryPosition, profile.queryPosition);
    }
}

void TestProfile::loadsFromBaseJsonOrTensorPath() {
    QTemporaryDir dir;
    const std::string base = pathIn(dir, "profile.v2");
    const HeadProfile saved = awkwardProfile();
    saveProfile(base, saved);
    for (const std::string& path : {base, base + ".json", base + ".safetensors"})
        compareProfiles(loadProfile(path), saved);
}

void TestProfile::appVersionDefaultsToThisBuild() {
    QTemporaryDir dir;
    const std::string base = pathIn(dir, "p");
    HeadProfile profile = awkwardProfile();
    profile.appVersion.clear();
    saveProfile(base, profile);
    QCOMPARE(readJson(base + ".json").at("app_version").get<std::string>(), std::string(headscopeVersion()));
    QCOMPARE(loadProfile(base).appVersion, std::string(headscopeVersion()));
}

void TestProfile::optionalSectionsMayBeAbsent() {
    QTemporaryDir dir;
    const std::string base = pathIn(dir, "p");
    saveProfile(base, awkwardProfile());
    json document = readJson(base + ".json");
    document.erase("input");
    document.erase("counts");
    writeJson(base + ".json", document);
    const HeadProfile loaded = loadProfile(base);
    QVERIFY(loaded.prompt.empty());
    QVERIFY(loaded.image.empty());
    QCOMPARE(loaded.name, awkwardProfile().name);
}

void TestProfile::saveReplacesAnExistingProfileAtomically() {
    QTemporaryDir dir;
    const std::string base = pathIn(dir, "p");
    saveProfile(base, awkwardProfile());
    HeadProfile second = awkwardProfile();
    second.name = "second";
    second.gain.data.assign(second.gain.data.size(), 2.5f);
    second.headClass.data.assign(second.headClass.data.size(), 0);
    second.decoding.sampling.seed = 42;
    saveProfile(base, second);
    compareProfiles(loadProfile(base), second);
    QCOMPARE(entriesOf(dir), (QSet<QString>{"p.json", "p.safetensors"}));
}

// Both halves are staged before either replaces its predecessor: when one target cannot be written (here a
// folder stands where the file should go), the other keeps its old bytes and no temporary file is left.
void TestProfile::aSaveThatCannotWriteOneHalfChangesNeither() {
    HeadProfile second = awkwardProfile();
    second.gain.data.assign(second.gain.data.size(), 2.5f);
    for (const QString& blocked : {QStringLiteral("p.json"), QStringLiteral("p.safetensors")}) {
        QTemporaryDir dir;
        const std::string base = pathIn(dir, "p");
        saveProfile(base, awkwardProfile());
        const QString other = blocked == "p.json" ? QStringLiteral("p.safetensors") : QStringLiteral("p.json");
        const std::string otherBefore = readBytes(pathIn(dir, other));
        QVERIFY(QFile::remove(dir.filePath(blocked)));
        QVERIFY(QDir(dir.path()).mkdir(blocked));
        try {
            saveProfile(base, second);
            QFAIL("saving over a folder should fail");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains(blocked) && QString(e.what()).contains("is a folder"), e.what());
        }
        QCOMPARE(readBytes(pathIn(dir, other)), otherBefore);
        QCOMPARE(entriesOf(dir), (QSet<QString>{"p.json", "p.safetensors"}));
    }
}

void TestProfile::refusedSaveWritesNothing() {
    struct Case {
        const char* field;
        std::function<void(HeadProfile&)> breakIt;
    };
    const std::vector<Case> cases = {
        {"name", [](HeadProfile& p) { p.name.clear(); }},
        {"model.layers", [](HeadProfile& p) { p.model.layers = -3; }},
        {"visual_share", [](HeadProfile& p) { p.visualShare.shape = {kHeads, kLayers}; }},
        {"contribution", [](HeadProfile& p) { p.contribution.data.pop_back(); }},
        {"gain", [](HeadProfile& p) { p.gain = FloatArray({kLayers, kHeads + 1}); }},
        {"head_class", [](HeadProfile& p) { p.headClass.shape = {kLayers * kHeads}; }},
        {"head_class", [](HeadProfile& p) { p.headClass.data[5] = 3; }},
        {"head_class", [](HeadProfile& p) { p.headClass.data[0] = -1; }},
        {"gain", [](HeadProfile& p) { p.gain.data[7] = std::numeric_limits<float>::quiet_NaN(); }},
        {"gain", [](HeadProfile& p) { p.gain.data[2] = std::numeric_limits<float>::infinity(); }},
        {"rule.g_perc", [](HeadProfile& p) { p.rule.perceptionGain = std::nan(""); }},
        {"decoding.temperature",
         [](HeadProfile& p) { p.decoding.sampling.temperature = std::numeric_limits<double>::infinity(); }},
        {"input.prompt", [](HeadProfile& p) { p.prompt = "bad \xff\xfe bytes"; }},
    };
    QTemporaryDir dir;
    const std::string base = pathIn(dir, "p");
    saveProfile(base, awkwardProfile());
    const std::string jsonBefore = readBytes(base + ".json");
    const std::string tensorsBefore = readBytes(base + ".safetensors");
    for (const Case& c : cases) {
        HeadProfile profile = awkwardProfile();
        c.breakIt(profile);
        const std::string message = messageOf<InvalidInputError>([&] { saveProfile(base, profile); });
        EXPECT_MESSAGE_HAS_IN(c.field, message, std::string("'") + c.field + "'");
        QCOMPARE(readBytes(base + ".json"), jsonBefore);
        QCOMPARE(readBytes(base + ".safetensors"), tensorsBefore);
        QCOMPARE(entriesOf(dir), (QSet<QString>{"p.json", "p.safetensors"}));
    }
}

void TestProfile::jsonLayoutIsReadableByOtherParsers() {
    QTemporaryDir dir;
    const std::string base = pathIn(dir, "p");
    saveProfile(base, awkwardProfile());
    QFile file(QString::fromStdString(base + ".json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    const QJsonObject top = document.object();

    auto keysOf = [](const QJsonObject& object) {
        const QStringList keys = object.keys();
        return QSet<QString>(keys.begin(), keys.end());
    };
    QCOMPARE(keysOf(top), (QSet<QString>{"format", "format_version", "name", "app_version", "model", "rule",
                                         "query", "decoding", "input", "counts", "tensors"}));
    QCOMPARE(keysOf(top["model"].toObject()),
             (QSet<QString>{"name", "model_type", "config_hash", "layers", "heads"}));
    QCOMPARE(keysOf(top["rule"].toObject()),
             (QSet<QString>{"l_perc", "l_reas", "tau_perc", "tau_reas", "g_perc", "g_reas",
                            "enhance_perception", "enhance_reasoning", "attenuate_others", "g_other"}));
    QCOMPARE(keysOf(top["query"].toObject()), (QSet<QString>{"choice", "position"}));
    QCOMPARE(keysOf(top["decoding"].toObject()), (QSet<QString>{"max_new_tokens", "do_sample", "temperature",
                                                                "top_k", "top_p", "seed", "stop_token_ids"}));
    QCOMPARE(keysOf(top["input"].toObject()), (QSet<QString>{"prompt", "image"}));
    QCOMPARE(keysOf(top["counts"].toObject()),
             (QSet<QString>{"perception", "reasoning", "total", "selected_fraction"}));

    QCOMPARE(top["format"].toString(), QStringLiteral("headscope-head-profile"));
    QCOMPARE(top["format_version"].toInt(), 1);
    QCOMPARE(top["tensors"].toString(), QStringLiteral("p.safetensors"));
    QCOMPARE(top["model"]["layers"].toInt(), 3);
    QCOMPARE(top["model"]["heads"].toInt(), 4);
    QCOMPARE(top["query"]["choice"].toString(), QStringLiteral("position"));
    QCOMPARE(top["rule"]["g_perc"].toDouble(), 1.16);
    QCOMPARE(top["input"]["prompt"].toString(), QString::fromStdString(awkwardProfile().prompt));
    // Hand count of awkwardProfile's classes: 3 perception, 3 reasoning, 12 heads.
    QCOMPARE(top["counts"]["perception"].toInt(), 3);
    QCOMPARE(top["counts"]["reasoning"].toInt(), 3);
    QCOMPARE(top["counts"]["total"].toInt(), 12);
    QCOMPARE(top["counts"]["selected_fraction"].toDouble(), 0.5);
    // Written as the integer 18446744073709551615, never as a negative or floating number.
    QVERIFY(contains(readBytes(base + ".json"), "\"seed\": 18446744073709551615"));
}

void TestProfile::tensorFileHasTheDocumentedTables() {
    QTemporaryDir dir;
    const std::string base = pathIn(dir, "p");
    const HeadProfile profile = awkwardProfile();
    saveProfile(base, profile);
    const SafetensorsFile file(base + ".safetensors");
    QCOMPARE(file.metadata().at("format"), std::string("headscope-head-profile"));
    QCOMPARE(file.tensors().size(), size_t(4));
    for (const char* name : {"visual_share", "contribution", "gain", "head_class"}) {
        const TensorView* view = file.find(name);
        QVERIFY2(view, name);
        QCOMPARE(view->shape, (std::vector<int64_t>{kLayers, kHeads}));
        QVERIFY(view->dtype == (std::string(name) == "head_class" ? DType::I64 : DType::F32));
    }
    QCOMPARE(bitsOf(toFloatVector(*file.find("contribution"))[2]), 0x7fc12345u);
}

void TestProfile::refusesMalformedOrMissingJson() {
    QTemporaryDir dir;
    const std::string base = pathIn(dir, "p");
    saveProfile(base, awkwardProfile());
    writeBytes(base + ".json", "{\"format\": \"headscope-head-profile\", ");
    std::string message = messageOf<FormatError>([&] { loadProfile(base); });
    EXPECT_MESSAGE_HAS(message, base + ".json");
    EXPECT_MESSAGE_HAS(message, "malformed JSON");

    writeBytes(base + ".json", "[1, 2, 3]");
    message = messageOf<FormatError>([&] { loadProfile(base); });
    EXPECT_MESSAGE_HAS(message, base + ".json");

    // A number beyond a double is reported by nlohmann as out_of_range, not as a parse error.
    writeBytes(base + ".json", "{\"format\": \"headscope-head-profile\", \"format_version\": 1e999}");
    message = messageOf<FormatError>([&] { loadProfile(base); });
    EXPECT_MESSAGE_HAS(message, base + ".json");
    EXPECT_MESSAGE_HAS(message, "malformed JSON");

    const std::string absent = pathIn(dir, "absent");
    message = messageOf<InvalidInputError>([&] { loadProfile(absent); });
    EXPECT_MESSAGE_HAS(message, absent + ".json");
}

void TestProfile::refusesBrokenJsonFields_data() {
    QTest::addColumn<QString>("pointer");      // JSON pointer of the field to change
    QTest::addColumn<QString>("replacement");  // JSON text, or empty to remove the field
    QTest::addColumn<QString>("field");        // what the message must name
    QTest::addColumn<bool>("unsupported");     // InvalidInputError instead of FormatError

    const std::vector<std::pair<QString, QStringList>> required = {
        {"", {"format", "format_version", "name", "app_version", "model", "rule", "query", "decoding",
              "tensors"}},
        {"model", {"name", "model_type", "config_hash", "layers", "heads"}},
        {"rule", {"l_perc", "l_reas", "tau_perc", "tau_reas", "g_perc", "g_reas", "enhance_perception",
                  "enhance_reasoning", "attenuate_others", "g_other"}},
        {"query", {"choice", "position"}},
        {"decoding",
         {"max_new_tokens", "do_sample", "temperature", "top_k", "top_p", "seed", "stop_token_ids"}},
    };
    for (const auto& [section, keys] : required) {
        for (const QString& key : keys) {
            const QString field = section.isEmpty() ? key : section + "." + key;
            const QString pointer = "/" + (section.isEmpty() ? key : section + "/" + key);
            QTest::newRow(qPrintable("missing " + field)) << pointer << QString() << field << false;
        }
    }
    auto row = [](const char* name, const char* pointer, const char* replacement, const char* field,
                  bool unsupported = false) {
        QTest::newRow(name) << pointer << replacement << field << unsupported;
    };
    row("other format", "/format", "\"safetensors-index\"", "format");
    row("newer version", "/format_version", "2", "format_version", true);
    row("version zero", "/format_version", "0", "format_version");
    row("version as text", "/format_version", "\"1\"", "format_version");
    row("empty name", "/name", "\"\"", "name");
    row("name as number", "/name", "5", "name");
    row("model as list", "/model", "[]", "model");
    row("negative layers", "/model/layers", "-1", "model.layers");
    row("negative heads", "/model/heads", "-4", "model.heads");
    row("fractional layers", "/model/layers", "2.5", "model.layers");
    row("null config hash", "/model/config_hash", "null", "model.config_hash");
    row("gain as text", "/rule/g_perc", "\"1.16\"", "rule.g_perc");
    row("flag as number", "/rule/enhance_reasoning", "1", "rule.enhance_reasoning");
    row("depth as fraction", "/rule/l_reas", "3.5", "rule.l_reas");
    row("unknown query", "/query/choice", "\"first_token\"", "query.choice");
    row("negative seed", "/decoding/seed", "-1", "decoding.seed");
    row("fractional seed", "/decoding/seed", "1.5", "decoding.seed");
    row("seed past 2^64", "/decoding/seed", "18446744073709551616", "decoding.seed");
    row("huge token budget", "/decoding/max_new_tokens", "9223372036854775808", "decoding.max_new_tokens");
    row("stop ids not a list", "/decoding/stop_token_ids", "7", "decoding.stop_token_ids");
    row("stop id as text", "/decoding/stop_token_ids", "[1, \"x\"]", "decoding.stop_token_ids[1]");
    row("temperature as bool", "/decoding/temperature", "true", "decoding.temperature");
    row("tensors outside folder", "/tensors", "\"../p.safetensors\"", "tensors");
    row("tensors empty", "/tensors", "\"\"", "tensors");
    row("input as number", "/input", "3", "input");
    row("prompt as number", "/input/prompt", "3", "input.prompt");
}

void TestProfile::refusesBrokenJsonFields() {
    QFETCH(QString, pointer);
    QFETCH(QString, replacement);
    QFETCH(QString, field);
    QFETCH(bool, unsupported);

    QTemporaryDir dir;
    const std::string base = pathIn(dir, "p");
    saveProfile(base, awkwardProfile());
    json document = readJson(base + ".json");
    const json::json_pointer target(pointer.toStdString());
    if (replacement.isEmpty())
        document[target.parent_pointer()].erase(target.back());
    else
        document[target] = json::parse(replacement.toStdString());
    writeJson(base + ".json", document);

    auto load = [&] { loadProfile(base); };
    const std::string message =
        unsupported ? messageOf<InvalidInputError>(load) : messageOf<FormatError>(load);
    EXPECT_MESSAGE_HAS(message, base + ".json");
    EXPECT_MESSAGE_HAS(message, "'" + field.toStdString() + "'");
}

void TestProfile::refusesBrokenTensors() {
    struct Case {
        const char* label;
        std::function<void(std::vector<TensorToWrite>*)> breakIt;
        std::vector<std::string> parts;
        bool missing = false;  // a missing tensor is InvalidInputError, the rest FormatError
    };
    const HeadProfile profile = awkwardProfile();
    const std::vector<float> gain = profile.gain.data;
    const std::vector<int64_t> classes = profile.headClass.data;
    const std::vector<Case> cases = {
        {"no gain", [](auto* t) { removeTensor(t, "gain"); }, {"'gain'", "missing"}, true},
        {"no head_class", [](auto* t) { removeTensor(t, "head_class"); }, {"'head_class'", "missing"}, true},
        {"gain as I64", [&](auto* t) { replaceTensor(t, makeI64Tensor("gain", {kLayers, kHeads}, classes)); },
         {"'gain'", "dtype I64", "F32"}},
        {"classes as F32",
         [&](auto* t) { replaceTensor(t, makeF32Tensor("head_class", {kLayers, kHeads}, gain)); },
         {"'head_class'", "dtype F32", "I64"}},
        {"transposed share",
         [&](auto* t) { replaceTensor(t, makeF32Tensor("visual_share", {kHeads, kLayers}, gain)); },
         {"'visual_share'", "[4, 3]", "[3, 4]"}},
        {"flat contribution",
         [&](auto* t) { replaceTensor(t, makeF32Tensor("contribution", {kLayers * kHeads}, gain)); },
         {"'contribution'", "[12]", "[3, 4]"}},
        {"class code 3",
         [&](auto* t) {
             std::vector<int64_t> codes = classes;
             codes[6] = 3;
             replaceTensor(t, makeI64Tensor("head_class", {kLayers, kHeads}, codes));
         },
         {"'head_class'", "layer 1, head 2"}},
        {"class code -1",
         [&](auto* t) {
             std::vector<int64_t> codes = classes;
             codes[11] = -1;
             replaceTensor(t, makeI64Tensor("head_class", {kLayers, kHeads}, codes));
         },
         {"'head_class'", "layer 2, head 3"}},
        {"NaN gain",
         [&](auto* t) {
             const float nan = std::numeric_limits<float>::quiet_NaN();
             replaceTensor(t, makeF32Tensor("gain", {kLayers, kHeads}, withValue(gain, 4, nan)));
         },
         {"'gain'", "layer 1, head 0"}},
        {"infinite gain",
         [&](auto* t) {
             const float inf = -std::numeric_limits<float>::infinity();
             replaceTensor(t, makeF32Tensor("gain", {kLayers, kHeads}, withValue(gain, 3, inf)));
         },
         {"'gain'", "layer 0, head 3"}},
        {"gain of 1e30",
         [&](auto* t) { replaceTensor(t, makeF32Tensor("gain", {kLayers, kHeads}, withValue(gain, 5, 1e30f))); },
         {"'gain'", "layer 1, head 1", "within -1000 to 1000"}},
    };
    QTemporaryDir dir;
    const std::string base = pathIn(dir, "p");
    for (const Case& c : cases) {
        saveProfile(base, profile);
        std::vector<TensorToWrite> tensors = tablesOf(profile);
        c.breakIt(&tensors);
        writeSafetensors(base + ".safetensors", tensors);
        auto load = [&] { loadProfile(base); };
        const std::string message =
            c.missing ? messageOf<InvalidInputError>(load) : messageOf<FormatError>(load);
        EXPECT_MESSAGE_HAS_IN(c.label, message, base + ".safetensors");
        for (const std::string& part : c.parts) EXPECT_MESSAGE_HAS_IN(c.label, message, part);
    }
}

void TestProfile::refusesMissingTensorFile() {
    QTemporaryDir dir;
    const std::string base = pathIn(dir, "p");
    saveProfile(base, awkwardProfile());
    QVERIFY(QFile::remove(QString::fromStdString(base + ".safetensors")));
    std::string message = messageOf<InvalidInputError>([&] { loadProfile(base + ".json"); });
    EXPECT_MESSAGE_HAS(message, base + ".safetensors");
    EXPECT_MESSAGE_HAS(message, "'tensors'");

    // A truncated tensor file is caught by the safetensors reader, which names the file.
    saveProfile(base, awkwardProfile());
    writeBytes(base + ".safetensors", readBytes(base + ".safetensors").substr(0, 40));
    message = messageOf<FormatError>([&] { loadProfile(base); });
    EXPECT_MESSAGE_HAS(message, base + ".safetensors");
}

void TestProfile::identityComesFromModelInfo() {
    const ModelIdentity identity = identityOf(modelInfo("Ocean-R1-7B", 28, 28, "00ff00ff00ff00ff"));
    QCOMPARE(identity.name, std::string("Ocean-R1-7B"));
    QCOMPARE(identity.modelType, std::string("qwen2_5_vl"));
    QCOMPARE(identity.configHash, std::string("00ff00ff00ff00ff"));
    QCOMPARE(identity.layers, int64_t(28));
    QCOMPARE(identity.heads, int64_t(28));
}

void TestProfile::fitsModelOfSameShapeWithOtherName() {
    const HeadProfile profile = awkwardProfile();
    checkProfileFitsModel(profile, modelInfo("a copy elsewhere", kLayers, kHeads, "different-hash"));
}

void TestProfile::refusesModelOfAnotherShape() {
    HeadProfile profile = awkwardProfile();
    profile.name = "X";
    profile.model.layers = 28;
    profile.model.heads = 28;
    std::string message =
        messageOf<InvalidInputError>([&] { checkProfileFitsModel(profile, modelInfo("Y", 4, 4, "h")); });
    EXPECT_MESSAGE_HAS(message, "'X'");
    EXPECT_MESSAGE_HAS(message, "'Y'");
    EXPECT_MESSAGE_HAS(message, "28 layers x 28 heads");
    EXPECT_MESSAGE_HAS(message, "4 x 4");

    message =
        messageOf<InvalidInputError>([&] { checkProfileFitsModel(profile, modelInfo("Z", 28, 4, "h")); });
    EXPECT_MESSAGE_HAS(message, "28 x 4");
}

QTEST_APPLESS_MAIN(TestProfile)
#include "test_profile.moc"
