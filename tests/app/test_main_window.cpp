// The real window driven as a user drives it: menus, buttons, keys and mouse clicks, with the file dialogs and
// message boxes they open answered the way a user answers them. Open a model, an image and a prompt, Generate
// and watch the tokens stream, click heads and tokens and see the maps change, change the rule and rerun,
// export and import a profile, refuse a profile of another shape and a broken model folder, Stop a run, start
// another after it, and start in Chinese. Every test function builds its own window and opens what it needs,
// so each passes alone. Small generated models keep it runnable anywhere.
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QTimer>
#include <QTranslator>
#include <QtTest/QtTest>

#include <functional>
#include <memory>

#include <qcustomplot.h>

#include "compare_view.h"
#include "eval_case_browser.h"
#include "head_heat_map.h"
#include "headscope/eval_dataset.h"
#include "headscope/eval_records.h"
#include "headscope/platform.h"
#include "headscope/profile.h"
#include "headscope/random_model.h"
#include "headscope/text_files.h"
#include "image_overlay_view.h"
#include "main_window.h"
#include "rescale_panel.h"
#include "token_view.h"
#include "translation.h"

using namespace headscope;
using namespace headscope::gui;

namespace {

// How long a wait may take before the test gives up: a safety net for a slow machine, not a timing assertion.
constexpr int kPatience = 60000;

// A menu or action text as the user reads it: "Open &Model Folder…" is "Open Model Folder…".
QString withoutMnemonic(QString text) { return text.remove(QLatin1Char('&')); }

// Answers the next modal dialog of type Dialog that opens while this object lives. A modal dialog runs its own
// event loop inside the call that opened it, so the answer comes from a timer that watches for the dialog.
// `answer` fills the dialog in and closes it; it returns false when it could not, and the dialog is then
// cancelled so that no test waits forever on it.
template <typename Dialog>
class DialogAnswer {
public:
    explicit DialogAnswer(std::function<bool(Dialog*)> answer) : answer_(std::move(answer)) {
        QObject::connect(&timer_, &QTimer::timeout, [this] { answerIfOpen(); });
        timer_.start(10);
    }
    DialogAnswer(const DialogAnswer&) = delete;
    DialogAnswer& operator=(const DialogAnswer&) = delete;

    bool answered() const { return answered_; }

private:
    void answerIfOpen() {
        auto* dialog = qobject_cast<Dialog*>(QApplication::activeModalWidget());
        if (!dialog || !dialog->isVisible()) return;
        timer_.stop();
        answered_ = answer_(dialog);
        if (!answered_ && dialog->isVisible()) dialog->reject();
    }

    std::function<bool(Dialog*)> answer_;
    QTimer timer_;
    bool answered_ = false;
};

// Puts `path` into the file dialog's name field and presses its Open, Choose or Save button. The path is set at
// once: typed keys would race the field's completer, whose list pops up when the file system answers.
bool fillInFileDialog(QFileDialog* dialog, const QString& path) {
    auto* name = dialog->findChild<QLineEdit*>("fileNameEdit");
    auto* buttons = dialog->findChild<QDialogButtonBox*>("buttonBox");
    if (!name || !buttons) {
        qWarning("the file dialog has no name field or buttons: is it a native dialog?");
        return false;
    }
    name->setText(path);
    QPushButton* accept = buttons->button(dialog->acceptMode() == QFileDialog::AcceptSave ? QDialogButtonBox::Save
                                                                                           : QDialogButtonBox::Open);
    if (!accept || !accept->isEnabled()) {
        qWarning("the file dialog does not accept %s", qPrintable(path));
        return false;
    }
    QTest::mouseClick(accept, Qt::LeftButton);
    return !dialog->isVisible();
}

// Answers the next file dialog with `path`.
std::unique_ptr<DialogAnswer<QFileDialog>> answerFileDialog(const QString& path) {
    return std::make_unique<DialogAnswer<QFileDialog>>([path](QFileDialog* d) { return fillInFileDialog(d, path); });
}

// What a message box said, and to which window.
struct ShownMessage {
    QString title;
    QString text;
    QWidget* window = nullptr;
};

// Reads the next message box into `shown` and presses its OK button.
std::unique_ptr<DialogAnswer<QMessageBox>> answerMessageBox(ShownMessage* shown) {
    return std::make_unique<DialogAnswer<QMessageBox>>([shown](QMessageBox* box) {
        shown->title = box->windowTitle();
        shown->text = box->text();
        shown->window = box->parentWidget() ? box->parentWidget()->window() : nullptr;
        QAbstractButton* ok = box->button(QMessageBox::Ok);
        if (!ok) return false;
        QTest::mouseClick(ok, Qt::LeftButton);
        return !box->isVisible();
    });
}

}  // namespace

class MainWindowTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString model_;      // tiny: a run of 256 tokens takes well under a second
    QString longModel_;  // wide and deep enough that a run lasts seconds, so Stop lands mid-run
    QString image_;
    std::unique_ptr<MainWindow> window_;
    QTranslator* translator_ = nullptr;

public:
    // Before QApplication exists: Qt's own file dialogs and message boxes, which a test can fill in, whatever
    // platform theme the machine has.
    static void initMain() { QCoreApplication::setAttribute(Qt::AA_DontUseNativeDialogs); }

private:
    // --- The window ---

    bool showNewWindow() {
        window_ = std::make_unique<MainWindow>();
        window_->show();
        return QTest::qWaitForWindowExposed(window_.get()) && activateWindow();
    }

    // Shortcuts and keyboard focus reach only the active window, as for a user who has clicked into it.
    bool activateWindow() {
        if (QApplication::activeWindow() == window_.get()) return true;
        window_->activateWindow();
        return QTest::qWaitForWindowActive(window_.get());
    }

    template <typename T>
    T* widget(const char* name) const {
        return window_->findChild<T*>(QString::fromLatin1(name));
    }
    QString labelText(const char* name) const { return widget<QLabel>(name)->text(); }
    QPushButton* button(const char* name) const { return widget<QPushButton>(name); }
    QString statusText() const { return window_->statusBar()->currentMessage(); }

    // --- Menus and keys ---

    QAction* menuItem(const QString& menu, const QString& item) const {
        for (QAction* top : window_->menuBar()->actions())
            if (top->menu() && withoutMnemonic(top->text()) == menu)
                for (QAction* action : top->menu()->actions())
                    if (withoutMnemonic(action->text()) == item) return action;
        return nullptr;
    }

    // Chooses File > Open Model Folder… and the like; false when the item is missing or greyed out.
    bool clickMenu(const QString& menu, const QString& item) {
        QAction* action = menuItem(menu, item);
        if (!action || !action->isEnabled()) {
            qWarning("no enabled menu item %s > %s", qPrintable(menu), qPrintable(item));
            return false;
        }
        action->trigger();
        return true;
    }

    // A key as the user presses it in the window, to the widget that has the focus.
    bool press(const QKeySequence& keys) {
        if (!activateWindow()) return false;
        QWidget* target = QApplication::focusWidget() ? QApplication::focusWidget() : window_.get();
        QTest::keySequence(target, keys);
        return true;
    }
    bool pressGenerateShortcut() { return press(QKeySequence(Qt::CTRL | Qt::Key_Return)); }
    bool pressEscape() { return press(QKeySequence(Qt::Key_Escape)); }

    // --- Opening things ---

    // File > Open Model Folder…, the folder chosen in the dialog; true once the model is ready.
    bool openModelFolder(const QString& folder, const QString& menu = "File",
                         const QString& item = "Open Model Folder…") {
        QSignalSpy ready(window_.get(), &MainWindow::modelReady);
        auto dialog = answerFileDialog(folder);
        if (!clickMenu(menu, item) || !dialog->answered()) return false;
        return ready.wait(kPatience);
    }

    // File > Open Image…, the file chosen in the dialog.
    bool openImageFile(const QString& path) {
        auto dialog = answerFileDialog(path);
        return clickMenu("File", "Open Image…") && dialog->answered();
    }

    // Clicks into the prompt box, selects what is there and types over it.
    void typePrompt(const QString& text) {
        auto* prompt = widget<QPlainTextEdit>("promptEdit");
        QTest::mouseClick(prompt->viewport(), Qt::LeftButton);
        QTest::keyClick(prompt, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(prompt, text);
    }

    // A model, the red picture and a question, ready for Generate.
    bool openModelImageAndPrompt(const QString& model) {
        if (!openModelFolder(model) || !openImageFile(image_)) return false;
        typePrompt("What colour is it?");
        return true;
    }

    // Clicks Generate and waits until the run is done.
    bool clickGenerateAndWait() {
        QSignalSpy done(window_.get(), &MainWindow::runCompleted);
        QTest::mouseClick(button("generateButton"), Qt::LeftButton);
        return done.wait(kPatience) && done.count() == 1;
    }

    // --- The reasoning view and the heads ---

    widgets::TokenView* reasoning() const { return window_->sequenceView(); }

    // Every token the reasoning view shows, in order.
    QStringList shownTokens() const {
        QStringList tokens;
        for (int i = 0; i < reasoning()->tokenCount(); ++i) tokens << reasoning()->tokenText(i);
        return tokens;
    }

    // Generated tokens (sequence indices) the user can see and click in the reasoning view.
    QList<int> visibleGeneratedTokens() const {
        QList<int> visible;
        auto* viewport = reasoning()->findChild<QTextBrowser*>()->viewport();
        for (int i = window_->baselineRun()->promptLength; i < reasoning()->tokenCount(); ++i) {
            const QRect rect = reasoning()->tokenRect(i);
            if (!rect.isEmpty() && viewport->rect().contains(viewport->mapFrom(reasoning(), rect.center())))
                visible << i;
        }
        return visible;
    }

    void clickToken(int index) {
        auto* viewport = reasoning()->findChild<QTextBrowser*>()->viewport();
        QTest::mouseClick(viewport, Qt::LeftButton, Qt::NoModifier,
                          viewport->mapFrom(reasoning(), reasoning()->tokenRect(index).center()));
    }

    void clickHead(int layer, int head) {
        widgets::HeadHeatMap* map = window_->heatMap();
        QTest::mouseClick(map->plot(), Qt::LeftButton, Qt::NoModifier, map->cellCenter(layer, head));
    }

    // Picks the entry `text` of a combo box with the arrow keys, as a user does without opening the list.
    bool chooseWithArrowKeys(QComboBox* box, const QString& text) {
        const int target = box->findText(text);
        if (target < 0) return false;
        while (box->currentIndex() != target) {
            const int before = box->currentIndex();
            QTest::keyClick(box, target > before ? Qt::Key_Down : Qt::Key_Up);
            if (box->currentIndex() == before) return false;
        }
        return true;
    }

    // --- The rescale panel ---

    template <typename T>
    T* panelControl(const char* name) const {
        return window_->rescalePanel()->findChild<T*>(QString::fromLatin1(name));
    }

    // Clicks into the box, selects its text, types `value` and presses Return.
    bool typeThreshold(const char* name, double value) {
        if (!activateWindow()) return false;
        auto* box = panelControl<QDoubleSpinBox>(name);
        auto* edit = box->findChild<QLineEdit*>();
        QTest::mouseClick(edit, Qt::LeftButton);
        if (!QTest::qWaitFor([box] { return box->hasFocus(); })) return false;
        QTest::keyClick(edit, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(edit, box->locale().toString(value, 'f', 3));
        QTest::keyClick(edit, Qt::Key_Return);
        return qAbs(box->value() - value) < 1e-9;
    }

    // Focuses a gain slider and presses `key` on it.
    bool pressOnSlider(const char* name, Qt::Key key) {
        if (!activateWindow()) return false;
        auto* slider = panelControl<QSlider>(name);
        slider->setFocus(Qt::TabFocusReason);
        if (!QTest::qWaitFor([slider] { return slider->hasFocus(); })) return false;
        QTest::keyClick(slider, key);
        return true;
    }

    QString selectionSummary() const { return panelControl<QLabel>("selectionSummary")->text(); }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        model_ = dir_.filePath("tiny");
        writeRandomQwenModel(model_.toStdString(), randomModelPreset("tiny"), 11);
        RandomModelSpec wide = randomModelPreset("tiny");
        wide.hiddenSize = 256;
        wide.layers = 12;
        wide.heads = 8;
        wide.intermediateSize = 512;
        longModel_ = dir_.filePath("long");
        writeRandomQwenModel(longModel_.toStdString(), wide, 11);
        QImage picture(160, 120, QImage::Format_RGB888);
        picture.fill(QColor(200, 40, 40));
        image_ = dir_.filePath("red.png");
        QVERIFY(picture.save(image_));
    }

    void init() {
        QSettings().clear();  // no recent model, rule or prompt carried over from another test
        QVERIFY(showNewWindow());
    }

    void cleanup() {
        window_.reset();
        if (translator_) {
            QCoreApplication::removeTranslator(translator_);
            delete translator_;
            translator_ = nullptr;
        }
    }

    void aboutBoxNamesTheLibTorchAndCuda() {
        ShownMessage shown;
        auto box = answerMessageBox(&shown);
        QVERIFY(clickMenu("Help", "About HeadScope"));
        QVERIFY(box->answered());
        QCOMPARE(shown.window, window_.get());
        const PlatformReport report = platformReport();
        QVERIFY2(shown.text.contains("LibTorch " + QString::fromStdString(report.torchRuntimeVersion)),
                 qPrintable(shown.text));
        QVERIFY(shown.text.contains(report.cudaCompiled ? "CUDA compiled in: yes" : "CUDA compiled in: no"));
        QVERIFY(shown.text.contains("CUDA devices: "));
    }

    void opensAModelAnImageAndAPrompt() {
        QCOMPARE(labelText("modelInfo"), QString("No model loaded"));
        QVERIFY(!button("generateButton")->isEnabled());  // nothing to run yet

        QVERIFY(openModelFolder(model_));
        QVERIFY2(labelText("modelInfo").contains("4 layers x 4 heads"), qPrintable(labelText("modelInfo")));
        QCOMPARE(window_->heatMap()->layers(), 4);
        QCOMPARE(window_->heatMap()->heads(), 4);
        QVERIFY(button("generateButton")->isEnabled());

        QVERIFY(openImageFile(image_));
        QVERIFY2(labelText("imageInfo").startsWith("red.png — 160 x 120 px") &&
                     labelText("imageInfo").contains("image tokens"),
                 qPrintable(labelText("imageInfo")));
        QCOMPARE(window_->imageView()->image().size(), QSize(160, 120));

        typePrompt("What colour is it?");
        QCOMPARE(widget<QPlainTextEdit>("promptEdit")->toPlainText(), QString("What colour is it?"));
    }

    void generateStreamsTheTokensIntoTheReasoningView() {
        QVERIFY(openModelImageAndPrompt(model_));
        // While tokens arrive the run is in progress: Stop is offered, and Generate too (a new request
        // replaces the run in progress).
        QStringList streamed;
        bool generateOffered = true, stopOffered = false, viewFollowed = true;
        connect(window_.get(), &MainWindow::tokenStreamed, this, [&](const QString& piece) {
            if (streamed.isEmpty()) {
                generateOffered = button("generateButton")->isEnabled();
                stopOffered = button("stopButton")->isEnabled();
            }
            streamed << piece;
            // Each token shows up in the reasoning view as it arrives.
            viewFollowed = viewFollowed && reasoning()->tokenCount() == streamed.size() &&
                           reasoning()->tokenText(int(streamed.size()) - 1) == piece;
        });
        QVERIFY(clickGenerateAndWait());
        QVERIFY(generateOffered);
        QVERIFY(stopOffered);
        QVERIFY(viewFollowed);
        QVERIFY(button("generateButton")->isEnabled());
        QVERIFY(!button("stopButton")->isEnabled());

        const RunOutcome& run = *window_->baselineRun();
        const int generated = int(run.analyzed.generation.ids.size());
        QVERIFY(generated > 0);
        QCOMPARE(streamed.size(), generated);
        QVERIFY(QString::fromStdString(run.analyzed.generation.text).startsWith(streamed.join(QString())));
        // The view ends up with the prompt's tokens and then the answer's.
        QCOMPARE(shownTokens(), run.promptPieces + run.generatedPieces);
        QVERIFY(run.promptPieces.join(QString()).contains("What colour is it?"));
        QVERIFY2(statusText().startsWith(QString("%1 tokens").arg(generated)), qPrintable(statusText()));
        // The heat map shows the run's visual shares.
        for (int layer = 0; layer < 4; ++layer)
            for (int head = 0; head < 4; ++head)
                QCOMPARE(window_->heatMap()->valueAt(layer, head),
                         double(run.analyzed.statistics.visualShare.data[size_t(layer * 4 + head)]));
    }

    void clickingAHeadAndATokenChangesTheMaps() {
        QVERIFY(openModelImageAndPrompt(model_));
        QVERIFY(clickGenerateAndWait());
        QVERIFY(!window_->imageView()->hasMap());
        const QList<int> tokens = visibleGeneratedTokens();
        QVERIFY2(tokens.size() >= 2, "fewer than two generated tokens on screen");
        const int promptLength = window_->baselineRun()->promptLength;
        QSignalSpy maps(window_.get(), &MainWindow::mapsUpdated);

        clickHead(1, 2);
        QCOMPARE(window_->heatMap()->selectedLayer(), 1);
        QCOMPARE(window_->heatMap()->selectedHead(), 2);
        clickToken(tokens.first());
        QVERIFY(maps.wait(kPatience));
        QCOMPARE(window_->selectedGeneratedToken(), tokens.first() - promptLength);
        QCOMPARE(reasoning()->selectedToken(), tokens.first());
        QVERIFY(window_->imageView()->hasMap());
        // The token map colours the earlier text tokens (token 0 is <|im_start|>, seen by every row).
        QVERIFY(reasoning()->backgroundOf(0).isValid());
        QVERIFY2(labelText("mapInfo").contains("layer 1, head 2"), qPrintable(labelText("mapInfo")));
        const QImage headOneTwo = window_->imageView()->composed();
        const QString infoOneTwo = labelText("mapInfo");

        // Another head: the same token's maps drawn from that head's rows.
        maps.clear();
        clickHead(3, 0);
        QTRY_VERIFY_WITH_TIMEOUT(maps.count() > 0, kPatience);
        QVERIFY2(labelText("mapInfo").contains("layer 3, head 0"), qPrintable(labelText("mapInfo")));
        QVERIFY(window_->imageView()->composed() != headOneTwo);

        // Another token: its own rows.
        const QImage firstToken = window_->imageView()->composed();
        maps.clear();
        clickToken(tokens.last());
        QVERIFY(maps.wait(kPatience));
        QCOMPARE(window_->selectedGeneratedToken(), tokens.last() - promptLength);
        QVERIFY2(labelText("mapInfo").startsWith(QString("Token %1 ").arg(tokens.last() - promptLength)),
                 qPrintable(labelText("mapInfo")));
        QVERIFY(labelText("mapInfo") != infoOneTwo);
        QVERIFY(window_->imageView()->composed() != firstToken);

        // Maps of all heads instead of the selected one.
        const QImage singleHead = window_->imageView()->composed();
        QVERIFY(chooseWithArrowKeys(widget<QComboBox>("mapHeadsBox"), "All heads (mean)"));
        QVERIFY2(labelText("mapInfo").contains("mean of all heads"), qPrintable(labelText("mapInfo")));
        QVERIFY(window_->imageView()->composed() != singleHead);
    }

    void changingTheRuleAndApplyingRerunsWithTheNewGains() {
        QVERIFY(openModelImageAndPrompt(model_));
        QVERIFY(clickGenerateAndWait());
        const std::vector<float> baseline = window_->baselineRun()->analyzed.generation.logprobs;

        // Threshold 0: every head up to l_perc (all 4 layers) becomes a perception head.
        QVERIFY(typeThreshold("perceptionThreshold", 0.0));
        QVERIFY2(selectionSummary().contains("16"), qPrintable(selectionSummary()));
        QCOMPARE(window_->classification().perceptionCount, int64_t(16));
        const int before = panelControl<QSlider>("perceptionGain")->value();
        QVERIFY(pressOnSlider("perceptionGain", Qt::Key_Right));
        QCOMPARE(panelControl<QSlider>("perceptionGain")->value(), before + 1);
        // The heat map's Gain view shows the new gain on every head.
        QVERIFY(chooseWithArrowKeys(widget<QComboBox>("metricBox"), "Gain"));
        QCOMPARE(window_->heatMap()->valueAt(2, 3), double(float((before + 1) / 100.0)));

        QSignalSpy done(window_.get(), &MainWindow::runCompleted);
        QTest::mouseClick(panelControl<QPushButton>("applyButton"), Qt::LeftButton);
        QVERIFY(done.wait(kPatience));
        QCOMPARE(done.takeFirst().at(0).toBool(), true);
        QCOMPARE(widget<QTabWidget>("centerTabs")->currentWidget(), window_->compareView());
        QVERIFY(!window_->compareView()->summaryText().isEmpty());
        const RunOutcome& first = *window_->rescaledRun();
        QCOMPARE(window_->compareView()->rescaledView()->tokenCount(), int(first.generatedPieces.size()));
        // Gains above 1 on every head change what the model predicts.
        QVERIFY(first.analyzed.generation.logprobs != baseline);
        const std::vector<float> firstRescaled = first.analyzed.generation.logprobs;

        // A larger gain and Ctrl+R: the rerun follows the new rule.
        QVERIFY(pressOnSlider("perceptionGain", Qt::Key_PageUp));
        QCOMPARE(panelControl<QSlider>("perceptionGain")->value(), before + 11);
        QVERIFY(press(QKeySequence(Qt::CTRL | Qt::Key_R)));
        QVERIFY(done.wait(kPatience));
        QCOMPARE(done.takeFirst().at(0).toBool(), true);
        QVERIFY(window_->rescaledRun()->analyzed.generation.logprobs != firstRescaled);
        QVERIFY(window_->rescaledRun()->analyzed.generation.logprobs != baseline);
    }

    void exportsAndImportsAHeadProfile() {
        QVERIFY(openModelImageAndPrompt(model_));
        QVERIFY(clickGenerateAndWait());
        QVERIFY(typeThreshold("perceptionThreshold", 0.0));
        QVERIFY2(selectionSummary().startsWith("Selected: 16 perception"), qPrintable(selectionSummary()));
        const FloatArray gains = window_->currentGains();
        QCOMPARE(gains.data.size(), size_t(16));

        QTemporaryDir folder;
        const QString path = folder.filePath("all-heads.json");
        auto saving = answerFileDialog(path);
        QVERIFY(clickMenu("File", "Export Head Profile…"));
        QVERIFY(saving->answered());
        QVERIFY(QFile::exists(folder.filePath("all-heads.safetensors")));
        // The file holds what the window shows.
        const HeadProfile saved = loadProfile(path.toStdString());
        QCOMPARE(saved.gain.data, gains.data);
        QCOMPARE(saved.headClass.data, window_->classification().classes.data);
        QCOMPARE(saved.model.layers, int64_t(4));
        QCOMPARE(saved.prompt, std::string("What colour is it?"));

        // Nothing selected any more, then the profile brings its heads and gains back.
        QVERIFY(typeThreshold("perceptionThreshold", 1.0));
        QVERIFY2(selectionSummary().startsWith("Selected: 0 perception"), qPrintable(selectionSummary()));
        auto opening = answerFileDialog(path);
        QVERIFY(clickMenu("File", "Import Head Profile…"));
        QVERIFY(opening->answered());
        QVERIFY2(selectionSummary().startsWith("Selected: 16 perception"), qPrintable(selectionSummary()));
        QCOMPARE(window_->currentGains().data, gains.data);
        QCOMPARE(panelControl<QDoubleSpinBox>("perceptionThreshold")->value(), 0.0);  // the profile's rule
        QVERIFY2(statusText().contains("all-heads.json"), qPrintable(statusText()));

        // A profile's own tables are used, not gains worked out again from its rule: one edited elsewhere
        // gives head (2, 1) a gain of 2.5 and makes it the only perception head.
        HeadProfile edited = saved;
        edited.name = "edited";
        std::fill(edited.headClass.data.begin(), edited.headClass.data.end(), int64_t(0));
        std::fill(edited.gain.data.begin(), edited.gain.data.end(), 1.0f);
        edited.headClass.data[2 * 4 + 1] = 1;
        edited.gain.data[2 * 4 + 1] = 2.5f;
        saveProfile(folder.filePath("edited").toStdString(), edited);
        auto openingEdited = answerFileDialog(folder.filePath("edited.json"));
        QVERIFY(clickMenu("File", "Import Head Profile…"));
        QVERIFY(openingEdited->answered());
        QVERIFY2(selectionSummary().startsWith("Selected: 1 perception, 0 reasoning"), qPrintable(selectionSummary()));
        QCOMPARE(window_->currentGains().data, edited.gain.data);
        QVERIFY(chooseWithArrowKeys(widget<QComboBox>("metricBox"), "Gain"));
        QCOMPARE(window_->heatMap()->valueAt(2, 1), 2.5);
        QCOMPARE(window_->heatMap()->valueAt(0, 0), 1.0);
    }

    void aProfileForAnotherShapeIsRefusedAndTheGainsStay() {
        QVERIFY(openModelImageAndPrompt(model_));
        QVERIFY(clickGenerateAndWait());
        QVERIFY(typeThreshold("perceptionThreshold", 0.0));
        const FloatArray gains = window_->currentGains();
        QCOMPARE(gains.data.size(), size_t(16));
        const QString summary = selectionSummary();

        // A valid profile, but of a model with 2 layers x 4 heads; the loaded one has 4 x 4.
        QTemporaryDir folder;
        HeadProfile other;
        other.name = "two-layers";
        other.model.name = "two-layer-model";
        other.model.layers = 2;
        other.model.heads = 4;
        other.visualShare = FloatArray({2, 4}, std::vector<float>(8, 0.5f));
        other.contribution = FloatArray({2, 4}, std::vector<float>(8, 0.0f));
        other.headClass = Int64Array({2, 4}, std::vector<int64_t>(8, 1));
        other.gain = FloatArray({2, 4}, std::vector<float>(8, 2.0f));
        saveProfile(folder.filePath("two-layers").toStdString(), other);

        ShownMessage shown;
        auto opening = answerFileDialog(folder.filePath("two-layers.json"));
        auto box = answerMessageBox(&shown);
        QVERIFY(clickMenu("File", "Import Head Profile…"));
        QVERIFY(opening->answered());
        QVERIFY(box->answered());
        QCOMPARE(shown.window, window_.get());
        QCOMPARE(shown.title, QString("Cannot use the profile"));
        QVERIFY2(shown.text.contains("2 layers x 4 heads") && shown.text.contains("4 x 4"), qPrintable(shown.text));
        QCOMPARE(window_->currentGains().data, gains.data);
        QCOMPARE(window_->classification().perceptionCount, int64_t(16));
        QCOMPARE(selectionSummary(), summary);
        QCOMPARE(panelControl<QDoubleSpinBox>("perceptionThreshold")->value(), 0.0);
    }

    void aBrokenModelFolderShowsTheErrorAndKeepsTheModel() {
        QVERIFY(openModelFolder(model_));
        const QString info = labelText("modelInfo");
        QTemporaryDir broken;
        QFile config(broken.filePath("config.json"));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("{\"model_type\": \"qwen2_5_vl\",");
        config.close();

        ShownMessage shown;
        auto box = answerMessageBox(&shown);
        QSignalSpy failed(window_.get(), &MainWindow::modelLoadFailed);
        auto dialog = answerFileDialog(broken.path());
        QVERIFY(clickMenu("File", "Open Model Folder…"));
        QVERIFY(dialog->answered());
        QVERIFY(failed.wait(kPatience));
        QVERIFY(box->answered());
        QCOMPARE(shown.window, window_.get());
        QCOMPARE(shown.title, QString("Cannot load the model"));
        QVERIFY2(shown.text.contains("config.json") && shown.text.contains("JSON"), qPrintable(shown.text));
        QVERIFY2(shown.text.contains("The previous model (tiny) stays loaded."), qPrintable(shown.text));
        // The previous model is still the one in use, and the window is idle again.
        QCOMPARE(window_->model()->folder, QFileInfo(model_).absoluteFilePath());
        QCOMPARE(labelText("modelInfo"), info);
        QVERIFY(!window_->isBusy());
        QVERIFY(button("generateButton")->isEnabled());
        QCOMPARE(statusText(), QString("Loading failed"));
    }

    void escapeStopsTheRunAndKeepsWhatItGenerated() {
        QVERIFY(openModelImageAndPrompt(longModel_));
        // Esc on the first streamed token: the run is then still early in its 256 tokens.
        int streamed = 0;
        bool pressed = false;
        connect(window_.get(), &MainWindow::tokenStreamed, this, [&] {
            if (++streamed == 1) pressed = pressEscape();
        });
        QVERIFY(clickGenerateAndWait());
        QVERIFY(pressed);

        const RunOutcome& run = *window_->baselineRun();
        const GenerationResult& g = run.analyzed.generation;
        QVERIFY(g.cancelled);
        QVERIFY(!g.stoppedAtEos);
        QVERIFY(!g.ids.empty());
        // What was generated before Stop is kept and shown: every streamed token and nothing else.
        QCOMPARE(int(g.ids.size()), streamed);
        QCOMPARE(shownTokens(), run.promptPieces + run.generatedPieces);
        QVERIFY2(statusText().endsWith("— stopped"), qPrintable(statusText()));
        // Idle again: Generate offered, Stop greyed out, no progress bar; Apply can rescale the kept run.
        QVERIFY(!window_->isBusy());
        QVERIFY(button("generateButton")->isEnabled());
        QVERIFY(!button("stopButton")->isEnabled());
        QVERIFY(!widget<QProgressBar>("progressBar")->isVisible());
        QVERIFY(panelControl<QPushButton>("applyButton")->isEnabled());
    }

    void theNewestRunIsTheOneShown() {
        QVERIFY(openModelImageAndPrompt(longModel_));
        const QString first = "What colour is it?";
        const QString second = "Count the red pixels.";
        // On the first run's first token the user types another question and presses Ctrl+Return: the first
        // run is cancelled and the second one replaces it. From then on only the second run's tokens stream.
        int firstStreamed = 0;
        bool retried = false, busyWhenRetried = false;
        QStringList secondStreamed;
        bool onlySecondShown = true;
        connect(window_.get(), &MainWindow::tokenStreamed, this, [&](const QString& piece) {
            if (!retried) {
                ++firstStreamed;
                typePrompt(second);
                busyWhenRetried = window_->isBusy();
                retried = pressGenerateShortcut();
                return;
            }
            secondStreamed << piece;
            onlySecondShown = onlySecondShown && shownTokens() == secondStreamed;
        });
        QSignalSpy done(window_.get(), &MainWindow::runCompleted);
        QVERIFY(pressGenerateShortcut());
        QVERIFY(done.wait(kPatience));
        QVERIFY(retried);
        QVERIFY(busyWhenRetried);
        QCOMPARE(firstStreamed, 1);
        // The cancelled first run reports nothing (its outcome reaches the window before the second run starts):
        // one completed run, the second.
        QCOMPARE(done.count(), 1);
        QVERIFY(!window_->isBusy());
        const RunOutcome& run = *window_->baselineRun();
        const QString prompt = run.promptPieces.join(QString());
        QVERIFY2(prompt.contains(second) && !prompt.contains(first), qPrintable(prompt));
        QVERIFY(!run.analyzed.generation.cancelled);
        // Only the second run's tokens streamed in after the retry and only they are shown after its prompt: a
        // late token of the first run would make the counts differ.
        QVERIFY(onlySecondShown);
        QCOMPARE(secondStreamed.size(), int(run.analyzed.generation.ids.size()));
        QVERIFY(QString::fromStdString(run.analyzed.generation.text).startsWith(secondStreamed.join(QString())));
        QCOMPARE(shownTokens(), run.promptPieces + run.generatedPieces);
    }

    void startsInChineseWithLangZhCN() {
        // As `headscope --lang zh_CN` does: the translation is installed before the window is built.
        window_.reset();
        translator_ = installTranslation("zh_CN");
        QVERIFY2(translator_, "no zh_CN translation in the resources");
        QVERIFY(showNewWindow());
        QStringList menus;
        for (QAction* top : window_->menuBar()->actions()) menus << top->text();
        QCOMPARE(menus, QStringList({"文件(&F)", "运行(&R)", "帮助(&H)"}));
        QCOMPARE(button("generateButton")->text(), QString("生成"));
        QCOMPARE(labelText("modelInfo"), QString("未加载模型"));
        // Texts built at run time are translated too.
        QVERIFY(openModelFolder(model_, "文件(F)", "打开模型文件夹(M)…"));
        QVERIFY2(labelText("modelInfo").contains("4 层 x 4 头"), qPrintable(labelText("modelInfo")));
    }

    void opensAnEvalRunAndStepsThroughIt() {
        QVERIFY(openModelFolder(model_));
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

        auto dialog = answerFileDialog(run.path());
        QVERIFY(clickMenu("File", "Open Evaluation Results…"));
        QVERIFY(dialog->answered());
        QTRY_VERIFY_WITH_TIMEOUT(widget<QDockWidget>("evalDock")->isVisible(), kPatience);
        auto* list = widget<QListWidget>("evalCases");
        QCOMPARE(list->count(), 1);  // right only with fac: q0
        // Next loads the question into the window and runs it on the loaded model.
        QSignalSpy done(window_.get(), &MainWindow::runCompleted);
        QTest::mouseClick(widget<QPushButton>("evalNext"), Qt::LeftButton);
        QVERIFY2(labelText("imageInfo").startsWith("red.png"), qPrintable(labelText("imageInfo")));
        QCOMPARE(widget<QPlainTextEdit>("promptEdit")->toPlainText(), QString("How red is picture 0?"));
        QVERIFY(done.wait(kPatience));
        QVERIFY(window_->baselineRun()->promptPieces.join(QString()).contains("How red is picture 0?"));
        QVERIFY(chooseWithArrowKeys(widget<QComboBox>("evalFilter"), "All questions"));
        QCOMPARE(list->count(), 3);

        // A folder that is not an eval run says so.
        QTemporaryDir empty;
        ShownMessage shown;
        auto notARun = answerFileDialog(empty.path());
        auto box = answerMessageBox(&shown);
        QVERIFY(clickMenu("File", "Open Evaluation Results…"));
        QVERIFY(notARun->answered());
        QVERIFY(box->answered());
        QVERIFY2(shown.text.contains("run.json"), qPrintable(shown.text));
        QCOMPARE(list->count(), 3);  // the open run stays
    }
};

QTEST_MAIN(MainWindowTest)
#include "test_main_window.moc"
