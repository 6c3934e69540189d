// `headscope --screenshot FILE`: drives the window through a typical session (model, image, prompt,
// Generate, a token and a head selected), saves what a user would see, and quits. For headless machines.
#pragma once
#include <QObject>
#include <QString>

namespace headscope::gui {

class MainWindow;

class ScreenshotScript : public QObject {
    Q_OBJECT

public:
    // compare: after the maps, apply the rescale panel's rule and capture the comparison instead.
    // evalRun: instead of image and prompt, open this eval run and load its first listed question.
    ScreenshotScript(MainWindow* window, QString path, QString image, QString prompt, bool compare, QString evalRun = {});
    void start(const QString& model);

protected:
    // A message box would wait for a click nobody gives: its text goes to stderr and the session ends.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void onModelReady();
    void onRunCompleted(bool rescaled);
    void capture();

    MainWindow* window_;
    QString path_;
    QString image_;
    QString prompt_;
    bool compare_ = false;
    QString evalRun_;
    bool captured_ = false;
};

}  // namespace headscope::gui
