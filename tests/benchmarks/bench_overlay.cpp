// The cost of redrawing the image overlay when the user picks another token or head, for a 1,024-token image
// (merged grid 32 x 32 -> an 896 x 896 picture): the grid map stretched to pixels, blended onto the picture,
// converted back to a QImage, and the view's own recompose on setMap. Milliseconds per step, printed, not
// asserted (target: the whole update under 50 ms). Run with ./run.sh bench.
#include <benchmark/benchmark.h>

#include <QApplication>
#include <QImage>

#include <chrono>
#include <random>

#include "headscope/image.h"
#include "headscope/maps.h"
#include "image_overlay_view.h"

using namespace headscope;
using namespace headscope::widgets;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kGridSide = 32;  // 1,024 merged image tokens
constexpr int kImageSide = kGridSide * 28;  // 28 pixels per merged token

FloatArray randomGridMap(std::mt19937& random) {
    std::uniform_real_distribution<float> share(0.0f, 1.0f);
    FloatArray grid({kGridSide, kGridSide});
    for (float& value : grid.data) value = share(random);
    return grid;
}

QImage randomPicture(std::mt19937& random) {
    QImage picture(kImageSide, kImageSide, QImage::Format_RGB888);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int y = 0; y < kImageSide; ++y) {
        uchar* line = picture.scanLine(y);
        for (int x = 0; x < kImageSide * 3; ++x) line[x] = static_cast<uchar>(byte(random));
    }
    return picture;
}

template <typename Work>
double millisecondsOf(Work&& work) {
    const auto start = Clock::now();
    work();
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Each step timed on its own; a fresh grid map per iteration, as each click brings one.
void BM_OverlayRecompute(benchmark::State& state) {
    std::mt19937 random(2024);
    const QImage picture = randomPicture(random);
    ImageOverlayView view;
    view.setImage(picture);
    const double opacity = view.opacity();
    double stretch = 0, toRgb = 0, blend = 0, toQ = 0, setMap = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const FloatArray grid = randomGridMap(random);
        state.ResumeTiming();
        FloatArray pixels;
        RgbImage rgb, blended;
        QImage composed;
        stretch += millisecondsOf([&] { pixels = mapToPixels(grid, kImageSide, kImageSide); });
        toRgb += millisecondsOf([&] { rgb = toRgbImage(picture); });
        blend += millisecondsOf([&] { blended = blendMapOntoImage(rgb, pixels, opacity); });
        toQ += millisecondsOf([&] { composed = toQImage(blended); });
        setMap += millisecondsOf([&] { view.setMap(pixels); });
        benchmark::DoNotOptimize(composed);
    }
    const double iterations = static_cast<double>(state.iterations());
    state.counters["map_to_pixels_ms"] = stretch / iterations;
    state.counters["to_rgb_image_ms"] = toRgb / iterations;
    state.counters["blend_ms"] = blend / iterations;
    state.counters["to_qimage_ms"] = toQ / iterations;
    state.counters["view_set_map_ms"] = setMap / iterations;
    // What a click costs in the app: the stretch plus the view's recompose (conversion, blend, QImage).
    state.counters["click_update_ms"] = (stretch + setMap) / iterations;
}
BENCHMARK(BM_OverlayRecompute)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
    // Widgets need a platform; without a display the offscreen one does.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication application(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
