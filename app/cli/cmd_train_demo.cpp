// train-demo: trains the bundled demo model (tokenizer, model, folder), then measures it (eval-demo).
#include <malloc.h>

#include <csignal>
#include <cstdio>

#include "commands.h"
#include "demo_report.h"
#include "headscope/demo_training.h"
#include "progress_bar.h"
#include "sweep_grid.h"

namespace headscope::cli {

namespace {

std::atomic<bool> interrupted{false};
extern "C" void onInterrupt(int) { interrupted.store(true); }

}  // namespace

int runTrainDemo(const Arguments& args) {
    args.allowOnly({"out", "checkpoint", "steps", "batch", "questions-per-scene", "no-inventory", "describe", "probe-weight", "position-probe",
                    "position-probe-layer", "vision-warmup",
                    "vision-scenes", "vision-lr", "rope-theta", "mrope-section", "curriculum", "lr", "warmup", "seed",
                    "threads", "no-eval", "count", "fac-count", "calibration-count", "gallery"});
    DemoTrainingOptions options;
    options.outputFolder = args.value("out");
    options.checkpointFolder = args.valueOr("checkpoint", "");
    options.steps = args.intOr("steps", options.steps);
    options.batchSize = args.intOr("batch", options.batchSize);
    options.questionsPerScene = args.intOr("questions-per-scene", options.questionsPerScene);
    options.inventoryScenes = !args.has("no-inventory");
    options.describeScenes = args.has("describe");
    options.perceptionProbeWeight = args.numberOr("probe-weight", options.perceptionProbeWeight);
    options.positionProbeWeight = args.numberOr("position-probe", options.positionProbeWeight);
    options.positionProbeLayer = args.intOr("position-probe-layer", options.positionProbeLayer);
    options.visionWarmupSteps = args.intOr("vision-warmup", options.visionWarmupSteps);
    options.visionWarmupScenes = args.intOr("vision-scenes", options.visionWarmupScenes);
    options.visionWarmupLearningRate = args.numberOr("vision-lr", options.visionWarmupLearningRate);
    options.shape.ropeTheta = args.numberOr("rope-theta", options.shape.ropeTheta);
    if (args.has("mrope-section")) options.shape.mropeSection = parseIntList(args.value("mrope-section"), "mrope-section");
    options.curriculumSteps = args.intOr("curriculum", options.curriculumSteps);
    options.learningRate = args.numberOr("lr", options.learningRate);
    options.warmupSteps = args.intOr("warmup", options.warmupSteps);
    options.seed = static_cast<uint64_t>(args.intOr("seed", static_cast<int64_t>(options.seed)));
    options.threads = static_cast<int>(args.intOr("threads", 0));
    const DemoReportOptions report = demoReportOptionsFrom(args, options.outputFolder);

    // Training allocates and frees the same large activations every step, some above the largest mmap
    // threshold glibc accepts (32 MiB): keep them all on the heap, and the heap untrimmed, instead of mapping,
    // zero-filling and unmapping fresh pages each time.
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    ProgressBar bar("training");
    std::string lastStage;
    const DemoTrainingResult result = trainDemoModel(
        options,
        [&](const TrainingProgress& p) {
            if (p.stage == "training" || p.stage == "vision") {
                char detail[128];
                char position[32] = "";
                if (p.stage == "training" && options.positionProbeWeight > 0)
                    std::snprintf(position, sizeof position, "  position %.3f", p.positionLoss);
                std::snprintf(detail, sizeof detail, "%s %.4f%s  lr %.2e",
                              p.stage == "vision" ? "vision warm-up, probe loss" : "loss", p.loss, position, p.learningRate);
                bar.update(p.step, p.steps, detail, p.etaSeconds);
            } else if (p.stage != lastStage && p.stage != "checkpoint") {
                bar.finish();
                std::fprintf(stderr, "%s%s\n", p.stage == "tokenizer" ? "preparing data and tokenizer" : "writing the model folder",
                             p.resumed && p.stage == "tokenizer" ? " (resuming from the checkpoint)" : "");
            }
            lastStage = p.stage;
        },
        &interrupted);
    bar.finish();
    if (result.cancelled) {
        std::fprintf(stderr, "interrupted: the checkpoint is saved; run the same command again to resume\n");
        return 130;
    }
    std::fprintf(stderr, "trained in %s (this run; resumed from step %lld), final loss %.4f; wrote %s\n",
                 formatDuration(result.trainingSeconds).c_str(), static_cast<long long>(result.resumedFromStep),
                 result.finalLoss, options.outputFolder.c_str());
    if (args.has("no-eval")) return 0;
    writeDemoReport(report);
    return 0;
}

int runEvalDemo(const Arguments& args) {
    args.allowOnly(
        {"model", "count", "fac-count", "calibration-count", "gallery", "threads", "device", "dtype", "attention"});
    writeDemoReport(demoReportOptionsFrom(args, args.value("model")));
    return 0;
}

}  // namespace headscope::cli
