// One step of the demo trainer on the bundled demo model's shapes (8 scenes, 3 questions and an inventory
// each): the answer loss and its gradients with every scene's picture run once and the conversations' own
// tokens after it (shared prefix), against every conversation run whole, in the same run at 1 and 2
// threads. The vision tower runs in both, as in training. Printed, not asserted. Run with ./run.sh bench.
#include <benchmark/benchmark.h>

#include <chrono>

#include "demo/demo_loss.h"
#include "headscope/demo_training.h"
#include "headscope/session.h"
#include "session_impl.h"

using namespace headscope;

namespace {

struct StepInputs {
    std::unique_ptr<Session> session;
    std::shared_ptr<models::QwenVLModelImpl> model;
    std::vector<shapes::Sample> samples;
    demo::TrainingBatch templated, inventories;
};

const StepInputs& inputs() {
    static const StepInputs in = [] {
        StepInputs s;
        LoadOptions options;
        options.device = DeviceChoice::Cpu;
        options.dtype = DTypeChoice::Float32;
        s.session = Session::load(std::string(HEADSCOPE_RESOURCES_DIR) + "/models/shapes-demo", options);
        s.model = std::dynamic_pointer_cast<models::QwenVLModelImpl>(s.session->impl().model);
        for (auto& p : s.model->parameters()) p.set_requires_grad(true);
        s.model->train();
        s.samples = shapes::makeSplit(shapes::Split::Train, 8, 2024);
        const Tokenizer& tokenizer = *s.session->impl().tokenizer;
        ImageProcessorConfig imageConfig;
        imageConfig.maxPixels = demoModelShape().maxPixels;
        const demo::BatchBuilder builder{tokenizer, s.session->config(), imageConfig,
                                         *tokenizer.tokenToId("<|endoftext|>"), *tokenizer.tokenToId("<|im_end|>")};
        std::vector<demo::SceneQuestions> templated, inventories;
        for (const shapes::Sample& sample : s.samples) {
            std::vector<shapes::Question> questions;
            for (uint64_t q = 0; q < 3; ++q) questions.push_back(shapes::sampleQuestion(sample.scene, sample.scene.seed + q));
            templated.push_back({&sample.scene, questions});
            inventories.push_back({&sample.scene, {shapes::inventoryScene(sample.scene)}});
        }
        s.templated = builder.build(templated);
        s.inventories = builder.build(inventories);
        return s;
    }();
    return in;
}

double secondsOf(const std::function<void()>& work) {
    const auto start = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void BM_DemoStepSharedVsWhole(benchmark::State& state) {
    const StepInputs& in = inputs();
    setComputeThreads(static_cast<int>(state.range(0)));
    auto& model = *in.model;
    const ModelConfig& config = in.session->config();
    auto features = [&] { return model.visual(in.templated.pixelValues, in.templated.grids); };
    double wholeSeconds = 0, sharedSeconds = 0;
    for (auto _ : state) {
        wholeSeconds += secondsOf([&] {
            const torch::Tensor f = features();
            (demo::wholeConversationLossSum(model, config, f, in.templated) +
             demo::wholeConversationLossSum(model, config, f, in.inventories))
                .backward();
        });
        sharedSeconds += secondsOf([&] {
            models::DecoderRunOptions run;
            run.fusedAttention = false;
            demo::answerLossSum(model, config, features(), {&in.templated, &in.inventories}, run).backward();
        });
        model.zero_grad();
    }
    const double steps = static_cast<double>(state.iterations());
    state.counters["whole_ms_per_step"] = 1000 * wholeSeconds / steps;
    state.counters["shared_prefix_ms_per_step"] = 1000 * sharedSeconds / steps;
    state.counters["shared_prefix_speedup"] = wholeSeconds / sharedSeconds;
}

}  // namespace

BENCHMARK(BM_DemoStepSharedVsWhole)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_MAIN();
