#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

#include "compare_view.h"
#include "headscope/platform.h"
#include "head_heat_map.h"
#include "image_overlay_view.h"
#include "model_worker.h"
#include "rescale_panel.h"
#include "token_view.h"

namespace headscope::gui {

namespace {
constexpr int kMaxRecent = 8;
constexpr int kDisplayEdge = 1280;  // the overlay is drawn at most this large: its cost stays bounded
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    registerWorkerTypes();
    setWindowTitle(tr("HeadScope"));
    worker_ = new ModelWorker;
    worker_->moveToThread(&workerThread_);
    connect(&workerThread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &ModelWorker::loadProgress, this, [this](double fraction, const QString& stage) {
        progress_->setValue(static_cast<int>(fraction * 100));
        statusBar()->showMessage(tr("Loading model: %1").arg(stage));
    });
    connect(worker_, &ModelWorker::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(worker_, &ModelWorker::loadFailed, this, &MainWindow::onLoadFailed);
    connect(worker_, &ModelWorker::tokenGenerated, this, &MainWindow::onToken);
    connect(worker_, &ModelWorker::runFinished, this, &MainWindow::onRunFinished);
    connect(worker_, &ModelWorker::runFailed, this, &MainWindow::onRunFailed);
    connect(worker_, &ModelWorker::rowsReady, this, &MainWindow::onRows);
    connect(worker_, &ModelWorker::explainReady, this, &MainWindow::onExplain);
    connect(worker_, &ModelWorker::analysisFailed, this,
            [this](const QString& message) { statusBar()->showMessage(tr("Analysis failed: %1").arg(message)); });
    workerThread_.start();

    buildLayout();
    buildEvalDock();
    buildActions();
    readSettings();
    updateActions();
}

MainWindow::~MainWindow() {
    worker_->cancelCurrent();
    workerThread_.quit();
    workerThread_.wait();
}

void MainWindow::buildLayout() {
    // Left: image and prompt.
    imageView_ = new widgets::ImageOverlayView;
    imageView_->setObjectName("imageView");
    imageView_->setPlaceholderText(tr("Drop an image here, or use File > Open Image"));
    connect(imageView_, &widgets::ImageOverlayView::imageDropped, this, [this](const QString& path) { openImage(path); });
    imageInfo_ = new QLabel;
    imageInfo_->setWordWrap(true);
    imageInfo_->setObjectName("imageInfo");
    opacity_ = new QSlider(Qt::Horizontal);
    opacity_->setObjectName("opacitySlider");
    opacity_->setRange(0, 100);
    opacity_->setValue(55);
    opacity_->setToolTip(tr("Opacity of the attention map over the image"));
    opacity_->setMinimumWidth(120);
    connect(opacity_, &QSlider::valueChanged, this, [this](int v) { imageView_->setOpacity(v / 100.0); });
    auto* imageBox = new QWidget;
    auto* imageLayout = new QVBoxLayout(imageBox);
    imageLayout->setContentsMargins(0, 0, 0, 0);
    imageLayout->addWidget(imageView_, 1);
    auto* opacityRow = new QHBoxLayout;
    opacityRow->addWidget(imageInfo_, 1);
    opacityRow->addWidget(new QLabel(tr("Map opacity")));
    opacityRow->addWidget(opacity_);
    imageLayout->addLayout(opacityRow);

    prompt_ = new QPlainTextEdit;
    prompt_->setObjectName("promptEdit");
    prompt_->setPlaceholderText(tr("Ask about the image…"));
    generateButton_ = new QPushButton(tr("Generate"));
    generateButton_->setObjectName("generateButton");
    generateButton_->setToolTip(tr("Run the model on the image and prompt (Ctrl+Return)"));
    stopButton_ = new QPushButton(tr("Stop"));
    stopButton_->setObjectName("stopButton");
    stopButton_->setToolTip(tr("Stop the running generation (Esc)"));
    connect(generateButton_, &QPushButton::clicked, this, &MainWindow::generate);
    connect(stopButton_, &QPushButton::clicked, this, &MainWindow::stop);
    auto* promptBox = new QWidget;
    auto* promptLayout = new QVBoxLayout(promptBox);
    promptLayout->setContentsMargins(0, 0, 0, 0);
    promptLayout->addWidget(new QLabel(tr("Prompt")));
    promptLayout->addWidget(prompt_, 1);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(stopButton_);
    buttons->addWidget(generateButton_);
    promptLayout->addLayout(buttons);
    leftSplitter_ = new QSplitter(Qt::Vertical);
    leftSplitter_->setObjectName("leftSplitter");
    leftSplitter_->addWidget(imageBox);
    leftSplitter_->addWidget(promptBox);
    leftSplitter_->setStretchFactor(0, 3);
    leftSplitter_->setStretchFactor(1, 1);

    // Middle: the sequence (prompt and chain of thought) and the comparison.
    sequenceView_ = new widgets::TokenView;
    sequenceView_->setObjectName("sequenceView");
    connect(sequenceView_, &widgets::TokenView::tokenClicked, this, [this](int index) {
        if (!baseline_) return;
        selectGeneratedToken(index >= baseline_->promptLength ? index - baseline_->promptLength : -1);
    });
    mapInfo_ = new QLabel(tr("Click a generated token to see where it looked."));
    mapInfo_->setObjectName("mapInfo");
    mapInfo_->setWordWrap(true);
    mapHeads_ = new QComboBox;
    mapHeads_->setObjectName("mapHeadsBox");
    mapHeads_->addItem(tr("Selected head"));
    mapHeads_->addItem(tr("Perception heads (mean)"));
    mapHeads_->addItem(tr("Reasoning heads (mean)"));
    mapHeads_->addItem(tr("All heads (mean)"));
    mapHeads_->addItem(tr("All heads (weighted by |contribution|)"));
    mapHeads_->setToolTip(tr("Whose attention the image and token maps show"));
    connect(mapHeads_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int index) {
        if (index == 4 && baseline_ && selectedToken_ >= 0 && !explanation_)
            QMetaObject::invokeMethod(worker_, [w = worker_, id = baseline_->id, k = selectedToken_] { w->explain(id, k); });
        refreshMaps();
    });
    auto* reasoningBox = new QWidget;
    auto* reasoningLayout = new QVBoxLayout(reasoningBox);
    reasoningLayout->addWidget(sequenceView_, 1);
    auto* mapRow = new QHBoxLayout;
    mapRow->addWidget(new QLabel(tr("Maps of")));
    mapRow->addWidget(mapHeads_);
    mapRow->addStretch(1);
    reasoningLayout->addLayout(mapRow);
    reasoningLayout->addWidget(mapInfo_);
    compareView_ = new widgets::CompareView;
    compareView_->setObjectName("compareView");
    centerTabs_ = new QTabWidget;
    centerTabs_->setObjectName("centerTabs");
    centerTabs_->addTab(reasoningBox, tr("Reasoning"));
    centerTabs_->addTab(compareView_, tr("Compare"));

