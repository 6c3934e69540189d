// The demo model's training loop. Data are generated on the fly from the training split (each step reads
// its own slice of samples, so a resumed run sees exactly the batches an uninterrupted one would).
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "demo/demo_batch.h"
#include "demo/demo_checkpoint.h"
#include "demo/demo_loss.h"
#include "demo/demo_model_folder.h"
#include "headscope/bpe_training.h"
#include "headscope/demo_training.h"
#include "headscope/error.h"
#include "headscope/session.h"
#include "models/qwen_vl_model.h"
#include "qwen_model_json.h"

namespace headscope {

namespace fs = std::filesystem;
using nlohmann::json;

RandomModelSpec demoModelShape() {
    RandomModelSpec s;
    s.family = ModelFamily::Qwen25VL;
    s.hiddenSize = 128;
    s.layers = 8;
    s.heads = 8;
    s.kvHeads = 2;
    s.intermediateSize = 256;
    s.tieWordEmbeddings = true;
    s.visionDepth = 4;  // blocks 0 and 2 windowed, 1 and 3 full attention
    s.visionHidden = 128;
    s.visionHeads = 4;
    s.visionIntermediate = 256;
    s.maxPixels = shapes::kSceneSize * shapes::kSceneSize;  // larger pictures are shrunk to a scene's token count
    return s;
}

namespace {

constexpr int64_t kQwenAddedTokens = 22;

json specJson(const RandomModelSpec& s) {
    return {{"hidden", s.hiddenSize}, {"layers", s.layers}, {"heads", s.heads}, {"kv_heads", s.kvHeads},
            {"intermediate", s.intermediateSize}, {"tied", s.tieWordEmbeddings}, {"vision_depth", s.visionDepth},
            {"vision_hidden", s.visionHidden}, {"vision_heads", s.visionHeads},
            {"vision_intermediate", s.visionIntermediate}, {"max_pixels", s.maxPixels}, {"rope_theta", s.ropeTheta},
            {"mrope_section", s.mropeSection}};
}

// Everything that shapes the result; a checkpoint resumes only under the same values.
json optionsJson(const DemoTrainingOptions& o) {
    return {{"shape", specJson(o.shape)},  {"tokenizer_vocab", o.tokenizerVocab},
            {"tokenizer_corpus", o.tokenizerCorpus}, {"steps", o.steps}, {"batch_size", o.batchSize},
            {"questions_per_scene", o.questionsPerScene}, {"inventory_scenes", o.inventoryScenes},
            {"describe_scenes", o.describeScenes},
            {"perception_probe_weight", o.perceptionProbeWeight},
            {"position_probe_weight", o.positionProbeWeight}, {"position_probe_layer", o.positionProbeLayer},
            {"vision_warmup_steps", o.visionWarmupSteps},
            {"vision_warmup_scenes", o.visionWarmupScenes}, {"vision_warmup_learning_rate", o.visionWarmupLearningRate},
            {"curriculum_steps", o.curriculumSteps},
            {"learning_rate", o.learningRate}, {"min_learning_rate_ratio", o.minLearningRateRatio},
            {"warmup_steps", o.warmupSteps}, {"weight_decay", o.weightDecay}, {"gradient_clip", o.gradientClip},
            {"seed", o.seed}};
}

int64_t sceneTaskCount(const DemoTrainingOptions& o) { return int64_t(o.inventoryScenes) + int64_t(o.describeScenes); }

void validate(const DemoTrainingOptions& o) {
    auto require = [](bool ok, const std::string& what) {
        if (!ok) throw InvalidInputError("demo training: " + what);
    };
    require(!o.outputFolder.empty(), "no output folder given");
    require(o.steps > 0, "steps must be positive (got " + std::to_string(o.steps) + ")");
    require(o.batchSize > 0, "batch size must be positive (got " + std::to_string(o.batchSize) + ")");
    require(o.questionsPerScene > 0 && o.batchSize % o.questionsPerScene == 0,
            "the batch size (" + std::to_string(o.batchSize) + ") must be a multiple of the questions per scene (" +
                std::to_string(o.questionsPerScene) + ")");
    require(o.questionsPerScene > sceneTaskCount(o),
            "the inventory and the description each take one of a scene's questions, so at least " +
                std::to_string(sceneTaskCount(o) + 1) + " questions per scene are needed");
    require(o.learningRate > 0 && std::isfinite(o.learningRate), "learning rate must be positive");
    require(o.minLearningRateRatio >= 0 && o.minLearningRateRatio <= 1, "min learning-rate ratio must be in [0, 1]");
    require(o.warmupSteps >= 0 && o.warmupSteps < o.steps, "warm-up steps must be in [0, steps)");
    require(o.weightDecay >= 0, "weight decay must not be negative");
    require(o.perceptionProbeWeight >= 0 && std::isfinite(o.perceptionProbeWeight),
            "the perception probe weight must not be negative");
    require(o.positionProbeWeight >= 0 && std::isfinite(o.positionProbeWeight),
            "the position probe weight must not be negative");
    require(o.positionProbeLayer >= 1 && o.positionProbeLayer <= o.shape.layers,
            "the position probe reads the output of a decoder layer from 1 to " + std::to_string(o.shape.layers) +
                " (got " + std::to_string(o.positionProbeLayer) + ")");
    require(o.visionWarmupSteps >= 0, "vision warm-up steps must not be negative");
    require(o.visionWarmupSteps == 0 || o.visionWarmupScenes > 0, "the vision warm-up needs at least one scene per step");
    require(o.visionWarmupSteps == 0 || (o.visionWarmupLearningRate > 0 && std::isfinite(o.visionWarmupLearningRate)),
            "the vision warm-up learning rate must be positive");
    require(o.curriculumSteps >= 0, "curriculum steps must not be negative");
    require(o.shape.ropeTheta > 0 && std::isfinite(o.shape.ropeTheta), "the rotary base (rope theta) must be positive");
    if (!o.shape.mropeSection.empty()) {
        const auto& section = o.shape.mropeSection;
        const int64_t pairs = o.shape.hiddenSize / o.shape.heads / 2;
        require(section.size() == 3 && std::all_of(section.begin(), section.end(), [](int64_t n) { return n >= 0; }) &&
                    section[0] + section[1] + section[2] == pairs,
                "the M-RoPE section needs three non-negative pair counts (t, h, w) summing to " +
                    std::to_string(pairs) + ", half the decoder's head size");
    }
    require(o.gradientClip > 0, "gradient clip must be positive");
    require(o.checkpointEvery > 0, "checkpoint interval must be positive");
    require(o.tokenizerCorpus > 0, "the tokenizer corpus must not be empty");
    require(o.shape.family == ModelFamily::Qwen25VL, "the demo model is a Qwen2.5-VL model");
}

// As training goes on, small gradients and Adam moments fall into the subnormal range, where x86 arithmetic
// is many times slower (steps took a third longer after a few hundred): flush them to zero on the calling
// thread and on every worker. Values that small never move a weight.
void flushSubnormalsOnEveryThread() {
    at::globalContext().setFlushDenormal(true);
    at::parallel_for(0, at::get_num_threads(), 1, [](int64_t, int64_t) { at::globalContext().setFlushDenormal(true); });
}

// GPT-2's scheme: N(0, 0.02) for matrices and embeddings, residual output projections scaled by
// 1/sqrt(2 * layers), zero biases, unit norms.
void initializeWeights(torch::nn::Module& model, const RandomModelSpec& spec, uint64_t seed) {
    torch::NoGradGuard noGrad;
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    auto endsWith = [](const std::string& s, const std::string& tail) {
        return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
    };
    for (auto& item : model.named_parameters()) {
        const std::string& name = item.key();
        torch::Tensor& p = item.value();
        const bool isNorm = name.find("norm") != std::string::npos || name.find("ln_q") != std::string::npos;
        if (isNorm && endsWith(name, ".weight")) p.fill_(1.0);
        else if (endsWith(name, ".bias")) p.zero_();
        else {
            double std = 0.02;
            const bool residualOut = endsWith(name, "o_proj.weight") || endsWith(name, "down_proj.weight") ||
                                     endsWith(name, "attn.proj.weight");
            if (residualOut) {
                const int64_t depth = name.rfind("visual.", 0) == 0 ? spec.visionDepth : spec.layers;
                std /= std::sqrt(2.0 * double(depth));
            }
            p.copy_(torch::randn(p.sizes(), generator, torch::kFloat32) * std);
        }
    }
}

// The questions asked about a training scene: the split's own, then more drawn from the scene's seed, then
// the training-only scene tasks the options ask for (inventory, description), which end the list.
demo::SceneQuestions sceneQuestions(const shapes::Sample& sample, const DemoTrainingOptions& o) {
    demo::SceneQuestions group;
    group.scene = &sample.scene;
    group.questions.push_back({sample.templateId, sample.question, sample.answer, sample.target});
    const int64_t templated = o.questionsPerScene - sceneTaskCount(o);
    for (int64_t k = 1; k < templated; ++k)
        group.questions.push_back(shapes::sampleQuestion(sample.scene, shapes::mixSeed(sample.scene.seed + uint64_t(k))));
    if (o.inventoryScenes) group.questions.push_back(shapes::inventoryScene(sample.scene));
    if (o.describeScenes) group.questions.push_back(shapes::describeScene(sample.scene));
    return group;
}

// Whole conversations as the model sees them (chat template included), so the roles and the system prompt
// get tokens of their own; the added tokens are cut out by the trainer.
std::vector<std::string> tokenizerTexts(const std::vector<shapes::Sample>& samples, const DemoTrainingOptions& o) {
    std::vector<std::string> texts;
    for (size_t i = 0; i < std::min(o.tokenizerCorpus, samples.size()); ++i)
        for (const shapes::Question& q : sceneQuestions(samples[i], o).questions) {
            ChatPrompt prompt;
            prompt.userText = q.question;
            texts.push_back(renderQwenChat(prompt) + q.target);
        }
    return texts;
}

// The checkpoint's tokenizer, trained on first use on scenes of the full range (not the curriculum's).
std::unique_ptr<Tokenizer> checkpointTokenizer(const fs::path& folder, const DemoTrainingOptions& o) {
    if (!fs::exists(folder / "tokenizer.json")) {
        const auto samples = shapes::makeSplit(shapes::Split::Train, o.tokenizerCorpus, o.seed);
        const fs::path staging = folder.string() + ".partial";
        fs::remove_all(staging);
        fs::create_directories(staging);
        writeQwenTokenizerFiles(staging.string(),
                                trainByteLevelBpe(tokenizerTexts(samples, o), {o.tokenizerVocab, 2}));
        fs::remove_all(folder);
        fs::rename(staging, folder);
    }
    return Tokenizer::fromFolder(folder.string());
}

std::vector<torch::optim::OptimizerParamGroup> parameterGroups(torch::nn::Module& model,
                                                              const DemoTrainingOptions& o, double learningRate) {
    std::vector<torch::Tensor> decayed, plain;
    for (auto& item : model.named_parameters()) {
        const bool matrix = item.value().dim() >= 2 && item.key().find("embed_tokens") == std::string::npos;
        (matrix ? decayed : plain).push_back(item.value());
    }
    auto options = [&](double decay) {
        return std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(learningRate).betas({0.9, 0.95}).eps(1e-8).weight_decay(decay));
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decayed, options(o.weightDecay));
    groups.emplace_back(plain, options(0.0));
    return groups;
}

// The probe's loss: the mean over cells of the summed binary cross-entropy of the classes.
torch::Tensor probeLoss(torch::nn::Linear& probe, const torch::Tensor& features, const torch::Tensor& cellTargets) {
    return torch::nn::functional::binary_cross_entropy_with_logits(probe(features), cellTargets) *
           double(shapes::kShapeClassCount);
}

// The position probe's loss: from the decoder's hidden state of every image token of the scenes' shared
// prefixes, the probe predicts the token's row and column in the merged grid, read off its M-RoPE position
// (h - t and w - t). Summed cross-entropy of the two, averaged over the image tokens.
torch::Tensor positionProbeLoss(torch::nn::Linear& probe, const torch::Tensor& hidden, const demo::SharedPrefix& prefix,
                                int64_t imageTokenId) {
    using torch::indexing::Slice;
    const torch::Tensor image = prefix.inputIds == imageTokenId;
    const torch::Tensor t = prefix.positions[0].index({image});
    const torch::Tensor rows = prefix.positions[1].index({image}) - t, columns = prefix.positions[2].index({image}) - t;
    constexpr int64_t cells = shapes::kSceneGridCells;
    if (rows.max().item<int64_t>() >= cells || columns.max().item<int64_t>() >= cells)
        throw Error("demo training: the position probe names " + std::to_string(cells) + " rows and columns, but an image has more");
    const torch::Tensor logits = probe(hidden.index({image}));
    namespace F = torch::nn::functional;
    return F::cross_entropy(logits.index({Slice(), Slice(0, cells)}), rows) +
           F::cross_entropy(logits.index({Slice(), Slice(cells, 2 * cells)}), columns);
}

void setLearningRate(torch::optim::Optimizer& optimizer, double lr) {
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

}  // namespace

int curriculumMaxObjects(int64_t step, const DemoTrainingOptions& o) {
    if (step >= o.curriculumSteps) return shapes::kMaxObjects;
    return 1 + int((shapes::kMaxObjects - 1) * step / o.curriculumSteps);
}

double visionWarmupLearningRate(int64_t step, const DemoTrainingOptions& o) {
    const int64_t ramp = std::max<int64_t>(1, o.visionWarmupSteps / 8);
    return o.visionWarmupLearningRate * std::min(1.0, double(step + 1) / double(ramp));
}

double demoLearningRate(int64_t step, const DemoTrainingOptions& o) {
    if (step < o.warmupSteps) return o.learningRate * double(step + 1) / double(o.warmupSteps);
    const double progress = double(step - o.warmupSteps) / double(std::max<int64_t>(1, o.steps - 1 - o.warmupSteps));
    const double cosine = 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
    return o.learningRate * (o.minLearningRateRatio + (1.0 - o.minLearningRateRatio) * cosine);
}

DemoTrainingResult trainDemoModel(const DemoTrainingOptions& options, const TrainingCallback& progress,
                                  const std::atomic<bool>* cancel) {
    validate(options);
    if (fs::exists(options.outputFolder))
        throw InvalidInputError(options.outputFolder + ": already exists; choose a new folder");
    const fs::path checkpoint =
        options.checkpointFolder.empty() ? fs::path(options.outputFolder + ".checkpoint") : fs::path(options.checkpointFolder);
    const json optionsFingerprint = optionsJson(options);
    const auto previous = demo::readCheckpointState((checkpoint / "state").string());
    if (previous && previous->options != optionsFingerprint)
        throw Error(checkpoint.string() + ": this checkpoint was made with other options (" +
                    previous->options.dump() + "); resume with the same options or delete it");
    fs::create_directories(checkpoint);
    setComputeThreads(options.threads);
    flushSubnormalsOnEveryThread();

    TrainingProgress report;
    report.steps = options.visionWarmupSteps + options.steps;
    report.resumed = previous.has_value();
    auto tell = [&](const std::string& stage) {
        report.stage = stage;
        if (progress) progress(report);
    };
    tell("tokenizer");
    const int64_t warmup = options.visionWarmupSteps;
    const int64_t totalSteps = warmup + options.steps;
    const int64_t scenesPerStep = options.batchSize / options.questionsPerScene;
    const size_t languageScenes = size_t(options.steps * scenesPerStep);  // the warm-up's scenes follow them
    const auto samples =
        shapes::makeSplit(shapes::Split::Train, languageScenes + size_t(warmup * options.visionWarmupScenes), options.seed,
                          [&](size_t index) {
                              return index < languageScenes ? curriculumMaxObjects(int64_t(index) / scenesPerStep, options)
                                                            : shapes::kMaxObjects;
                          });
    const auto tokenizer = checkpointTokenizer(checkpoint / "tokenizer", options);

    RandomModelSpec spec = options.shape;
    const int64_t firstAdded = tokenizer->vocabSize() - kQwenAddedTokens;
    spec.vocabSize = (tokenizer->vocabSize() + 63) / 64 * 64;  // padded, as Qwen pads its vocabulary
    const QwenSpecialIds ids(firstAdded);
    const json configJson = qwenConfigJson(spec, ids, "float32");
    const ModelConfig config = parseModelConfig(configJson.dump(), "demo config");

    torch::manual_seed(options.seed);
    models::QwenVLModel model(config);
    initializeWeights(*model, spec, options.seed);
    // The checkpoint holds the model and the training-only probes; the written folder holds the model.
    torch::nn::Linear probe(config.vision.outHidden, shapes::kShapeClassCount);
    torch::nn::Linear positionProbe(config.text.hiddenSize, 2 * shapes::kSceneGridCells);
    auto trainable = std::make_shared<torch::nn::Module>("DemoTraining");
    trainable->register_module("model", model.ptr());
    trainable->register_module("probe", probe.ptr());
    if (options.positionProbeWeight > 0) trainable->register_module("position_probe", positionProbe.ptr());
    auto perception = std::make_shared<torch::nn::Module>("Perception");
    perception->register_module("visual", model->visual.ptr());
    perception->register_module("probe", probe.ptr());
    torch::optim::AdamW visionOptimizer(parameterGroups(*perception, options, options.visionWarmupLearningRate));
    torch::optim::AdamW optimizer(parameterGroups(*trainable, options, options.learningRate));
    // A checkpoint holds the state of the optimizer that made its last step.
    auto optimizerAfter = [&](int64_t completedSteps) -> torch::optim::Optimizer& {
        return completedSteps > warmup ? static_cast<torch::optim::Optimizer&>(optimizer) : visionOptimizer;
    };
    demo::CheckpointState state;
    state.options = optionsFingerprint;
    if (previous) {
        demo::loadCheckpoint((checkpoint / "state").string(), *trainable, optimizerAfter(previous->step));
        state = *previous;
    }

    ImageProcessorConfig imageConfig;
    imageConfig.maxPixels = spec.maxPixels;
    const demo::BatchBuilder builder{*tokenizer, config, imageConfig, ids.endOfText, ids.imEnd()};
    models::DecoderRunOptions run;
    run.fusedAttention = false;  // identical numerics on every LibTorch version

    DemoTrainingResult result;
    result.resumedFromStep = state.step;
    const auto started = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
    const double earlierSeconds = state.seconds;
    auto save = [&] {
        state.seconds = earlierSeconds + elapsed();
        tell("checkpoint");
        demo::saveCheckpoint((checkpoint / "state").string(), *trainable, optimizerAfter(state.step), state);
    };

    // One step of the vision tower and the probe alone; returns the probe's loss.
    auto visionStep = [&](int64_t step) {
        std::vector<const shapes::Scene*> scenes;
        for (int64_t i = 0; i < options.visionWarmupScenes; ++i)
            scenes.push_back(&samples[languageScenes + size_t(step * options.visionWarmupScenes + i)].scene);
        const demo::ImageBatch images = builder.buildImages(scenes);
        const torch::Tensor loss = probeLoss(probe, model->visual(images.pixelValues, images.grids), images.cellTargets);
        visionOptimizer.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(perception->parameters(), options.gradientClip);
        visionOptimizer.step();
        return loss.item<double>();
    };

    // One step of the whole model; returns the mean loss of the answer tokens and the position probe's.
    auto languageStep = [&](int64_t step) -> std::pair<double, double> {
        // The scene tasks' answers are longer than most templated ones: they run as a batch of their own so
        // that the short conversations are not padded to their length.
        const int64_t tasks = sceneTaskCount(options);
        std::vector<demo::SceneQuestions> templated, sceneTasks;
        for (int64_t i = 0; i < scenesPerStep; ++i) {
            demo::SceneQuestions group = sceneQuestions(samples[size_t(step * scenesPerStep + i)], options);
            if (tasks > 0) {
                sceneTasks.push_back({group.scene, {group.questions.end() - tasks, group.questions.end()}});
                group.questions.resize(group.questions.size() - size_t(tasks));
            }
            templated.push_back(std::move(group));
        }
        const demo::TrainingBatch templatedBatch = builder.build(templated);
        const torch::Tensor features = model->visual(templatedBatch.pixelValues, templatedBatch.grids);
        std::vector<const demo::TrainingBatch*> batches = {&templatedBatch};
        demo::TrainingBatch taskBatch;
        if (tasks > 0) {
            taskBatch = builder.build(sceneTasks);
            batches.push_back(&taskBatch);
        }
        int64_t targetTokens = 0;
        for (const demo::TrainingBatch* batch : batches) targetTokens += batch->targetTokens;
        std::vector<torch::Tensor> layerOutputs;
        const bool probePositions = options.positionProbeWeight > 0;
        const torch::Tensor lossSum =
            demo::answerLossSum(*model, config, features, batches, run, probePositions ? &layerOutputs : nullptr);
        const torch::Tensor loss = lossSum / double(targetTokens);  // mean over every target token of the step
        torch::Tensor objective = loss;
        if (options.perceptionProbeWeight > 0)
            objective = objective + options.perceptionProbeWeight * probeLoss(probe, features, templatedBatch.cellTargets);
        double positionValue = 0;
        if (probePositions) {
            const torch::Tensor positionLoss = positionProbeLoss(
                positionProbe, layerOutputs[size_t(options.positionProbeLayer - 1)],
                demo::sharedPrefix(templatedBatch, config.imageTokenId), config.imageTokenId);
            objective = objective + options.positionProbeWeight * positionLoss;
            positionValue = positionLoss.item<double>();
        }
        optimizer.zero_grad();
        objective.backward();
        torch::nn::utils::clip_grad_norm_(trainable->parameters(), options.gradientClip);
        optimizer.step();
        return std::pair(loss.item<double>(), positionValue);
    };

    trainable->train();
    for (int64_t step = state.step; step < totalSteps; ++step) {
        if (cancel && cancel->load()) {
            save();
            result.cancelled = true;
            result.finalLoss = state.smoothedLoss;
            result.finalPositionLoss = state.smoothedPositionLoss;
            result.trainingSeconds = elapsed();
            return result;
        }
        const bool warming = step < warmup;
        const double lr = warming ? visionWarmupLearningRate(step, options) : demoLearningRate(step - warmup, options);
        setLearningRate(warming ? static_cast<torch::optim::Optimizer&>(visionOptimizer) : optimizer, lr);
        const auto [value, positionValue] = warming ? std::pair(visionStep(step), 0.0) : languageStep(step - warmup);
        if (!std::isfinite(value) || !std::isfinite(positionValue))
            throw Error("demo training diverged at step " + std::to_string(step + 1));
        const bool phaseStart = step == 0 || step == warmup;  // the two phases' losses are not comparable
        state.smoothedLoss = phaseStart ? value : 0.95 * state.smoothedLoss + 0.05 * value;
        state.smoothedPositionLoss = phaseStart ? positionValue : 0.95 * state.smoothedPositionLoss + 0.05 * positionValue;
        state.step = step + 1;

        const int64_t doneHere = state.step - result.resumedFromStep;
        report.step = state.step;
        report.loss = state.smoothedLoss;
        report.positionLoss = state.smoothedPositionLoss;
        report.learningRate = lr;
        report.elapsedSeconds = elapsed();
        report.etaSeconds = report.elapsedSeconds / double(doneHere) * double(totalSteps - state.step);
        tell(warming ? "vision" : "training");
        if (state.step % options.checkpointEvery == 0 && state.step < totalSteps) save();
    }
    result.finalLoss = state.smoothedLoss;
    result.finalPositionLoss = state.smoothedPositionLoss;
    result.trainingSeconds = elapsed();

    save();  // the finished state first: should writing fail, a rerun only writes
    tell("writing");
    model->eval();
    demo::DemoFolderContents contents{configJson, qwenPreprocessorJson(spec), qwenGenerationConfigJson(ids),
                                      (checkpoint / "tokenizer").string(), optionsFingerprint, result.finalLoss,
                                      state.seconds};
    demo::writeDemoModelFolder(options.outputFolder, *model, contents);
    return result;
}

}  // namespace headscope
