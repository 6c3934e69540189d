// Heat map update cost: a new [layers, heads] table with its head classes, then a synchronous replot, at the
// sizes of Qwen2.5-VL-7B (28 x 28) and a large model (80 x 64). Reported in ms, not asserted.
#include <benchmark/benchmark.h>

#include <QApplication>

#include <random>

#include <qcustomplot.h>

#include "head_heat_map.h"

namespace {

using headscope::FloatArray;
using headscope::Int64Array;
using headscope::widgets::HeadHeatMap;

// Random shares, and about 6% of heads selected as in the paper: perception in the shallow quarter,
// reasoning in the deep half.
struct RandomHeads {
    FloatArray table;
    Int64Array classes;
};

RandomHeads randomHeads(int layers, int heads, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> share(0.0f, 1.0f);
    std::bernoulli_distribution selected(0.06);
    RandomHeads result{FloatArray({layers, heads}), Int64Array({layers, heads})};
    for (int layer = 0; layer < layers; ++layer) {
        for (int head = 0; head < heads; ++head) {
            const size_t i = static_cast<size_t>(layer) * heads + head;
            result.table.data[i] = share(rng);
            if (selected(rng)) result.classes.data[i] = layer < layers / 2 ? 1 : 2;
        }
    }
    return result;
}

void BM_HeatMapUpdateAndReplot(benchmark::State& state) {
    const int layers = static_cast<int>(state.range(0));
    const int heads = static_cast<int>(state.range(1));
    HeadHeatMap map;
    map.resize(800, 600);
    map.show();
    QApplication::processEvents();
    map.setLayerLimits(layers / 4, layers / 2);
    // Two different tables alternate so that every iteration really changes the picture.
    const RandomHeads inputs[2] = {randomHeads(layers, heads, 1), randomHeads(layers, heads, 2)};
    size_t iteration = 0;
    for (auto _ : state) {
        const RandomHeads& input = inputs[iteration++ % 2];
        map.setTable(input.table, HeadHeatMap::Metric::Magnitude, QStringLiteral("S_v"));
        map.setClasses(input.classes);
        map.plot()->replot(QCustomPlot::rpImmediateRefresh);
    }
    state.counters["heads"] = layers * heads;
}
BENCHMARK(BM_HeatMapUpdateAndReplot)
    ->Args({28, 28})
    ->Args({80, 64})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(1.0);

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
