// The Evaluation dock: an `headscope-cli eval` run's questions, stepped through one by one; each is loaded into
// the window (its image and prompt, then a run when a model is ready) for inspection with the maps.
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QStatusBar>

#include <map>

#include "eval_case_browser.h"
#include "headscope/eval_dataset.h"
#include "headscope/eval_records.h"
#include "main_window.h"

namespace headscope::gui {

namespace {

// The run's settings, or an error message naming the file.
QJsonObject readRunJson(const QString& folder, QString* error) {
    QFile file(QDir(folder).filePath("run.json"));
    if (!file.open(QIODevice::ReadOnly)) {
        *error = MainWindow::tr("%1: no run.json here; choose the --out folder of headscope-cli eval").arg(folder);
        return {};
    }
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
    if (!doc.isObject()) *error = MainWindow::tr("%1: damaged run settings (%2)").arg(file.fileName(), parse.errorString());
    return doc.object();
}

}  // namespace

void MainWindow::buildEvalDock() {
    evalBrowser_ = new widgets::EvalCaseBrowser(this);
    evalDock_ = new QDockWidget(tr("Evaluation"), this);
    evalDock_->setObjectName("evalDock");
    evalDock_->setWidget(evalBrowser_);
    addDockWidget(Qt::BottomDockWidgetArea, evalDock_);
    evalDock_->hide();
    connect(evalBrowser_, &widgets::EvalCaseBrowser::caseActivated, this, &MainWindow::loadEvalCase);
}

void MainWindow::openEvalRunDialog() {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open Evaluation Results"));
    if (!folder.isEmpty()) openEvalRun(folder);
}

bool MainWindow::openEvalRun(const QString& folder) {
    QString error;
    const QJsonObject run = readRunJson(folder, &error);
    if (error.isEmpty() && run.value("command").toString() == "sweep")
        error = tr("%1 holds a sweep; open the folder of an eval run").arg(folder);
    const QString results = QDir(folder).filePath("results.jsonl");
    if (error.isEmpty() && !QFileInfo::exists(results))
        error = run.value("shards").toInt(1) > 1 ? tr("%1: merge the shards first (headscope-cli eval-merge)").arg(folder)
                                                 : tr("%1: no results.jsonl yet").arg(folder);
    QStringList modes;
    for (const QJsonValue& mode : run.value("modes").toArray()) modes << mode.toString();
    if (error.isEmpty() && modes.isEmpty()) error = tr("%1: run.json names no modes").arg(folder);
    std::vector<widgets::EvalCaseView> cases;
    if (error.isEmpty()) {
        try {
            const EvalDataset dataset = readEvalDataset(run.value("data").toString().toStdString());
            std::map<int64_t, widgets::EvalCaseView> byQuestion;
            for (const EvalRecord& r : readEvalRecords(results.toStdString()).records) {
                const int slot = modes.indexOf(QString::fromStdString(r.mode));
                if (slot < 0 || slot > 1) continue;
                widgets::EvalCaseView& c = byQuestion[r.index];
                c.id = QString::fromStdString(r.id);
                c.prompt = QString::fromStdString(r.prompt);
                c.reference = QString::fromStdString(r.reference);
                c.imagePath = QString::fromStdString(resolveDatasetPath(dataset, r.image));
                (slot == 0 ? c.firstAnswer : c.secondAnswer) = QString::fromStdString(r.extracted);
                (slot == 0 ? c.firstCorrect : c.secondCorrect) = r.correct;
                (slot == 0 ? c.firstText : c.secondText) = QString::fromStdString(r.generated);
            }
            for (auto& [index, c] : byQuestion) cases.push_back(std::move(c));
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
    }
    if (!error.isEmpty()) {
        QMessageBox::warning(this, tr("Cannot open the evaluation"), error);
        return false;
    }
    evalBrowser_->setCases(modes.value(0), modes.value(1), std::move(cases));
    evalDock_->setWindowTitle(tr("Evaluation — %1").arg(QFileInfo(folder).fileName()));
    evalDock_->show();
    statusBar()->showMessage(tr("%1 questions in %2; choose one to load it").arg(evalBrowser_->visibleCount()).arg(folder));
    return true;
}

void MainWindow::loadEvalCase(const QString& imagePath, const QString& prompt) {
    if (imagePath.isEmpty()) setImage(QImage(), tr("no image"));
    else if (!openImage(imagePath)) return;
    setPrompt(prompt);
    if (hasModel() && !isBusy()) generate();
}

QString MainWindow::promptText() const { return prompt_->toPlainText(); }

}  // namespace headscope::gui
