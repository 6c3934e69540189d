// headscope: the desktop app.
#include <QApplication>
#include <cstdio>
#include <cstring>

#include <QCommandLineParser>
#include <QFileInfo>
#include <QSettings>

#include "headscope/platform.h"
#include "main_window.h"
#include "screenshot_script.h"
#include "translation.h"

int main(int argc, char** argv) {
    // Before QApplication, so that it answers on a machine without a display too.
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) {
            std::fputs(headscope::describePlatform(headscope::platformReport()).c_str(), stdout);
            return 0;
        }
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName("HeadScope");
    QApplication::setApplicationName("HeadScope");
    QApplication::setApplicationVersion(HEADSCOPE_VERSION_TEXT);

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Find and rescale the attention heads of "
                                                                     "vision-language models."));
    parser.addHelpOption();
    // Answered above; listed so that --help shows it.
    const QCommandLineOption version(
        {"v", "version"},
        QApplication::translate("main", "Print HeadScope's, LibTorch's and CUDA's versions and the CUDA devices."));
    const QCommandLineOption model("model", QApplication::translate("main", "Model folder to open."), "folder");
    const QCommandLineOption image("image", QApplication::translate("main", "Image to open."), "file");
    const QCommandLineOption prompt("prompt", QApplication::translate("main", "Prompt to put in the box."), "text");
    const QCommandLineOption screenshot(
        "screenshot", QApplication::translate("main", "Run a scripted session, save the window to FILE and quit."),
        "file");
    const QCommandLineOption compare(
        "screenshot-compare",
        QApplication::translate("main", "With --screenshot: apply the rescaling and capture the comparison."));
    const QCommandLineOption eval("eval",
                                  QApplication::translate("main", "Evaluation run folder (headscope-cli eval --out) to open."),
                                  "folder");
    const QCommandLineOption language("lang", QApplication::translate("main", "Interface language (en, zh_CN)."),
                                      "code");
    parser.addOptions({version, model, image, prompt, eval, screenshot, compare, language});
    parser.process(app);

    headscope::gui::installTranslation(parser.isSet(language) ? parser.value(language) : QString());

    headscope::gui::MainWindow window;
    window.show();
    if (parser.isSet(screenshot)) {
        auto* script = new headscope::gui::ScreenshotScript(&window, parser.value(screenshot), parser.value(image),
                                                            parser.value(prompt), parser.isSet(compare), parser.value(eval));
        script->start(parser.value(model));
        return QApplication::exec();
    }
    if (parser.isSet(prompt)) window.setPrompt(parser.value(prompt));
    if (parser.isSet(image)) window.openImage(parser.value(image));
    if (parser.isSet(eval)) window.openEvalRun(parser.value(eval));
    // The model given on the command line, else the last one used, else (a first run from the source tree)
    // the bundled demo model.
    const QString last = QSettings().value("recent/models").toStringList().value(0);
    const QString demo = QStringLiteral(HEADSCOPE_DEMO_MODEL_DIR);
    if (parser.isSet(model)) window.openModel(parser.value(model));
    else if (!last.isEmpty() && QFileInfo(last).isDir()) window.openModel(last);
    else if (QFileInfo(demo + "/config.json").isFile()) window.openModel(demo);
    return QApplication::exec();
}
