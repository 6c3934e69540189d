// The cost of the Functional Attention Control analyses on the Qwen2-0.5B-sized checkpoint, fp32 CPU,
// each as a ratio measured within one run:
//   - generation with rescaling and S_v collection vs plain generation (target: at most 3% extra time);
//   - peak resident memory of a 4,096-token prompt pass with statistics vs a plain one (target: at most
//     10% more);
//   - a contribution map (forward + backward to the gates) as a multiple of one forward pass.
// Printed, not asserted. Run with ./run.sh bench.
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench_support.h"
#include "headscope/analysis.h"
#include "headscope/head_classes.h"

using namespace headscope;

namespace {

using namespace headscope::bench;
using Clock = std::chrono::steady_clock;

double secondsOf(const std::function<void()>& work) {
    const auto start = Clock::now();
    work();
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Rescaling as the paper applies it: the rule's gains on S_v of this very prompt.
HeadControl paperGains(const PreparedInput& input) {
    const AnalyzedPrefill a = prefillAnalyzed(session(), input, {}, -1, 0);
    FacRule rule;
    rule.reasoningMaxShare = 0.5;  // text-only prompts have no image: pick reasoning heads anyway
    HeadControl control;
    control.gains = classConditionedGains(classifyHeads(a.statistics.visualShare, rule), rule);
    return control;
}

void BM_RescaledGenerationOverhead(benchmark::State& state) {
    const PreparedInput input = promptOfLength(state.range(0));
    setComputeThreads(2);
    const HeadControl control = paperGains(input);
    const GenerationOptions options = greedy(32);
    double plain = 0, analyzed = 0;
    for (auto _ : state) {
        // Interleaved, so drifts in machine load hit both alike.
        plain += secondsOf([&] { benchmark::DoNotOptimize(session().generate(input, options)); });
        analyzed += secondsOf(
            [&] { benchmark::DoNotOptimize(generateAnalyzed(session(), input, options, control, {})); });
    }
    state.counters["plain_seconds"] = plain / static_cast<double>(state.iterations());
    state.counters["rescaled_with_sv_seconds"] = analyzed / static_cast<double>(state.iterations());
    state.counters["extra_time_percent"] = 100.0 * (analyzed / plain - 1.0);
}

void BM_StatisticsPeakMemory(benchmark::State& state) {
    const PreparedInput input = promptOfLength(state.range(0));
    setComputeThreads(2);
    double base = 0, plainPeak = 0, statsPeak = 0;
    for (auto _ : state) {
        startMemoryMeasurement();
        base = residentMiB();
        benchmark::DoNotOptimize(session().prefill(input, 0));
        plainPeak = peakResidentMiB() - base;
        startMemoryMeasurement();
        base = residentMiB();
        benchmark::DoNotOptimize(prefillAnalyzed(session(), input, {}, -1, 0));
        statsPeak = peakResidentMiB() - base;
    }
    state.counters["plain_prefill_extra_MiB"] = plainPeak;
    state.counters["statistics_prefill_extra_MiB"] = statsPeak;
    state.counters["statistics_vs_plain_percent"] = 100.0 * (statsPeak / plainPeak - 1.0);
}

void BM_ContributionMapCost(benchmark::State& state) {
    const PreparedInput input = promptOfLength(state.range(0));
    setComputeThreads(2);
    const int64_t target = 42;
    double forward = 0, contribution = 0;
    for (auto _ : state) {
        forward += secondsOf([&] { benchmark::DoNotOptimize(session().prefill(input, 0)); });
        contribution += secondsOf([&] { benchmark::DoNotOptimize(explainToken(session(), input, {}, 0, target)); });
    }
    state.counters["forward_seconds"] = forward / static_cast<double>(state.iterations());
    state.counters["contribution_seconds"] = contribution / static_cast<double>(state.iterations());
    state.counters["contribution_over_forward"] = contribution / forward;
}

}  // namespace

BENCHMARK(BM_RescaledGenerationOverhead)->Arg(256)->ArgName("prompt")->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_StatisticsPeakMemory)->Arg(4096)->ArgName("prompt")->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_ContributionMapCost)->Arg(256)->ArgName("prompt")->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_MAIN();
