// How quickly a run stops when another thread cancels it, on the generated Qwen2-0.5B-sized checkpoint (CPU,
// fp32, 2 threads): during the prefill of a 2,000-token prompt and during decoding. The cancel flag is read
// between decoder layers, so the latency should stay within about one layer's time; the benchmark prints the
// latency, one layer's time (an uncancelled prefill divided by the layer count) and their ratio.
// Printed, not asserted. Run with ./run.sh bench (or build/bin/bench_cancel).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "bench_support.h"

using namespace headscope;
using namespace headscope::bench;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

Session& threadedSession() {
    static std::unique_ptr<Session> s = [] {
        LoadOptions options;
        options.device = DeviceChoice::Cpu;
        options.dtype = DTypeChoice::Float32;
        options.threads = 2;
        return Session::load(modelFolder(), options);
    }();
    return *s;
}

// One layer's share of an uncancelled prefill of `input`.
double layerSeconds(Session& s, const PreparedInput& input) {
    const GenerationResult r = s.generate(input, greedy(1));
    return r.prefillSeconds / double(s.config().text.numLayers);
}

void BM_CancelDuringPrefill(benchmark::State& state) {
    Session& s = threadedSession();
    const PreparedInput input = promptOfLength(s, state.range(0));
    const double layer = layerSeconds(s, input);
    const double prefill = layer * double(s.config().text.numLayers);
    double latency = 0;
    int cancelledRuns = 0;
    int iteration = 0;
    for (auto _ : state) {
        std::atomic<bool> cancel{false};
        GenerationResult result;
        std::thread run([&] { result = s.generate(input, greedy(64), {}, &cancel); });
        // At 30%, 45%, 60%, 75% of the prefill as measured just before: moments unrelated to layer boundaries.
        const double fraction = 0.3 + 0.15 * double(iteration++ % 4);
        std::this_thread::sleep_for(std::chrono::duration<double>(prefill * fraction));
        const Clock::time_point cancelledAt = Clock::now();
        cancel = true;
        run.join();
        latency += secondsSince(cancelledAt);
        cancelledRuns += result.cancelled && result.ids.empty();
    }
    const double iterations = double(state.iterations());
    state.counters["latency_ms"] = 1e3 * latency / iterations;
    state.counters["layer_ms"] = 1e3 * layer;
    state.counters["latency_per_layer"] = latency / iterations / layer;
    state.counters["cancelled_in_prefill"] = double(cancelledRuns) / iterations;
}
BENCHMARK(BM_CancelDuringPrefill)->Arg(2000)->Iterations(4)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_CancelDuringDecode(benchmark::State& state) {
    Session& s = threadedSession();
    const PreparedInput input = promptOfLength(s, state.range(0));
    double latency = 0;
    double decodeStep = 0;
    int cancelledRuns = 0;
    for (auto _ : state) {
        std::atomic<bool> cancel{false};
        std::mutex mutex;
        std::condition_variable fifthToken;
        int tokens = 0;
        GenerationResult result;
        std::thread run([&] {
            result = s.generate(input, greedy(512), [&](int64_t, const std::string&) {
                std::lock_guard<std::mutex> lock(mutex);
                if (++tokens == 5) fifthToken.notify_one();
            }, &cancel);
        });
        {
            std::unique_lock<std::mutex> lock(mutex);
            fifthToken.wait(lock, [&] { return tokens >= 5; });
        }
        const Clock::time_point cancelledAt = Clock::now();
        cancel = true;
        run.join();
        latency += secondsSince(cancelledAt);
        decodeStep += result.decodeSeconds / double(std::max<size_t>(result.ids.size(), 2) - 1);
        cancelledRuns += result.cancelled && result.ids.size() < 512;
    }
    const double iterations = double(state.iterations());
    const double layer = decodeStep / iterations / double(s.config().text.numLayers);
    state.counters["latency_ms"] = 1e3 * latency / iterations;
    state.counters["decode_layer_ms"] = 1e3 * layer;
    state.counters["latency_per_layer"] = latency / iterations / layer;
    state.counters["cancelled"] = double(cancelledRuns) / iterations;
}
BENCHMARK(BM_CancelDuringDecode)->Arg(400)->Iterations(4)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
