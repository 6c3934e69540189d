// Engine throughput on a generated checkpoint the size of Qwen2-0.5B's language model (24 layers, hidden
// 896, 14 heads / 2 KV heads, vocab 151936) with a small vision tower, fp32 on CPU:
//   - prefill and decode tokens/s at 1 and 2 threads;
//   - decode with the KV cache vs recomputing the whole sequence for every token, as a ratio measured in one run;
//   - peak resident memory during a 2,048-token prefill.
// Printed, not asserted: these machines are noisy. Run with ./run.sh bench.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "headscope/random_model.h"
#include "headscope/session.h"

using namespace headscope;

namespace {

const std::string& modelFolder() {
    static const std::string folder = [] {
        const char* env = std::getenv("HEADSCOPE_BENCH_MODEL");
        std::string path = env ? env : std::string(HEADSCOPE_BENCH_MODEL_DIR);
        if (!std::filesystem::exists(path)) {
            std::fprintf(stderr, "writing a random Qwen2-0.5B-sized checkpoint to %s (once)\n", path.c_str());
            writeRandomQwenModel(path, randomModelPreset("qwen2-0.5b"), 2024);
        }
        return path;
    }();
    return folder;
}

Session& session() {
    static std::unique_ptr<Session> s = [] {
        LoadOptions options;
        options.device = DeviceChoice::Cpu;
        options.dtype = DTypeChoice::Float32;
        return Session::load(modelFolder(), options);
    }();
    return *s;
}

// A text-only prompt of exactly `tokens` ids: the chat frame around filler text, trimmed to length.
PreparedInput promptOfLength(int64_t tokens) {
    ChatPrompt prompt;
    for (int i = 0; i < tokens; ++i) prompt.userText += "ab ";
    PreparedInput input = session().prepare(prompt, nullptr);
    input.inputIds.resize(static_cast<size_t>(tokens));
    input.positionIds = computeMropePositions(input.inputIds, {}, session().config().imageTokenId, 2, &input.ropeDelta);
    return input;
}

// Resident-set high-water mark in MiB since the last reset (Linux /proc).
double peakResidentMiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}
double residentMiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}
void resetPeakResident() { std::ofstream("/proc/self/clear_refs") << "5"; }

GenerationOptions greedy(int64_t newTokens) {
    GenerationOptions options;
    options.maxNewTokens = newTokens;
    options.stopTokenIds = {-1};  // never stop early: every run decodes the same count
    return options;
}

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
        before = residentMiB();
        resetPeakResident();
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
