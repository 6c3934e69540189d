// How long the GUI thread is ever blocked while the window loads a model, generates and draws the maps:
// a 2 ms timer records the longest gap between its ticks (target: under 50 ms). Uses a small generated
// model, which streams hundreds of tokens per second: the worst case for the window. Printed, not asserted.
#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>

#include <benchmark/benchmark.h>

#include "headscope/random_model.h"
#include "main_window.h"

namespace {

class GapMeter {
public:
    GapMeter() {
        timer_.setInterval(2);
        QObject::connect(&timer_, &QTimer::timeout, [this] {
            const qint64 now = clock_.nsecsElapsed();
            if (last_ > 0) longest_ = std::max(longest_, now - last_);
            last_ = now;
        });
    }
    void start() {
        longest_ = 0;
        last_ = 0;
        clock_.start();
        timer_.start();
    }
    double stopMs() {
        timer_.stop();
        return longest_ / 1e6;
    }

private:
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_ = 0;
    qint64 longest_ = 0;
};

bool waitFor(QSignalSpy& spy, int ms) { return spy.count() > 0 || spy.wait(ms); }

void BM_GuiThreadLongestBlock(benchmark::State& state) {
    QTemporaryDir dir;
    const QString model = dir.filePath("tiny");
    headscope::writeRandomQwenModel(model.toStdString(), headscope::randomModelPreset("tiny"), 3);
    QImage picture(896, 896, QImage::Format_RGB888);  // 32 x 32 = 1,024 image tokens
    picture.fill(QColor(30, 120, 200));
    headscope::gui::MainWindow window;
    window.resize(1280, 800);
    window.show();
    GapMeter meter;
    double load = 0, generation = 0, maps = 0;
    for (auto _ : state) {
        QSignalSpy ready(&window, &headscope::gui::MainWindow::modelReady);
        meter.start();
        window.openModel(model);
        waitFor(ready, 60000);
        load = meter.stopMs();
        window.setImage(picture, "blue");
        window.setPrompt("What is in the picture? Describe it at length.");
        QSignalSpy done(&window, &headscope::gui::MainWindow::runCompleted);
        meter.start();
        window.generate();
        waitFor(done, 120000);
        generation = meter.stopMs();
        QSignalSpy updated(&window, &headscope::gui::MainWindow::mapsUpdated);
        meter.start();
        window.selectHead(1, 1);
        window.selectGeneratedToken(10);
        waitFor(updated, 60000);
        maps = meter.stopMs();
    }
    state.counters["longest_block_loading_ms"] = load;
    state.counters["longest_block_generating_ms"] = generation;
    state.counters["longest_block_maps_ms"] = maps;
}

}  // namespace

BENCHMARK(BM_GuiThreadLongestBlock)->Unit(benchmark::kMillisecond)->Iterations(1);

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    return 0;
}