    // Right: heads.
    heatMap_ = new widgets::HeadHeatMap;
    heatMap_->setObjectName("heatMap");
    metric_ = new QComboBox;
    metric_->setObjectName("metricBox");
    metric_->addItem(tr("Visual share S_v"));
    metric_->addItem(tr("Contribution d log p / d gate"));
    metric_->addItem(tr("Class"));
    metric_->addItem(tr("Gain"));
    connect(metric_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int) {
        if (metric_->currentIndex() == 1 && baseline_ && !explanation_) {
            QMetaObject::invokeMethod(worker_, [w = worker_, id = baseline_->id, k = std::max(0, selectedToken_)] {
                w->explain(id, k);
            });
        }
        refreshHeatMap();
    });
    hoverInfo_ = new QLabel;
    hoverInfo_->setObjectName("hoverInfo");
    connect(heatMap_, &widgets::HeadHeatMap::cellHovered, this, [this](int l, int h, double v) {
        hoverInfo_->setText(tr("layer %1, head %2: %3").arg(l).arg(h).arg(v, 0, 'g', 4));
    });
    connect(heatMap_, &widgets::HeadHeatMap::hoverLeft, hoverInfo_, &QLabel::clear);
    connect(heatMap_, &widgets::HeadHeatMap::headClicked, this, &MainWindow::selectHead);
    auto* heatBox = new QWidget;
    auto* heatLayout = new QVBoxLayout(heatBox);
    heatLayout->setContentsMargins(0, 0, 0, 0);
    auto* metricRow = new QHBoxLayout;
    metricRow->addWidget(new QLabel(tr("Heads")));
    metricRow->addWidget(metric_, 1);
    heatLayout->addLayout(metricRow);
    heatLayout->addWidget(heatMap_, 1);
    heatLayout->addWidget(hoverInfo_);
    rescalePanel_ = new widgets::RescalePanel;
    rescalePanel_->setObjectName("rescalePanel");
    connect(rescalePanel_, &widgets::RescalePanel::ruleChanged, this, &MainWindow::onRuleChanged);
    connect(rescalePanel_, &widgets::RescalePanel::applyRequested, this, &MainWindow::applyRescale);
    rightSplitter_ = new QSplitter(Qt::Vertical);
    rightSplitter_->setObjectName("rightSplitter");
    rightSplitter_->addWidget(heatBox);
    rightSplitter_->addWidget(rescalePanel_);
    rightSplitter_->setStretchFactor(0, 1);
    rightSplitter_->setStretchFactor(1, 0);

