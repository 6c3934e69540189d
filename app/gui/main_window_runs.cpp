// Runs, the head table and the maps of the main window.
#include <QComboBox>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QStatusBar>
#include <QTabWidget>

#include <cmath>
#include <limits>

#include "compare_view.h"
#include "head_heat_map.h"
#include "headscope/maps.h"
#include "image_overlay_view.h"
#include "main_window.h"
#include "model_worker.h"
#include "rescale_panel.h"
#include "token_view.h"

namespace headscope::gui {

namespace {

enum Metric { kVisualShare = 0, kContribution = 1, kClass = 2, kGain = 3 };

std::optional<KeySpan> imageSpan(const RunOutcome& run) {
    for (const KeySpan& s : run.spans)
        if (s.name == "image") return s;
    return std::nullopt;
}

FloatArray layerHeadSlice(const FloatArray& stacked, int64_t index) {
    const int64_t cells = stacked.shape[1] * stacked.shape[2];
    return FloatArray({stacked.shape[1], stacked.shape[2]},
                      std::vector<float>(stacked.data.begin() + index * cells, stacked.data.begin() + (index + 1) * cells));
}

}  // namespace

void MainWindow::generate() {
    if (!model_ || loading_) return;
    if (prompt_->toPlainText().trimmed().isEmpty()) {
        QMessageBox::information(this, tr("Nothing to ask"), tr("Type a prompt first."));
        return;
    }
    startRun(false);
}

void MainWindow::applyRescale() {
    if (!model_ || loading_ || !baseline_) return;
    startRun(true);
}

void MainWindow::stop() {
    if (busy_) worker_->cancelCurrent();
}

void MainWindow::startRun(bool rescaled) {
    RunRequest request;
    request.id = nextRunId_++;
    request.rescaled = rescaled;
    if (!rescaled) {
        baselineImage_ = image_;
        baselinePrompt_ = prompt_->toPlainText();
    }
    request.image = baselineImage_;
    request.prompt = baselinePrompt_;
    request.options.maxNewTokens = 256;
    if (rescaled) request.control.gains = currentGains();
    activeRunId_ = request.id;
    if (!rescaled) {
        baseline_.reset();
        rescaled_.reset();
        rows_.reset();
        explanation_.reset();
        selectedToken_ = -1;
        sequenceView_->clear();
        compareView_->clear();
        centerTabs_->setCurrentIndex(0);
    }
    setBusy(true, rescaled ? tr("Rescaled run…") : tr("Generating…"));
    worker_->cancelCurrent();
    QMetaObject::invokeMethod(worker_, [w = worker_, request] { w->run(request); });
}

void MainWindow::onModelLoaded(const ModelSummary& summary) {
    loading_ = false;
    model_ = summary;
    baseline_.reset();
    rescaled_.reset();
    rows_.reset();
    explanation_.reset();
    importedProfile_.reset();
    rescalePanel_->setLayerCount(summary.layers);
    modelInfo_->setText(tr("%1 (%2) — %3 layers x %4 heads, %5 M parameters, %6 MB, %7 %8")
                            .arg(summary.name, summary.family)
                            .arg(summary.layers)
                            .arg(summary.heads)
                            .arg(summary.parameters / 1e6, 0, 'f', 1)
                            .arg(summary.bytes / 1048576.0, 0, 'f', 0)
                            .arg(summary.device, summary.dtype) +
                        (summary.nonFiniteTensors.isEmpty()
                             ? QString()
                             : tr(" — warning: %n weight tensor(s) hold NaN or infinity (%1)", nullptr,
                                  int(summary.nonFiniteTensors.size()))
                                   .arg(summary.nonFiniteTensors.first())));
    addRecent("recent/models", summary.folder);
    if (!image_.isNull()) setImage(image_, imageName_);
    heatMap_->setTable(FloatArray({summary.layers, summary.heads},
                                  std::vector<float>(static_cast<size_t>(summary.layers * summary.heads), 0.0f)),
                       widgets::HeadHeatMap::Metric::Magnitude, tr("S_v"));
    setBusy(false, tr("Model ready: %1").arg(summary.name));
    emit modelReady();
}

void MainWindow::onLoadFailed(const QString& message) {
    loading_ = false;
    setBusy(false, tr("Loading failed"));
    QMessageBox::critical(this, tr("Cannot load the model"),
                          message + (model_ ? tr("\n\nThe previous model (%1) stays loaded.").arg(model_->name) : QString()));
    emit modelLoadFailed(message);
}

void MainWindow::onToken(quint64 runId, const QString& piece) {
    // Only the baseline streams into the reasoning view; a rescaled run appears in Compare when done.
    if (runId != activeRunId_ || baseline_) return;
    sequenceView_->appendToken(piece);
    emit tokenStreamed(piece);
}

void MainWindow::onRunFinished(const RunOutcome& outcome) {
    if (outcome.id != activeRunId_) return;
    const GenerationResult& g = outcome.analyzed.generation;
    if (!outcome.rescaled) {
        baseline_ = outcome;
        showSequence(outcome);
        reclassify();
    } else {
        rescaled_ = outcome;
        const auto& a = baseline_->analyzed.generation.ids;
        const auto& b = g.ids;
        const auto mismatch = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
        const int divergence = (mismatch.first == a.end() && mismatch.second == b.end())
                                   ? -1
                                   : static_cast<int>(mismatch.first - a.begin());
        compareView_->setRuns(baseline_->generatedPieces, baseline_->analyzed.generation.logprobs, outcome.generatedPieces,
                              g.logprobs, divergence);
        centerTabs_->setCurrentIndex(1);
    }
    const double rate = g.decodeSeconds > 0 && g.ids.size() > 1 ? (g.ids.size() - 1) / g.decodeSeconds : 0;
    setBusy(false, tr("%1 tokens, %2 tok/s%3")
                       .arg(g.ids.size())
                       .arg(rate, 0, 'f', 1)
                       .arg(g.cancelled ? tr(" — stopped") : QString()));
    refreshHeatMap();
    emit runCompleted(outcome.rescaled);
}

void MainWindow::onRunFailed(quint64 runId, const QString& message) {
    if (runId != activeRunId_) return;
    setBusy(false, tr("The run failed"));
    QMessageBox::warning(this, tr("The run failed"), message);
}

void MainWindow::showSequence(const RunOutcome& run) {
    QStringList pieces = run.promptPieces;
    pieces << run.generatedPieces;
    sequenceView_->setTokens(pieces);
}

void MainWindow::selectGeneratedToken(int index) {
    if (!baseline_ || index >= static_cast<int>(baseline_->analyzed.generation.ids.size())) return;
    selectedToken_ = index;
    explanation_.reset();
    rows_.reset();
    sequenceView_->setSelectedToken(index < 0 ? -1 : baseline_->promptLength + index);
    sequenceView_->setValues({}, widgets::ColorScale::Magma);
    if (index >= 0) requestRowsForSelection();
    if (index >= 0 && metric_->currentIndex() == kContribution)
        QMetaObject::invokeMethod(worker_, [w = worker_, id = baseline_->id, index] { w->explain(id, index); });
    refreshHeatMap();
    refreshMaps();
}

void MainWindow::selectHead(int layer, int head) {
    selectedLayer_ = layer;
    selectedHead_ = head;
    if (layer >= 0) mapHeads_->setCurrentIndex(0);
    heatMap_->setSelectedHead(layer, head);
    refreshMaps();
}

void MainWindow::requestRowsForSelection() {
    // The row that predicted generated token k sits at sequence position N - 1 + k.
    const int position = baseline_->promptLength - 1 + selectedToken_;
    mapInfo_->setText(tr("Computing the attention of token %1…").arg(selectedToken_));
    QMetaObject::invokeMethod(worker_, [w = worker_, id = baseline_->id, position] { w->computeRows(id, position); });
}

void MainWindow::onRows(const RowsOutcome& outcome) {
    if (!baseline_ || outcome.runId != baseline_->id ||
        outcome.position != baseline_->promptLength - 1 + selectedToken_)
        return;  // a newer selection is on its way
    rows_ = outcome;
    refreshMaps();
}

void MainWindow::onExplain(const ExplainOutcome& outcome) {
    if (!baseline_ || outcome.runId != baseline_->id) return;
    explanation_ = outcome;
    refreshHeatMap();
    if (mapHeads_->currentIndex() == 4) refreshMaps();
}

void MainWindow::onRuleChanged(const FacRule&) {
    importedProfile_.reset();  // the user now steers the heads by the rule
    reclassify();
    refreshHeatMap();
}

void MainWindow::reclassify() {
    if (importedProfile_) {
        classification_.classes = importedProfile_->headClass;
        classification_.totalHeads = importedProfile_->headClass.numel();
        classification_.perceptionCount = std::count(importedProfile_->headClass.data.begin(),
                                                     importedProfile_->headClass.data.end(), int64_t(1));
        classification_.reasoningCount = std::count(importedProfile_->headClass.data.begin(),
                                                    importedProfile_->headClass.data.end(), int64_t(2));
    } else if (baseline_ && !baseline_->analyzed.statistics.visualShare.data.empty()) {
        try {
            classification_ = classifyHeads(baseline_->analyzed.statistics.visualShare, rescalePanel_->rule());
        } catch (const std::exception& e) {
            statusBar()->showMessage(QString::fromStdString(e.what()));
            return;
        }
    } else {
        classification_ = {};
    }
    rescalePanel_->setSelectionSummary(static_cast<int>(classification_.perceptionCount),
                                       static_cast<int>(classification_.reasoningCount),
                                       static_cast<int>(classification_.totalHeads));
}

FloatArray MainWindow::currentGains() const {
    if (importedProfile_) return importedProfile_->gain;
    if (classification_.classes.data.empty()) return {};
    try {
        return classConditionedGains(classification_, rescalePanel_->rule());
    } catch (const std::exception&) {
        return {};  // the panel keeps the rule valid; an empty table means "no rescaling"
    }
}

FloatArray MainWindow::visualShareForSelection() const {
    const HeadStatistics& s = baseline_->analyzed.statistics;
    if (selectedToken_ >= 0 && selectedToken_ < s.generatedVisualShare.dim(0))
        return layerHeadSlice(s.generatedVisualShare, selectedToken_);
    return s.visualShare;
}

void MainWindow::refreshHeatMap() {
    if (!model_ || !baseline_) return;
    const FacRule rule = rescalePanel_->rule();
    switch (metric_->currentIndex()) {
        case kVisualShare:
            heatMap_->setTable(visualShareForSelection(), widgets::HeadHeatMap::Metric::Magnitude,
                               selectedToken_ >= 0 ? tr("S_v of token %1").arg(selectedToken_) : tr("S_v at i*"));
            break;
        case kContribution:
            if (explanation_)
                heatMap_->setTable(explanation_->explanation.gateGradient, widgets::HeadHeatMap::Metric::Signed,
                                   tr("d log p / d gate"));
            break;
        case kClass: {
            FloatArray classes(classification_.classes.shape, {});
            for (int64_t c : classification_.classes.data) classes.data.push_back(static_cast<float>(c));
            heatMap_->setTable(classes, widgets::HeadHeatMap::Metric::Categorical, tr("class"));
            break;
        }
        case kGain: {
            FloatArray gains = currentGains();
            if (!gains.data.empty()) heatMap_->setTable(gains, widgets::HeadHeatMap::Metric::Magnitude, tr("gain"));
            break;
        }
    }
    heatMap_->setClasses(classification_.classes);
    heatMap_->setLayerLimits(static_cast<int>(rule.perceptionMaxLayer), static_cast<int>(rule.reasoningMinLayer));
    heatMap_->setSelectedHead(selectedLayer_, selectedHead_);
}

void MainWindow::refreshMaps() {
    if (!baseline_ || !rows_ || selectedToken_ < 0) {
        imageView_->setMap({});
        return;
    }
    // The maps are plain arithmetic on the rows, but a shape the engine refuses must not take the window down.
    try {
        drawMaps();
    } catch (const std::exception& e) {
        imageView_->setMap({});
        mapInfo_->setText(tr("Cannot draw the maps: %1").arg(QString::fromStdString(e.what())));
    }
}

void MainWindow::drawMaps() {
    const FloatArray& rows = rows_->rows;
    std::vector<HeadRef> heads;
    QString which;
    HeadAggregation aggregation = HeadAggregation::Mean;
    FloatArray weights;
    int choice = mapHeads_->currentIndex();
    if (choice == 0 && selectedLayer_ < 0) choice = classification_.perceptionCount > 0 ? 1 : 3;
    if (choice == 1 && classification_.perceptionCount == 0) choice = 3;
    if (choice == 2 && classification_.reasoningCount == 0) choice = 3;
    if (choice == 4 && !explanation_) choice = 3;  // the contribution map is on its way
    switch (choice) {
        case 0:
            heads.push_back({selectedLayer_, selectedHead_});
            which = tr("layer %1, head %2").arg(selectedLayer_).arg(selectedHead_);
            break;
        case 1:
            heads = headsOfClass(classification_, HeadClass::Perception);
            which = tr("mean of the %1 perception heads").arg(heads.size());
            break;
        case 2:
            heads = headsOfClass(classification_, HeadClass::Reasoning);
            which = tr("mean of the %1 reasoning heads").arg(heads.size());
            break;
        case 4:
            heads = allHeads(rows.shape[0], rows.shape[1]);
            aggregation = HeadAggregation::ContributionWeighted;
            weights = explanation_->explanation.gateGradient;
            which = tr("all heads weighted by |contribution|");
            break;
        default:
            heads = allHeads(rows.shape[0], rows.shape[1]);
            which = tr("mean of all heads");
    }
    const FloatArray row = aggregateRows(rows, heads, aggregation, weights);
    // Token map: this token's attention over every earlier token.
    std::vector<float> values(static_cast<size_t>(sequenceView_->tokenCount()), std::numeric_limits<float>::quiet_NaN());
    for (size_t k = 0; k < row.data.size() && k < values.size(); ++k) values[k] = row.data[k];
    const auto span = imageSpan(*baseline_);
    if (span)  // image tokens are summarised on the image; in the text they would drown the rest
        for (int64_t k = span->begin; k < span->end && k < static_cast<int64_t>(values.size()); ++k)
            values[static_cast<size_t>(k)] = std::numeric_limits<float>::quiet_NaN();
    sequenceView_->setValues(values, widgets::ColorScale::Magma);
    double share = 0;
    if (span && baseline_->grid.h > 0 && !imageView_->image().isNull()) {
        const FloatArray grid = imageGridMap(row, *span, baseline_->grid, baseline_->mergeSize);
        imageView_->setMap(mapToPixels(grid, imageView_->image().width(), imageView_->image().height()));
        for (float v : grid.data) share += v;
    }
    const QString token = baseline_->generatedPieces.value(selectedToken_).toHtmlEscaped();
    mapInfo_->setText(tr("Token %1 “%2”: attention of %3 — %4% on the image")
                          .arg(selectedToken_)
                          .arg(token)
                          .arg(which)
                          .arg(share * 100, 0, 'f', 1));
    emit mapsUpdated();
}

}  // namespace headscope::gui
