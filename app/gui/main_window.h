// The HeadScope window: model, image and prompt on the left; the streamed chain of thought and the A/B
// comparison in the middle; the layers x heads heat map and the rescale panel on the right. The model
// lives on a worker thread (ModelWorker); this class only sends requests and draws results.
#pragma once
#include <QImage>
#include <QMainWindow>
#include <QThread>

#include <optional>

#include "headscope/head_classes.h"
#include "headscope/profile.h"
#include "worker_types.h"

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSlider;
class QSplitter;
class QTabWidget;

namespace headscope::widgets {
class CompareView;
class EvalCaseBrowser;
class HeadHeatMap;
class ImageOverlayView;
class RescalePanel;
class TokenView;
}  // namespace headscope::widgets

namespace headscope::gui {

class ModelWorker;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // The user's actions, also used by scripted runs and tests.
    void openModel(const QString& folder);
    bool openImage(const QString& path);
    void setImage(const QImage& image, const QString& name);
    void setPrompt(const QString& prompt);
    void generate();
    void stop();
    void applyRescale();
    void selectGeneratedToken(int index);  // -1 clears
    void selectHead(int layer, int head);  // -1, -1 clears
    bool exportProfile(const QString& base);
    bool importProfile(const QString& path);
    // An `headscope-cli eval` run folder (run.json + results.jsonl): its questions in the Evaluation dock,
    // each loaded into the window (image and prompt, then generated when a model is ready) when chosen.
    bool openEvalRun(const QString& folder);

    bool isBusy() const { return busy_; }
    bool hasModel() const { return model_.has_value(); }
    const std::optional<ModelSummary>& model() const { return model_; }
    const std::optional<RunOutcome>& baselineRun() const { return baseline_; }
    const std::optional<RunOutcome>& rescaledRun() const { return rescaled_; }
    const HeadClassification& classification() const { return classification_; }
    FloatArray currentGains() const;
    int selectedGeneratedToken() const { return selectedToken_; }

    widgets::HeadHeatMap* heatMap() const { return heatMap_; }
    widgets::ImageOverlayView* imageView() const { return imageView_; }
    widgets::TokenView* sequenceView() const { return sequenceView_; }
    widgets::RescalePanel* rescalePanel() const { return rescalePanel_; }
    widgets::CompareView* compareView() const { return compareView_; }
    widgets::EvalCaseBrowser* evalBrowser() const { return evalBrowser_; }
    QString imageName() const { return imageName_; }
    QString promptText() const;

signals:
    void modelReady();
    void modelLoadFailed(const QString& message);
    void tokenStreamed(const QString& piece);
    void runCompleted(bool rescaled);
    void mapsUpdated();
    void busyChanged(bool busy);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    // Building the window (main_window.cpp).
    void buildLayout();
    void buildActions();
    void readSettings();
    void writeSettings();
    void addRecent(const QString& key, const QString& path);
    void rebuildRecentMenus();
    void setBusy(bool busy, const QString& status);
    void updateActions();
    void chooseModelFolder();
    void chooseImage();
    void pasteImage();

    // Runs, heat map and maps (main_window_runs.cpp).
    void startRun(bool rescaled);
    void onModelLoaded(const ModelSummary& summary);
    void onLoadFailed(const QString& message);
    void onToken(quint64 runId, const QString& piece);
    void onRunFinished(const RunOutcome& outcome);
    void onRunFailed(quint64 runId, const QString& message);
    void onRows(const RowsOutcome& outcome);
    void onExplain(const ExplainOutcome& outcome);
    void onRuleChanged(const FacRule& rule);
    void reclassify();
    void refreshHeatMap();
    void refreshMaps();
    void drawMaps();
    void showSequence(const RunOutcome& run);
    void requestRowsForSelection();
    FloatArray visualShareForSelection() const;

    // Evaluation runs (main_window_eval.cpp).
    void buildEvalDock();
    void openEvalRunDialog();
    void loadEvalCase(const QString& imagePath, const QString& prompt);

    // Exports (main_window_export.cpp).
    void exportProfileDialog();
    void importProfileDialog();
    void exportHeatMapDialog();
    void exportOverlayDialog();
    void exportTableDialog();
    void exportComparePlotDialog();

    QThread workerThread_;
    ModelWorker* worker_ = nullptr;
    std::optional<ModelSummary> model_;
    QImage image_;
    QString imageName_;
    QImage baselineImage_;    // the input of the baseline run: a rescaled run repeats exactly this
    QString baselinePrompt_;
    bool busy_ = false;
    bool loading_ = false;  // a model is loading: no run can start until it is ready
    quint64 nextRunId_ = 1;
    quint64 activeRunId_ = 0;
    std::optional<RunOutcome> baseline_;
    std::optional<RunOutcome> rescaled_;
    HeadClassification classification_;
    std::optional<HeadProfile> importedProfile_;  // its gains replace the rule's until the rule changes
    int selectedToken_ = -1;
    int selectedLayer_ = -1;
    int selectedHead_ = -1;
    std::optional<RowsOutcome> rows_;
    std::optional<ExplainOutcome> explanation_;

    widgets::ImageOverlayView* imageView_ = nullptr;
    QLabel* imageInfo_ = nullptr;
    QSlider* opacity_ = nullptr;
    QPlainTextEdit* prompt_ = nullptr;
    QPushButton* generateButton_ = nullptr;
    QPushButton* stopButton_ = nullptr;
    QTabWidget* centerTabs_ = nullptr;
    widgets::TokenView* sequenceView_ = nullptr;
    QLabel* mapInfo_ = nullptr;
    widgets::CompareView* compareView_ = nullptr;
    widgets::HeadHeatMap* heatMap_ = nullptr;
    QComboBox* metric_ = nullptr;
    QComboBox* mapHeads_ = nullptr;  // which heads the image and token maps show
    QComboBox* device_ = nullptr;
    QComboBox* dtype_ = nullptr;
    QLabel* hoverInfo_ = nullptr;
    widgets::RescalePanel* rescalePanel_ = nullptr;
    QDockWidget* evalDock_ = nullptr;
    widgets::EvalCaseBrowser* evalBrowser_ = nullptr;
    QSplitter* mainSplitter_ = nullptr;
    QSplitter* leftSplitter_ = nullptr;
    QSplitter* rightSplitter_ = nullptr;
    QLabel* modelInfo_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QMenu* recentModelsMenu_ = nullptr;
    QMenu* recentImagesMenu_ = nullptr;
    QAction* generateAction_ = nullptr;
    QAction* stopAction_ = nullptr;
    QAction* applyAction_ = nullptr;
    QAction* exportProfileAction_ = nullptr;
};

}  // namespace headscope::gui