    mainSplitter_ = new QSplitter(Qt::Horizontal);
    mainSplitter_->setObjectName("mainSplitter");
    mainSplitter_->addWidget(leftSplitter_);
    mainSplitter_->addWidget(centerTabs_);
    mainSplitter_->addWidget(rightSplitter_);
    mainSplitter_->setStretchFactor(0, 3);
    mainSplitter_->setStretchFactor(1, 3);
    mainSplitter_->setStretchFactor(2, 2);
    setCentralWidget(mainSplitter_);

    modelInfo_ = new QLabel(tr("No model loaded"));
    modelInfo_->setObjectName("modelInfo");
    progress_ = new QProgressBar;
    progress_->setObjectName("progressBar");
    progress_->setMaximumWidth(200);
    progress_->setRange(0, 100);
    progress_->hide();
    statusBar()->addPermanentWidget(modelInfo_);
    statusBar()->addPermanentWidget(progress_);
}

void MainWindow::buildActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* openModelAction = file->addAction(tr("Open &Model Folder…"), this, &MainWindow::chooseModelFolder);
    openModelAction->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
    recentModelsMenu_ = file->addMenu(tr("Recent Models"));
    QAction* openImageAction = file->addAction(tr("Open &Image…"), this, &MainWindow::chooseImage);
    openImageAction->setShortcut(QKeySequence::Open);
    QAction* pasteAction = file->addAction(tr("&Paste Image"), this, &MainWindow::pasteImage);
    pasteAction->setShortcut(QKeySequence(tr("Ctrl+Shift+V")));
    recentImagesMenu_ = file->addMenu(tr("Recent Images"));
    file->addSeparator();
    QAction* openEvalAction = file->addAction(tr("Open E&valuation Results…"), this, &MainWindow::openEvalRunDialog);
    openEvalAction->setShortcut(QKeySequence(tr("Ctrl+Shift+E")));
    QAction* importAction = file->addAction(tr("Import Head &Profile…"), this, &MainWindow::importProfileDialog);
    importAction->setShortcut(QKeySequence(tr("Ctrl+Shift+I")));
    exportProfileAction_ = file->addAction(tr("&Export Head Profile…"), this, &MainWindow::exportProfileDialog);
    exportProfileAction_->setShortcut(QKeySequence::Save);
    file->addAction(tr("Export Heat Map (PNG/SVG)…"), this, &MainWindow::exportHeatMapDialog);
    file->addAction(tr("Export Image Overlay (PNG)…"), this, &MainWindow::exportOverlayDialog);
    file->addAction(tr("Export Head Table (CSV)…"), this, &MainWindow::exportTableDialog);
    file->addAction(tr("Export Log-probability Plot (PNG/SVG)…"), this, &MainWindow::exportComparePlotDialog);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    generateAction_ = run->addAction(tr("&Generate"), this, &MainWindow::generate);
    generateAction_->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    stopAction_ = run->addAction(tr("&Stop"), this, &MainWindow::stop);
    stopAction_->setShortcut(QKeySequence(Qt::Key_Escape));
    applyAction_ = run->addAction(tr("&Apply Rescaling"), this, &MainWindow::applyRescale);
    applyAction_->setShortcut(QKeySequence(tr("Ctrl+R")));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About HeadScope"), this, [this] {
        QMessageBox::about(this, tr("About HeadScope"),
                           tr("<b>HeadScope %1</b><p>Finds the attention heads that look at the image and the "
                              "ones that carry the reasoning, and rescales them live (Functional Attention "
                              "Control, arXiv 2510.10285).</p>")
                                   .arg(QStringLiteral(HEADSCOPE_VERSION_TEXT)) +
                               QStringLiteral("<pre>%1</pre>")
                                   .arg(QString::fromStdString(describePlatform(platformReport())).toHtmlEscaped()));
    });

    device_ = new QComboBox;
    device_->setObjectName("deviceBox");
    device_->addItem(tr("auto"), "auto");
    device_->addItem(tr("CPU"), "cpu");
    device_->addItem(tr("CUDA"), "cuda");
    device_->setToolTip(tr("Device of the next model load (auto: CUDA when present)"));
    dtype_ = new QComboBox;
    dtype_->setObjectName("dtypeBox");
    dtype_->addItem(tr("auto"), "auto");
    dtype_->addItem("fp32", "fp32");
    dtype_->addItem("bf16", "bf16");
    dtype_->addItem("fp16", "fp16");
    dtype_->setToolTip(tr("Precision of the next model load (auto: bf16 on CUDA, fp32 on CPU)"));

    QToolBar* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName("mainToolbar");
    toolbar->addWidget(new QLabel(tr(" Device ")));
    toolbar->addWidget(device_);
    toolbar->addWidget(new QLabel(tr(" Precision ")));
    toolbar->addWidget(dtype_);
    toolbar->addAction(openModelAction);
    toolbar->addAction(openImageAction);
    toolbar->addSeparator();
    toolbar->addAction(generateAction_);
    toolbar->addAction(stopAction_);
    toolbar->addAction(applyAction_);
    toolbar->addSeparator();
    toolbar->addAction(exportProfileAction_);
}

