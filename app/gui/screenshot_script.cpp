#include "screenshot_script.h"

#include <QApplication>
#include <QEvent>
#include <QMessageBox>
#include <QTimer>

#include <cstdio>

#include "eval_case_browser.h"
#include "main_window.h"

namespace headscope::gui {

ScreenshotScript::ScreenshotScript(MainWindow* window, QString path, QString image, QString prompt, bool compare,
                                   QString evalRun)
    : QObject(window),
      window_(window),
      path_(std::move(path)),
      image_(std::move(image)),
      prompt_(std::move(prompt)),
      compare_(compare),
      evalRun_(std::move(evalRun)) {
    connect(window_, &MainWindow::modelReady, this, &ScreenshotScript::onModelReady);
    connect(window_, &MainWindow::runCompleted, this, &ScreenshotScript::onRunCompleted);
    connect(window_, &MainWindow::mapsUpdated, this, [this] {
        if (!compare_) capture();
        else if (!window_->rescaledRun() && !window_->isBusy()) window_->applyRescale();
    });
    connect(window_, &MainWindow::modelLoadFailed, this, [](const QString& message) {
        std::fprintf(stderr, "headscope: %s\n", qPrintable(message));
        QApplication::exit(1);
    });
    qApp->installEventFilter(this);
    QTimer::singleShot(300000, this, [] {
        std::fprintf(stderr, "headscope: the scripted session did not finish in 5 minutes\n");
        QApplication::exit(1);
    });
}

void ScreenshotScript::start(const QString& model) { window_->openModel(model); }

bool ScreenshotScript::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::Show) {
        if (auto* box = qobject_cast<QMessageBox*>(watched)) {
            std::fprintf(stderr, "headscope: %s: %s\n", qPrintable(box->windowTitle()), qPrintable(box->text()));
            // Closed once it is up, so the call that opened it returns; the session has failed.
            QTimer::singleShot(0, box, [box] { box->done(QMessageBox::Ok); });
            QTimer::singleShot(0, this, [] { QApplication::exit(1); });
        }
    }
    return QObject::eventFilter(watched, event);
}

void ScreenshotScript::onModelReady() {
    if (!evalRun_.isEmpty()) {
        // Loading the first question generates on it.
        if (!window_->openEvalRun(evalRun_) || window_->evalBrowser()->visibleCount() == 0) {
            QApplication::exit(1);
            return;
        }
        window_->evalBrowser()->next();
        return;
    }
    if (!image_.isEmpty() && !window_->openImage(image_)) {
        QApplication::exit(1);
        return;
    }
    if (!prompt_.isEmpty()) window_->setPrompt(prompt_);
    window_->generate();
}

void ScreenshotScript::onRunCompleted(bool rescaled) {
    if (rescaled) {
        capture();
        return;
    }
    const auto& run = *window_->baselineRun();
    const int tokens = static_cast<int>(run.analyzed.generation.ids.size());
    if (tokens == 0) {
        capture();
        return;
    }
    // The head that looked at the image most, and a token from the middle of the answer.
    const FloatArray& sv = run.analyzed.statistics.visualShare;
    const auto best = std::max_element(sv.data.begin(), sv.data.end()) - sv.data.begin();
    const int heads = static_cast<int>(sv.shape.at(1));
    window_->selectHead(static_cast<int>(best) / heads, static_cast<int>(best) % heads);
    window_->selectGeneratedToken(tokens / 2);
}

void ScreenshotScript::capture() {
    if (captured_) return;
    captured_ = true;
    // Let the last repaints land before grabbing.
    QTimer::singleShot(200, this, [this] {
        const bool saved = window_->grab().save(path_);
        std::fprintf(stderr, saved ? "headscope: saved %s\n" : "headscope: cannot write %s\n", qPrintable(path_));
        QApplication::exit(saved ? 0 : 1);
    });
}

}  // namespace headscope::gui
