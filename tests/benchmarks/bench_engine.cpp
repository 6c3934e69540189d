// Engine throughput on a generated checkpoint the size of Qwen2-0.5B's language model (24 layers, hidden
// 896, 14 heads / 2 KV heads, vocab 151936) with a small vision tower, fp32 on CPU:
//   - prefill and decode tokens/s at 1 and 2 threads;
//   - decode with the KV cache vs recomputing the whole sequence for every token, as a ratio measured in one run;
//   - peak resident memory during a 2,048-token prefill.
// Printed, not asserted: these machines are noisy. Run with ./run.sh bench.
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench_support.h"

using namespace headscope;

namespace {

using namespace headscope::bench;

void BM_Prefill(benchmark::State& state) {
    const PreparedInput input = promptOfLength(state.range(1));  // loads the model first: loading sets threads
    setComputeThreads(static_cast<int>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(session().prefill(input, 0));
    state.counters["tokens_per_second"] =
        benchmark::Counter(static_cast<double>(state.range(1)), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Decode(benchmark::State& state) {
    const PreparedInput input = promptOfLength(128);
    setComputeThreads(static_cast<int>(state.range(0)));
    const int64_t newTokens = 32;
    double decodeSeconds = 0;
    int64_t decoded = 0;
    for (auto _ : state) {
        const GenerationResult r = session().generate(input, greedy(newTokens));
        decodeSeconds += r.decodeSeconds;
        decoded += static_cast<int64_t>(r.ids.size()) - 1;  // the first id comes from the prefill
    }
    state.counters["decode_tokens_per_second"] = decoded / decodeSeconds;
}

// Both strategies in the same run, so their ratio is not at the mercy of machine load between runs.
void BM_DecodeCacheVsRecompute(benchmark::State& state) {
    const PreparedInput input = promptOfLength(state.range(0));
    setComputeThreads(2);
    const int64_t newTokens = 16;
    double cachedSeconds = 0, recomputeSeconds = 0;
    for (auto _ : state) {
        const GenerationResult r = session().generate(input, greedy(newTokens));
        cachedSeconds += r.decodeSeconds;
        // Recompute: every new token needs a forward pass over the whole sequence so far.
        PreparedInput growing = input;
        const auto start = std::chrono::steady_clock::now();
        for (size_t i = 0; i + 1 < r.ids.size(); ++i) {
            growing.inputIds.push_back(r.ids[i]);
            growing.positionIds = computeMropePositions(growing.inputIds, {}, 0, 2, nullptr);
            benchmark::DoNotOptimize(session().prefill(growing, 0));
        }
        recomputeSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    const double steps = static_cast<double>(newTokens - 1) * static_cast<double>(state.iterations());
    state.counters["cached_tokens_per_second"] = steps / cachedSeconds;
    state.counters["recompute_tokens_per_second"] = steps / recomputeSeconds;
    state.counters["cache_speedup"] = recomputeSeconds / cachedSeconds;
}

void BM_PeakMemoryPrefill2048(benchmark::State& state) {
    const PreparedInput input = promptOfLength(2048);
    setComputeThreads(2);
    double before = 0, peak = 0;
    for (auto _ : state) {
        startMemoryMeasurement();
        before = residentMiB();
        benchmark::DoNotOptimize(session().prefill(input, 0));
        peak = peakResidentMiB();
    }
    state.counters["resident_before_MiB"] = before;
    state.counters["peak_resident_MiB"] = peak;
    state.counters["prefill_extra_MiB"] = peak - before;
}

}  // namespace

BENCHMARK(BM_Prefill)->ArgsProduct({{1, 2}, {512}})->ArgNames({"threads", "tokens"})->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_Decode)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_DecodeCacheVsRecompute)->Arg(256)->ArgName("prompt")->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_PeakMemoryPrefill2048)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_MAIN();
