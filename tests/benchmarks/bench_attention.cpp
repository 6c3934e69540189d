// Fused attention (scaled_dot_product_attention) against the eager path on the generated Qwen2-0.5B-sized
// checkpoint, on CPU with 2 threads, in fp32 and bf16: prefill tokens/s at 400 and 2,000 prompt tokens and
// decode tokens/s after them. Both paths run inside one benchmark, in the order fused, eager, eager, fused,
// so that their ratio is measured under the same machine load. Also the resident memory each precision's
// weights take at load.
// Printed, not asserted. Run with ./run.sh bench (or build/bin/bench_attention).
#include <benchmark/benchmark.h>

#include <map>

#include "bench_support.h"
#include "headscope/platform.h"

using namespace headscope;
using namespace headscope::bench;

namespace {

struct Loaded {
    std::unique_ptr<Session> session;
    double residentGrowthMiB = 0;  // resident memory the load added, the mapped checkpoint released again
};

// One session per (dtype, attention), loaded once; loads are measured one at a time.
Loaded& sessionFor(DTypeChoice dtype, AttentionChoice attention) {
    static std::map<std::pair<int, int>, Loaded> sessions;
    auto& slot = sessions[{static_cast<int>(dtype), static_cast<int>(attention)}];
    if (!slot.session) {
        LoadOptions options;
        options.device = DeviceChoice::Cpu;
        options.dtype = dtype;
        options.attention = attention;
        options.threads = 2;
        const std::string& folder = modelFolder();
        startMemoryMeasurement();
        const double before = residentMiB();
        slot.session = Session::load(folder, options);
        slot.residentGrowthMiB = residentMiB() - before;
    }
    return slot;
}

struct Timing {
    double prefillSeconds = 0, decodeSeconds = 0;
    int64_t prefillTokens = 0, decodedTokens = 0;
};

void runOnce(Session& s, const PreparedInput& input, int64_t newTokens, Timing* t) {
    const GenerationResult r = s.generate(input, greedy(newTokens));
    t->prefillSeconds += r.prefillSeconds;
    t->decodeSeconds += r.decodeSeconds;
    t->prefillTokens += r.promptTokens;
    t->decodedTokens += static_cast<int64_t>(r.ids.size()) - 1;  // the first id comes from the prefill
}

void BM_FusedVsEager(benchmark::State& state) {
    const auto dtype = state.range(0) == 32 ? DTypeChoice::Float32 : DTypeChoice::BFloat16;
    const int64_t promptTokens = state.range(1);
    Loaded& fused = sessionFor(dtype, AttentionChoice::Fused);
    Loaded& eager = sessionFor(dtype, AttentionChoice::Eager);
    setComputeThreads(2);
    const PreparedInput input = promptOfLength(*fused.session, promptTokens);
    const int64_t newTokens = 16;
    // Untimed warm-up of both, then fused-eager-eager-fused: neither path gets the first, coldest run, and a
    // drift in machine speed during the pair of runs falls on both alike.
    Timing warm;
    runOnce(*fused.session, promptOfLength(*fused.session, 64), 4, &warm);
    runOnce(*eager.session, promptOfLength(*eager.session, 64), 4, &warm);
    Timing f, e;
    for (auto _ : state) {
        runOnce(*fused.session, input, newTokens, &f);
        runOnce(*eager.session, input, newTokens, &e);
        runOnce(*eager.session, input, newTokens, &e);
        runOnce(*fused.session, input, newTokens, &f);
    }
    state.counters["fused_prefill_tok_s"] = f.prefillTokens / f.prefillSeconds;
    state.counters["eager_prefill_tok_s"] = e.prefillTokens / e.prefillSeconds;
    state.counters["prefill_fused_over_eager"] = e.prefillSeconds / f.prefillSeconds;
    state.counters["fused_decode_tok_s"] = f.decodedTokens / f.decodeSeconds;
    state.counters["eager_decode_tok_s"] = e.decodedTokens / e.decodeSeconds;
    state.counters["decode_fused_over_eager"] = e.decodeSeconds / f.decodeSeconds;
    state.counters["weights_MiB"] = static_cast<double>(fused.session->info().parameterBytes) / (1024.0 * 1024.0);
    state.counters["load_resident_growth_MiB"] = fused.residentGrowthMiB;
}

}  // namespace

// range(0): 32 = fp32, 16 = bf16; range(1): prompt tokens. One iteration (two runs of each path): a 2,000-token
// fp32 prefill of this model takes tens of seconds on two cores.
BENCHMARK(BM_FusedVsEager)
    ->ArgsProduct({{32, 16}, {400, 2000}})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

int main(int argc, char** argv) {
    std::fputs(describePlatform(platformReport()).c_str(), stdout);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
