// The demo-model trainer at a tiny size: the learning-rate schedule against hand values, a run that writes
// a loadable Hugging Face folder, resume after an interruption giving the same weights as one run, and the
// refusals (bad options, an existing output, a checkpoint made with other options).
#include <QtTest/QtTest>

#include <QTemporaryDir>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "expect_error.h"
#include "headscope/demo_training.h"
#include "headscope/error.h"
#include "headscope/safetensors.h"
#include "headscope/session.h"
#include "headscope/shape_scenes.h"

using namespace headscope;
namespace fs = std::filesystem;

namespace {

// A model small enough to take a few steps in a second.
DemoTrainingOptions tinyOptions(const std::string& out) {
    DemoTrainingOptions o;
    o.outputFolder = out;
    o.shape.hiddenSize = 32;
    o.shape.layers = 2;
    o.shape.heads = 4;
    o.shape.kvHeads = 2;
    o.shape.intermediateSize = 64;
    o.shape.visionDepth = 2;
    o.shape.visionHidden = 32;
    o.shape.visionHeads = 2;
    o.shape.visionIntermediate = 64;
    o.tokenizerVocab = 300;
    o.tokenizerCorpus = 12;
    o.steps = 6;
    o.batchSize = 4;
    o.questionsPerScene = 2;
    o.warmupSteps = 2;
    o.visionWarmupSteps = 3;  // steps 1-3 train the vision tower alone, 4-9 the whole model
    o.visionWarmupScenes = 2;
    o.shape.ropeTheta = 25;
    o.shape.mropeSection = {0, 2, 2};  // head size 8: four rotary pairs, none for the temporal axis
    o.curriculumSteps = 4;  // language steps 1-4 on scenes of at most 1, 2, 4 and 6 objects
    o.positionProbeWeight = 0.5;  // its probe is saved and resumed with the model
    o.positionProbeLayer = 1;
    o.checkpointEvery = 2;
    o.threads = 1;  // one thread: identical sums in both runs of the resume test
    return o;
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

class DemoTrainingTest : public QObject {
    Q_OBJECT

private slots:
    void scheduleMatchesHandValues() {
        DemoTrainingOptions o;
        o.learningRate = 1e-3;
        o.minLearningRateRatio = 0.1;
        o.warmupSteps = 4;
        o.steps = 14;  // cosine over steps 4..13: 9 intervals
        QCOMPARE(demoLearningRate(0, o), 0.25e-3);
        QCOMPARE(demoLearningRate(3, o), 1e-3);  // warm-up ends at the peak
        QCOMPARE(demoLearningRate(4, o), 1e-3);  // the cosine starts there
        // Midway (progress 1/2): cosine term 1/2, so 0.1 + 0.9 * 0.5 = 0.55 of the peak.
        o.steps = 13;  // steps 4..12: 8 intervals, step 8 is the middle
        QVERIFY(std::abs(demoLearningRate(8, o) - 0.55e-3) < 1e-15);
        QVERIFY(std::abs(demoLearningRate(12, o) - 0.1e-3) < 1e-15);  // the floor at the last step
        for (int64_t s = 4; s < 12; ++s) QVERIFY(demoLearningRate(s + 1, o) < demoLearningRate(s, o));

        // The vision warm-up ramps up over its first eighth, then holds.
        o.visionWarmupSteps = 32;
        o.visionWarmupLearningRate = 4e-3;
        QCOMPARE(visionWarmupLearningRate(0, o), 1e-3);
        QCOMPARE(visionWarmupLearningRate(1, o), 2e-3);
        QCOMPARE(visionWarmupLearningRate(3, o), 4e-3);
        QCOMPARE(visionWarmupLearningRate(31, o), 4e-3);
    }

    // The curriculum's largest object count: 1 at the start, + 1 every curriculumSteps / 7 steps, the full
    // range from curriculumSteps on; without a curriculum, always the full range.
    void curriculumGrowsTheObjectCountLinearly() {
        DemoTrainingOptions o;
        QCOMPARE(curriculumMaxObjects(0, o), shapes::kMaxObjects);
        o.curriculumSteps = 70;
        QCOMPARE(curriculumMaxObjects(0, o), 1);
        QCOMPARE(curriculumMaxObjects(9, o), 1);
        QCOMPARE(curriculumMaxObjects(10, o), 2);
        QCOMPARE(curriculumMaxObjects(35, o), 4);
        QCOMPARE(curriculumMaxObjects(69, o), 7);
        QCOMPARE(curriculumMaxObjects(70, o), shapes::kMaxObjects);
        QCOMPARE(curriculumMaxObjects(5000, o), shapes::kMaxObjects);
    }

    void trainsAndWritesALoadableFolder() {
        QTemporaryDir dir;
        const std::string out = dir.filePath("model").toStdString();
        std::vector<TrainingProgress> seen;
        const DemoTrainingResult result =
            trainDemoModel(tinyOptions(out), [&](const TrainingProgress& p) { seen.push_back(p); });
        QVERIFY(!result.cancelled);
        QCOMPARE(result.resumedFromStep, int64_t(0));
        QVERIFY(std::isfinite(result.finalLoss) && result.finalLoss > 0);
        // Steps 1-3 are the vision warm-up, 4-9 the whole model, reported in order.
        std::vector<int64_t> visionSteps, trainingSteps;
        for (const TrainingProgress& p : seen)
            if (p.stage == "training" || p.stage == "vision") {
                (p.stage == "vision" ? visionSteps : trainingSteps).push_back(p.step);
                QCOMPARE(p.steps, int64_t(9));
                QVERIFY(p.etaSeconds >= 0);
                QVERIFY(std::isfinite(p.loss) && p.loss > 0);
                // The position probe reads the decoder, so it reports only once the whole model trains.
                if (p.stage == "vision") QCOMPARE(p.positionLoss, 0.0);
                else QVERIFY(std::isfinite(p.positionLoss) && p.positionLoss > 0);
            }
        QCOMPARE(visionSteps, (std::vector<int64_t>{1, 2, 3}));
        QCOMPARE(trainingSteps, (std::vector<int64_t>{4, 5, 6, 7, 8, 9}));

        for (const char* name : {"config.json", "model.safetensors", "tokenizer.json", "vocab.json", "merges.txt",
                                 "tokenizer_config.json", "preprocessor_config.json", "generation_config.json",
                                 "chat_template.json", "training.json"})
            QVERIFY2(fs::exists(fs::path(out) / name), name);
        QVERIFY(!fs::exists(out + ".partial"));

        const auto config = nlohmann::json::parse(readFile(fs::path(out) / "config.json"));
        QCOMPARE(config.at("model_type").get<std::string>(), std::string("qwen2_5_vl"));
        QCOMPARE(config.at("architectures")[0].get<std::string>(), std::string("Qwen2_5_VLForConditionalGeneration"));
        QCOMPARE(config.at("torch_dtype").get<std::string>(), std::string("float32"));
        QCOMPARE(config.at("vocab_size").get<int64_t>() % 64, int64_t(0));
        QCOMPARE(config.at("rope_theta").get<double>(), 25.0);  // the shape's own base, as transformers reads it
        QCOMPARE(config.at("rope_scaling").at("mrope_section").get<std::vector<int64_t>>(), (std::vector<int64_t>{0, 2, 2}));

        const auto session = Session::load(out);
        const Tokenizer& tokenizer = session->tokenizer();
        // The special tokens sit right after the trained vocabulary and agree with config.json.
        QCOMPARE(*tokenizer.tokenToId("<|image_pad|>"), config.at("image_token_id").get<int64_t>());
        QCOMPARE(*tokenizer.tokenToId("<|im_end|>"), config.at("eos_token_id").get<int64_t>());
        QCOMPARE(*tokenizer.tokenToId("<|endoftext|>"), tokenizer.vocabSize() - 22);
        QVERIFY(tokenizer.vocabSize() <= config.at("vocab_size").get<int64_t>());
        // Tied embeddings: no separate output matrix is stored.
        const WeightStore store(out);
        QVERIFY(!store.find("lm_head.weight"));
        QVERIFY(store.find("model.embed_tokens.weight"));
        QVERIFY(store.find("visual.merger.mlp.2.weight"));
        QVERIFY(std::isfinite(result.finalPositionLoss) && result.finalPositionLoss > 0);
        // Only the model's own weights: the training-only probes stay in the checkpoint.
        for (const std::string& name : store.names())
            QVERIFY2(name.rfind("model.", 0) == 0 || name.rfind("visual.", 0) == 0, name.c_str());
        QVERIFY(session->info().unusedTensors.empty());
    }

    // The position probe learns where the image tokens lie: its loss (the summed cross-entropy of row and
    // column, 2 ln 8 = 4.16 for a blind guess among the merged grid's 8 rows and 8 columns) falls to a
    // quarter of a guess's. Most tokens are plain background, alike wherever they lie, so only the rotary
    // phases can tell them apart (measured: 4.17 at the first step, 0.17 after 150).
    void positionProbeLearnsTheGrid() {
        QTemporaryDir dir;
        DemoTrainingOptions o = tinyOptions(dir.filePath("model").toStdString());
        o.visionWarmupSteps = 0;
        o.curriculumSteps = 0;
        o.steps = 150;
        o.warmupSteps = 5;
        o.learningRate = 1e-2;
        o.positionProbeWeight = 1;
        o.positionProbeLayer = 2;
        o.checkpointEvery = 1000;
        std::vector<double> losses;
        const DemoTrainingResult result = trainDemoModel(o, [&](const TrainingProgress& p) {
            if (p.stage == "training") losses.push_back(p.positionLoss);
        });
        QCOMPARE(int64_t(losses.size()), o.steps);
        qInfo("position probe loss: first step %.3f, last (smoothed) %.3f", losses.front(), result.finalPositionLoss);
        QVERIFY(result.finalPositionLoss < 0.25 * 2 * std::log(8.0));
    }

    // Inventory and description together: both run in the scene tasks' own batch beside the templated one.
    void trainsWithBothSceneTasks() {
        QTemporaryDir dir;
        const std::string out = dir.filePath("model").toStdString();
        DemoTrainingOptions o = tinyOptions(out);
        o.describeScenes = true;
        o.questionsPerScene = 3;
        o.batchSize = 6;
        o.visionWarmupSteps = 0;
        const DemoTrainingResult result = trainDemoModel(o);
        QVERIFY(std::isfinite(result.finalLoss) && result.finalLoss > 0);
        const auto training = nlohmann::json::parse(readFile(fs::path(out) / "training.json"));
        QVERIFY(training.at("options").at("inventory_scenes").get<bool>());
        QVERIFY(training.at("options").at("describe_scenes").get<bool>());
        QVERIFY(Session::load(out)->info().unusedTensors.empty());
    }

    void resumeGivesTheSameWeightsAsOneRun_data() {
        QTest::addColumn<int64_t>("stopAfter");
        QTest::newRow("in the vision warm-up") << int64_t(1);
        QTest::newRow("at the end of the warm-up") << int64_t(3);
        QTest::newRow("in the whole model's training") << int64_t(5);
    }

    void resumeGivesTheSameWeightsAsOneRun() {
        QFETCH(int64_t, stopAfter);
        QTemporaryDir dir;
        const std::string whole = dir.filePath("whole").toStdString();
        const std::string split = dir.filePath("split").toStdString();
        trainDemoModel(tinyOptions(whole));

        std::atomic<bool> cancel{false};
        const DemoTrainingResult first = trainDemoModel(
            tinyOptions(split),
            [&](const TrainingProgress& p) {
                if ((p.stage == "training" || p.stage == "vision") && p.step == stopAfter) cancel = true;
            },
            &cancel);
        QVERIFY(first.cancelled);
        QVERIFY(!fs::exists(split));
        QVERIFY(fs::exists(split + ".checkpoint/state/state.json"));
        std::vector<TrainingProgress> resumedReports;
        const DemoTrainingResult second =
            trainDemoModel(tinyOptions(split), [&](const TrainingProgress& p) { resumedReports.push_back(p); });
        QVERIFY(!second.cancelled);
        QCOMPARE(second.resumedFromStep, stopAfter);
        QVERIFY(resumedReports.front().resumed);
        QCOMPARE(readFile(fs::path(split) / "model.safetensors"), readFile(fs::path(whole) / "model.safetensors"));
        QCOMPARE(readFile(fs::path(split) / "tokenizer.json"), readFile(fs::path(whole) / "tokenizer.json"));
    }

    void refusesBadOptionsAndExistingFolders() {
        QTemporaryDir dir;
        const std::string out = dir.filePath("model").toStdString();
        DemoTrainingOptions o = tinyOptions(out);
        o.steps = 0;
        testing::expectInvalid([&] { trainDemoModel(o); }, "steps must be positive");
        o = tinyOptions(out);
        o.warmupSteps = 6;
        testing::expectInvalid([&] { trainDemoModel(o); }, "warm-up");
        o = tinyOptions(out);
        o.learningRate = -1;
        testing::expectInvalid([&] { trainDemoModel(o); }, "learning rate");
        o = tinyOptions(out);
        o.perceptionProbeWeight = -0.5;
        testing::expectInvalid([&] { trainDemoModel(o); }, "probe weight");
        o = tinyOptions(out);
        o.visionWarmupSteps = -1;
        testing::expectInvalid([&] { trainDemoModel(o); }, "vision warm-up steps");
        o = tinyOptions(out);
        o.visionWarmupScenes = 0;
        testing::expectInvalid([&] { trainDemoModel(o); }, "at least one scene per step");
        o = tinyOptions(out);
        o.visionWarmupLearningRate = 0;
        testing::expectInvalid([&] { trainDemoModel(o); }, "vision warm-up learning rate");
        o = tinyOptions(out);
        o.curriculumSteps = -1;
        testing::expectInvalid([&] { trainDemoModel(o); }, "curriculum steps");
        o = tinyOptions(out);
        o.positionProbeWeight = -1;
        testing::expectInvalid([&] { trainDemoModel(o); }, "position probe weight");
        o = tinyOptions(out);
        o.positionProbeLayer = 3;
        testing::expectInvalid([&] { trainDemoModel(o); }, "decoder layer from 1 to 2 (got 3)");
        o.positionProbeLayer = 0;
        testing::expectInvalid([&] { trainDemoModel(o); }, "decoder layer from 1 to 2 (got 0)");
        o = tinyOptions(out);
        o.shape.ropeTheta = 0;
        testing::expectInvalid([&] { trainDemoModel(o); }, "rope theta");
        o = tinyOptions(out);
        o.shape.mropeSection = {1, 2, 2};  // five pairs for a head of eight dimensions
        testing::expectInvalid([&] { trainDemoModel(o); }, "summing to 4");
        o.shape.mropeSection = {-1, 3, 2};
        testing::expectInvalid([&] { trainDemoModel(o); }, "non-negative pair counts");
        o = tinyOptions(out);
        o.questionsPerScene = 1;
        o.batchSize = 4;
        testing::expectInvalid([&] { trainDemoModel(o); }, "at least 2 questions per scene");
        o = tinyOptions(out);
        o.describeScenes = true;  // beside the inventory: two of the scene's two questions
        testing::expectInvalid([&] { trainDemoModel(o); }, "at least 3 questions per scene");

        testing::expectInvalid([&] { trainDemoModel(tinyOptions(dir.path().toStdString())); }, "already exists");

        // A checkpoint made with other options is not silently continued.
        std::atomic<bool> cancel{true};
        QVERIFY(trainDemoModel(tinyOptions(out), {}, &cancel).cancelled);
        o = tinyOptions(out);
        o.learningRate = 5e-4;
        try {
            trainDemoModel(o);
            QFAIL("a checkpoint with other options was resumed");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("other options") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(DemoTrainingTest)
#include "test_demo_training.moc"