void MainWindow::readSettings() {
    QSettings settings;
    if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1280, 800);
    restoreState(settings.value("window/state").toByteArray());
    mainSplitter_->restoreState(settings.value("window/mainSplitter").toByteArray());
    leftSplitter_->restoreState(settings.value("window/leftSplitter").toByteArray());
    rightSplitter_->restoreState(settings.value("window/rightSplitter").toByteArray());
    opacity_->setValue(settings.value("view/opacity", 55).toInt());
    device_->setCurrentIndex(std::max(0, device_->findData(settings.value("model/device", "auto"))));
    dtype_->setCurrentIndex(std::max(0, dtype_->findData(settings.value("model/dtype", "auto"))));
    prompt_->setPlainText(settings.value("input/prompt").toString());
    FacRule rule;
    rule.perceptionMaxLayer = settings.value("rule/l_perc", static_cast<qlonglong>(rule.perceptionMaxLayer)).toLongLong();
    rule.reasoningMinLayer = settings.value("rule/l_reas", static_cast<qlonglong>(rule.reasoningMinLayer)).toLongLong();
    rule.perceptionMinShare = settings.value("rule/tau_perc", rule.perceptionMinShare).toDouble();
    rule.reasoningMaxShare = settings.value("rule/tau_reas", rule.reasoningMaxShare).toDouble();
    rule.perceptionGain = settings.value("rule/g_perc", rule.perceptionGain).toDouble();
    rule.reasoningGain = settings.value("rule/g_reas", rule.reasoningGain).toDouble();
    rule.enhancePerception = settings.value("rule/enhance_perception", rule.enhancePerception).toBool();
    rule.enhanceReasoning = settings.value("rule/enhance_reasoning", rule.enhanceReasoning).toBool();
    rule.attenuateOthers = settings.value("rule/attenuate_others", rule.attenuateOthers).toBool();
    rule.otherGain = settings.value("rule/g_other", rule.otherGain).toDouble();
    rescalePanel_->setRule(rule);
    rebuildRecentMenus();
}

void MainWindow::writeSettings() {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    settings.setValue("window/mainSplitter", mainSplitter_->saveState());
    settings.setValue("window/leftSplitter", leftSplitter_->saveState());
    settings.setValue("window/rightSplitter", rightSplitter_->saveState());
    settings.setValue("view/opacity", opacity_->value());
    settings.setValue("model/device", device_->currentData());
    settings.setValue("model/dtype", dtype_->currentData());
    settings.setValue("input/prompt", prompt_->toPlainText());
    const FacRule rule = rescalePanel_->rule();
    settings.setValue("rule/l_perc", static_cast<qlonglong>(rule.perceptionMaxLayer));
    settings.setValue("rule/l_reas", static_cast<qlonglong>(rule.reasoningMinLayer));
    settings.setValue("rule/tau_perc", rule.perceptionMinShare);
    settings.setValue("rule/tau_reas", rule.reasoningMaxShare);
    settings.setValue("rule/g_perc", rule.perceptionGain);
    settings.setValue("rule/g_reas", rule.reasoningGain);
    settings.setValue("rule/enhance_perception", rule.enhancePerception);
    settings.setValue("rule/enhance_reasoning", rule.enhanceReasoning);
    settings.setValue("rule/attenuate_others", rule.attenuateOthers);
    settings.setValue("rule/g_other", rule.otherGain);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    writeSettings();
    worker_->cancelCurrent();
    event->accept();
}

void MainWindow::addRecent(const QString& key, const QString& path) {
    QSettings settings;
    QStringList list = settings.value(key).toStringList();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent) list.removeLast();
    settings.setValue(key, list);
    rebuildRecentMenus();
}

