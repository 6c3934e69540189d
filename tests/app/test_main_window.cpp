// The real window driven as a user drives it: open a model, an image and a prompt, Generate, watch the
// tokens stream, click a head and a token and see the maps, change the rule and rerun, export and import a
// profile, and open a broken model folder. Uses a small generated model so it runs anywhere.
#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest/QtTest>

#include <qcustomplot.h>

#include "compare_view.h"
#include "eval_case_browser.h"
#include "headscope/eval_dataset.h"
#include "headscope/eval_records.h"
#include "headscope/text_files.h"
#include "head_heat_map.h"
#include "headscope/platform.h"
#include "headscope/random_model.h"
#include "image_overlay_view.h"
#include "main_window.h"
#include "rescale_panel.h"
#include "token_view.h"

using namespace headscope;
using namespace headscope::gui;

namespace {

// Accepts the next modal message box and hands back its text.
void answerNextMessageBox(QString* text) {
    QTimer::singleShot(50, [text] {
        if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
            *text = box->text();
            box->accept();
        } else {
            answerNextMessageBox(text);
        }
    });
}

}  // namespace

class MainWindowTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString model_;
    QString image_;
    std::unique_ptr<MainWindow> window_;

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        model_ = dir_.filePath("tiny");
        writeRandomQwenModel(model_.toStdString(), randomModelPreset("tiny"), 11);
        QImage picture(160, 120, QImage::Format_RGB888);
        picture.fill(QColor(200, 40, 40));
        image_ = dir_.filePath("red.png");
        QVERIFY(picture.save(image_));
        window_ = std::make_unique<MainWindow>();
        window_->resize(1280, 800);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    }

    void aboutBoxNamesTheLibTorchAndCuda() {
        QAction* about = nullptr;
        for (QAction* menu : window_->menuBar()->actions())
            if (menu->menu())
                for (QAction* action : menu->menu()->actions())
                    if (action->text() == MainWindow::tr("&About HeadScope")) about = action;
        QVERIFY(about);
        QString text;
        answerNextMessageBox(&text);
        about->trigger();
        const PlatformReport report = platformReport();
        QVERIFY2(text.contains("LibTorch " + QString::fromStdString(report.torchRuntimeVersion)), qPrintable(text));
        QVERIFY(text.contains(report.cudaCompiled ? "CUDA compiled in: yes" : "CUDA compiled in: no"));
        QVERIFY(text.contains("CUDA devices: "));
    }

    void loadsAModel() {
        QSignalSpy ready(window_.get(), &MainWindow::modelReady);
        window_->openModel(model_);
        QVERIFY(ready.wait(60000));
        QVERIFY(window_->hasModel());
        QCOMPARE(window_->model()->layers, 4);
        QCOMPARE(window_->heatMap()->layers(), 4);
        QVERIFY(window_->findChild<QLabel*>("modelInfo")->text().contains("4 layers"));
    }

    void generatesWithStreaming() {
        QVERIFY(window_->openImage(image_));
        QVERIFY(window_->findChild<QLabel*>("imageInfo")->text().contains("image tokens"));
        auto* prompt = window_->findChild<QPlainTextEdit*>("promptEdit");
        prompt->clear();
        QTest::keyClicks(prompt, "What colour is it?");
        QSignalSpy streamed(window_.get(), &MainWindow::tokenStreamed);
        QSignalSpy done(window_.get(), &MainWindow::runCompleted);
        QTest::mouseClick(window_->findChild<QPushButton*>("generateButton"), Qt::LeftButton);
        QVERIFY(done.wait(120000));
        QCOMPARE(done.takeFirst().at(0).toBool(), false);
        const auto& run = *window_->baselineRun();
        const int generated = int(run.analyzed.generation.ids.size());
        QVERIFY(generated > 0);
        QCOMPARE(streamed.count(), generated);
        QCOMPARE(window_->sequenceView()->tokenCount(), run.promptLength + generated);
        QCOMPARE(window_->heatMap()->valueAt(2, 1), double(run.analyzed.statistics.visualShare.data[2 * 4 + 1]));
    }

    void clickingAHeadAndATokenDrawsTheMaps() {
        widgets::HeadHeatMap* map = window_->heatMap();
        QTest::mouseClick(map->plot(), Qt::LeftButton, Qt::NoModifier, map->cellCenter(1, 2));
        QCOMPARE(map->selectedLayer(), 1);
        QCOMPARE(map->selectedHead(), 2);
        QSignalSpy maps(window_.get(), &MainWindow::mapsUpdated);
        widgets::TokenView* view = window_->sequenceView();
        const int firstGenerated = window_->baselineRun()->promptLength;
        QTest::mouseClick(view->findChild<QTextBrowser*>()->viewport(), Qt::LeftButton, Qt::NoModifier,
                          view->findChild<QTextBrowser*>()->viewport()->mapFrom(view, view->tokenRect(firstGenerated).center()));
        QVERIFY(maps.wait(30000));
        QCOMPARE(window_->selectedGeneratedToken(), 0);
        QVERIFY(window_->imageView()->hasMap());
        // The token map colours the earlier text tokens (token 0 is <|im_start|>, seen by every row).
        QVERIFY(view->backgroundOf(0).isValid());
        QVERIFY(window_->findChild<QLabel*>("mapInfo")->text().contains("layer 1, head 2"));
        // Another choice of heads redraws the maps from the same rows.
        const QImage singleHead = window_->imageView()->composed();
        QSignalSpy again(window_.get(), &MainWindow::mapsUpdated);
        window_->findChild<QComboBox*>("mapHeadsBox")->setCurrentIndex(3);
        QCOMPARE(again.count(), 1);
        QVERIFY(window_->findChild<QLabel*>("mapInfo")->text().contains("mean of all heads"));
        QVERIFY(window_->imageView()->composed() != singleHead);
    }

    void theRuleDrivesTheCountAndTheRerun() {
        auto* threshold = window_->rescalePanel()->findChild<QDoubleSpinBox*>("perceptionThreshold");
        threshold->setValue(0.0);  // every head up to l_perc (all 4 layers) becomes a perception head
        QCOMPARE(window_->classification().perceptionCount, int64_t(16));
        QVERIFY(window_->rescalePanel()->findChild<QLabel*>("selectionSummary")->text().contains("16"));
        auto* gain = window_->rescalePanel()->findChild<QSlider*>("perceptionGain");
        gain->setFocus();
        const int before = gain->value();
        QTest::keyClick(gain, Qt::Key_Right);
        QCOMPARE(gain->value(), before + 1);
        const double expectedGain = (before + 1) / 100.0;
        QCOMPARE(double(window_->currentGains().data[0]), double(float(expectedGain)));

        QSignalSpy done(window_.get(), &MainWindow::runCompleted);
        QTest::mouseClick(window_->rescalePanel()->findChild<QPushButton*>("applyButton"), Qt::LeftButton);
        QVERIFY(done.wait(120000));
        QCOMPARE(done.takeFirst().at(0).toBool(), true);
        QVERIFY(window_->rescaledRun().has_value());
        QVERIFY(window_->rescaledRun()->analyzed.generation.ids.size() > 0);
        QVERIFY(!window_->compareView()->summaryText().isEmpty());
    }

    void exportsAndImportsAProfile() {
        const QString base = dir_.filePath("profile");
        QVERIFY(window_->exportProfile(base));
        QVERIFY(QFile::exists(base + ".json") && QFile::exists(base + ".safetensors"));
        const FloatArray gains = window_->currentGains();
        auto* threshold = window_->rescalePanel()->findChild<QDoubleSpinBox*>("perceptionThreshold");
        threshold->setValue(1.0);  // nothing selected any more
        QCOMPARE(window_->classification().perceptionCount, int64_t(0));
        QVERIFY(window_->importProfile(base + ".json"));
        QCOMPARE(window_->classification().perceptionCount, int64_t(16));
        QCOMPARE(window_->currentGains().data, gains.data);
    }

    void aBrokenModelFolderShowsTheErrorAndKeepsTheModel() {
        QTemporaryDir broken;
        QFile config(broken.filePath("config.json"));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("{\"model_type\": \"qwen2_5_vl\",");
        config.close();
        QString shown;
        answerNextMessageBox(&shown);
        QSignalSpy failed(window_.get(), &MainWindow::modelLoadFailed);
        window_->openModel(broken.path());
        QVERIFY(failed.wait(30000));
        QTRY_VERIFY(!shown.isEmpty());
        QVERIFY2(shown.contains("config.json") && shown.contains("JSON"), qPrintable(shown));
        QVERIFY(window_->hasModel());
        QCOMPARE(window_->model()->folder, QFileInfo(model_).absoluteFilePath());
        QVERIFY(!window_->isBusy());
    }

    void opensAnEvalRunAndStepsThroughIt() {
        // An eval run folder as headscope-cli writes it: the dataset, run.json and results.jsonl.
        QTemporaryDir run;
        QVERIFY(QFile::copy(image_, run.filePath("red.png")));
        std::vector<EvalSample> samples(3);
        std::vector<EvalRecord> records;
        const bool vanillaRight[] = {false, true, true}, facRight[] = {true, false, true};
        for (int i = 0; i < 3; ++i) {
            samples[size_t(i)].id = "q" + std::to_string(i);
            samples[size_t(i)].image = "red.png";
            samples[size_t(i)].question = "How red is picture " + std::to_string(i) + "?";
            samples[size_t(i)].answer = "3";
            samples[size_t(i)].answerType = AnswerType::Number;
            for (const char* mode : {"vanilla", "fac"}) {
                EvalRecord r;
                r.index = i;
                r.id = samples[size_t(i)].id;
                r.mode = mode;
                r.image = "red.png";
                r.prompt = samples[size_t(i)].question;
                r.reference = "3";
                r.correct = std::string(mode) == "vanilla" ? vanillaRight[i] : facRight[i];
                r.extracted = r.correct ? "3" : "4";
                r.generated = "<think>...</think>\nAnswer: " + r.extracted;
                records.push_back(r);
            }
        }
        writeEvalDataset(run.filePath("questions.jsonl").toStdString(), samples);
        std::string lines;
        for (const EvalRecord& r : records) lines += evalRecordJson(r) + "\n";
        writeTextFileAtomically(run.filePath("results.jsonl").toStdString(), lines);
        writeTextFileAtomically(run.filePath("run.json").toStdString(),
                                "{\"data\": \"" + run.filePath("questions.jsonl").toStdString() +
                                    "\", \"modes\": [\"vanilla\", \"fac\"], \"shards\": 1}\n");

        QVERIFY(window_->openEvalRun(run.path()));
        QTRY_VERIFY(window_->findChild<QDockWidget*>("evalDock")->isVisible());
        widgets::EvalCaseBrowser* browser = window_->evalBrowser();
        QCOMPARE(browser->visibleCount(), 1);  // right only with fac: q0
        // Next loads the question into the window and runs it on the loaded model.
        QSignalSpy done(window_.get(), &MainWindow::runCompleted);
        QTest::mouseClick(browser->findChild<QPushButton*>("evalNext"), Qt::LeftButton);
        QCOMPARE(window_->imageName(), QString("red.png"));
        QCOMPARE(window_->promptText(), QString("How red is picture 0?"));
        QVERIFY(done.wait(120000));
        browser->setFilter(widgets::EvalCaseBrowser::Filter::All);
        QCOMPARE(browser->visibleCount(), 3);

        // A folder that is not an eval run says so.
        QTemporaryDir empty;
        QString shown;
        answerNextMessageBox(&shown);
        QVERIFY(!window_->openEvalRun(empty.path()));
        QVERIFY2(shown.contains("run.json"), qPrintable(shown));
    }

    void cleanupTestCase() { window_.reset(); }
};

QTEST_MAIN(MainWindowTest)
#include "test_main_window.moc"
