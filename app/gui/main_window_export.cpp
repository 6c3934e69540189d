// Exports and imports of the main window: head profiles, plots, overlays and tables.
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSaveFile>
#include <QStatusBar>
#include <QTextStream>

#include "compare_view.h"
#include "head_heat_map.h"
#include "headscope/version.h"
#include "image_overlay_view.h"
#include "main_window.h"
#include "rescale_panel.h"

namespace headscope::gui {

bool MainWindow::exportProfile(const QString& base) {
    if (!baseline_ || !model_) return false;
    HeadProfile profile;
    profile.name = QFileInfo(base).completeBaseName().toStdString();
    profile.model.name = model_->name.toStdString();
    profile.model.layers = model_->layers;
    profile.model.heads = model_->heads;
    profile.model.modelType = model_->modelType.toStdString();
    profile.model.configHash = model_->configHash.toStdString();
    profile.rule = rescalePanel_->rule();
    profile.prompt = baselinePrompt_.toStdString();
    profile.image = imageName_.toStdString();
    profile.appVersion = headscopeVersion();
    profile.decoding.maxNewTokens = 256;
    profile.visualShare = baseline_->analyzed.statistics.visualShare;
    profile.contribution = explanation_ ? explanation_->explanation.gateGradient
                                        : FloatArray(profile.visualShare.shape,
                                                     std::vector<float>(profile.visualShare.data.size(), 0.0f));
    profile.headClass = classification_.classes;
    profile.gain = currentGains();
    try {
        saveProfile(base.toStdString(), profile);
        statusBar()->showMessage(tr("Saved head profile %1").arg(base));
        return true;
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot save the profile"), QString::fromStdString(e.what()));
        return false;
    }
}

bool MainWindow::importProfile(const QString& path) {
    try {
        HeadProfile profile = loadProfile(path.toStdString());
        if (model_ && (profile.model.layers != model_->layers || profile.model.heads != model_->heads))
            throw std::runtime_error(tr("profile '%1' was made for a model with %2 layers x %3 heads; the loaded model "
                                        "'%4' has %5 x %6")
                                         .arg(QString::fromStdString(profile.name))
                                         .arg(profile.model.layers)
                                         .arg(profile.model.heads)
                                         .arg(model_->name)
                                         .arg(model_->layers)
                                         .arg(model_->heads)
                                         .toStdString());
        rescalePanel_->setRule(profile.rule);
        importedProfile_ = std::move(profile);
        reclassify();
        refreshHeatMap();
        updateActions();
        statusBar()->showMessage(tr("Using the heads and gains of profile %1").arg(path));
        return true;
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot use the profile"), QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::exportProfileDialog() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export head profile"), QString(),
                                                      tr("Head profiles (*.json)"));
    if (!path.isEmpty()) exportProfile(path);
}

void MainWindow::importProfileDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Import head profile"), QString(),
                                                      tr("Head profiles (*.json *.safetensors)"));
    if (!path.isEmpty()) importProfile(path);
}

void MainWindow::exportHeatMapDialog() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export heat map"), QString(),
                                                      tr("PNG image (*.png);;SVG drawing (*.svg)"));
    if (path.isEmpty()) return;
    const bool ok = path.endsWith(".svg", Qt::CaseInsensitive) ? heatMap_->saveSvg(path) : heatMap_->savePng(path);
    if (!ok) QMessageBox::warning(this, tr("Export failed"), tr("Cannot write %1").arg(path));
}

void MainWindow::exportOverlayDialog() {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export image overlay"), QString(), tr("PNG image (*.png)"));
    if (path.isEmpty()) return;
    if (!imageView_->composed().save(path, "PNG"))
        QMessageBox::warning(this, tr("Export failed"), tr("Cannot write %1").arg(path));
}

void MainWindow::exportTableDialog() {
    if (!baseline_) return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export head table"), QString(), tr("CSV (*.csv)"));
    if (path.isEmpty()) return;
    QSaveFile file(path);  // written to a temporary file and renamed: no half-written table
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        QMessageBox::warning(this, tr("Export failed"), file.errorString());
        return;
    }
    QTextStream out(&file);
    out << "layer,head,visual_share,class,gain,contribution\n";
    const FloatArray& sv = baseline_->analyzed.statistics.visualShare;
    const FloatArray gains = currentGains();
    for (int64_t l = 0; l < sv.shape[0]; ++l)
        for (int64_t h = 0; h < sv.shape[1]; ++h) {
            const auto c = static_cast<size_t>(l * sv.shape[1] + h);
            out << l << ',' << h << ',' << sv.data[c] << ','
                << (classification_.classes.data.empty() ? 0 : classification_.classes.data[c]) << ','
                << (gains.data.empty() ? 1.0f : gains.data[c]) << ','
                << (explanation_ ? QString::number(explanation_->explanation.gateGradient.data[c]) : QString()) << '\n';
        }
    if (!file.commit()) QMessageBox::warning(this, tr("Export failed"), file.errorString());
}

void MainWindow::exportComparePlotDialog() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export log-probability plot"), QString(),
                                                      tr("PNG image (*.png);;SVG drawing (*.svg)"));
    if (path.isEmpty()) return;
    const bool ok = path.endsWith(".svg", Qt::CaseInsensitive) ? compareView_->savePlotSvg(path)
                                                               : compareView_->savePlotPng(path);
    if (!ok) QMessageBox::warning(this, tr("Export failed"), tr("Cannot write %1").arg(path));
}

}  // namespace headscope::gui