void MainWindow::rebuildRecentMenus() {
    QSettings settings;
    auto fill = [](QMenu* menu, const QStringList& paths, const std::function<void(const QString&)>& open) {
        menu->clear();
        for (const QString& path : paths) menu->addAction(path, [open, path] { open(path); });
        menu->setEnabled(!paths.isEmpty());
    };
    fill(recentModelsMenu_, settings.value("recent/models").toStringList(), [this](const QString& p) { openModel(p); });
    fill(recentImagesMenu_, settings.value("recent/images").toStringList(), [this](const QString& p) { openImage(p); });
}

void MainWindow::setBusy(bool busy, const QString& status) {
    busy_ = busy;
    progress_->setVisible(busy);
    if (busy) progress_->setRange(0, 0);
    statusBar()->showMessage(status);
    updateActions();
    emit busyChanged(busy);
}

void MainWindow::updateActions() {
    // Generate stays offered during a run: the newest request replaces the run in progress.
    const bool ready = model_.has_value() && !loading_;
    generateAction_->setEnabled(ready);
    generateButton_->setEnabled(ready);
    stopAction_->setEnabled(busy_);
    stopButton_->setEnabled(busy_);
    applyAction_->setEnabled(ready && baseline_.has_value());
    rescalePanel_->setApplyEnabled(ready && baseline_.has_value());
    exportProfileAction_->setEnabled(baseline_.has_value());
}

void MainWindow::chooseModelFolder() {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open a Hugging Face model folder"),
                                                             QSettings().value("recent/models").toStringList().value(0));
    if (!folder.isEmpty()) openModel(folder);
}

void MainWindow::openModel(const QString& folder) {
    // A run still going ends as the load begins; its late result belongs to no one.
    activeRunId_ = 0;
    loading_ = true;
    setBusy(true, tr("Loading %1…").arg(folder));
    progress_->setRange(0, 100);
    progress_->setValue(0);
    worker_->cancelCurrent();
    LoadOptions options;
    parseDeviceChoice(device_->currentData().toString().toStdString(), &options.device);
    parseDTypeChoice(dtype_->currentData().toString().toStdString(), &options.dtype);
    QMetaObject::invokeMethod(worker_, [w = worker_, folder, options] { w->loadModel(folder, options); });
}

void MainWindow::chooseImage() {
    QStringList patterns;
    for (const QByteArray& format : QImageReader::supportedImageFormats()) patterns << "*." + QString::fromLatin1(format);
    const QString path = QFileDialog::getOpenFileName(this, tr("Open an image"), QString(),
                                                      tr("Images (%1)").arg(patterns.join(' ')));
    if (!path.isEmpty()) openImage(path);
}

bool MainWindow::openImage(const QString& path) {
    // Decoded by the engine (EXIF orientation, alpha on white), exactly as the model will see it.
    try {
        const RgbImage decoded = loadImageFile(path.toStdString());
        setImage(widgets::toQImage(decoded), QFileInfo(path).fileName());
        addRecent("recent/images", path);
        return true;
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot open image"), QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::pasteImage() {
    const QImage image = QApplication::clipboard()->image();
    if (image.isNull()) {
        statusBar()->showMessage(tr("The clipboard holds no image."));
        return;
    }
    setImage(image, tr("pasted image"));
}

void MainWindow::setImage(const QImage& image, const QString& name) {
    image_ = image.convertToFormat(QImage::Format_RGB888);
    imageName_ = name;
    const QImage shown = std::max(image_.width(), image_.height()) > kDisplayEdge
                             ? image_.scaled(kDisplayEdge, kDisplayEdge, Qt::KeepAspectRatio, Qt::SmoothTransformation)
                             : image_;
    imageView_->setImage(shown);
    QString info = tr("%1 — %2 x %3 px").arg(name).arg(image_.width()).arg(image_.height());
    if (model_) {
        try {
            const ImageInputShape shape = imageInputShape(model_->config, model_->imageConfig, model_->clipConfig,
                                                          image_.width(), image_.height());
            info += tr(", seen as %1 x %2 px = %3 x %4 image tokens")
                        .arg(shape.width)
                        .arg(shape.height)
                        .arg(shape.gridWidth)
                        .arg(shape.gridHeight);
        } catch (const std::exception& e) {
            info += " — " + QString::fromStdString(e.what());
        }
    }
    imageInfo_->setText(info);
}

void MainWindow::setPrompt(const QString& prompt) { prompt_->setPlainText(prompt); }

}  // namespace headscope::gui
