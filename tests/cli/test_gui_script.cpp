// `headscope --screenshot FILE` is how scripts and headless machines drive the desktop app: when the session
// cannot go on (a broken model folder), the app must say why on stderr and exit at once, not sit behind a
// message box nobody can click until its five-minute watchdog fires.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

class GuiScriptTest : public QObject {
    Q_OBJECT

private slots:
    void aBrokenModelEndsTheScriptedSessionWithItsError() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString model = dir.filePath("broken-model");
        QVERIFY(QDir().mkpath(model));
        QFile config(model + "/config.json");
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("{\"model_type\": ");
        config.close();

        QProcess gui;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        env.insert("XDG_CONFIG_HOME", dir.filePath("config"));  // the user's recent files stay untouched
        gui.setProcessEnvironment(env);
        const QString shot = dir.filePath("shot.png");
        gui.start(QStringLiteral(HEADSCOPE_GUI_PATH), {"--model", model, "--screenshot", shot});
        // Far below the watchdog's five minutes: a message box waiting for a click would run into this.
        QVERIFY2(gui.waitForFinished(120000), "the scripted session did not end");
        const QByteArray err = gui.readAllStandardError();
        QCOMPARE(gui.exitCode(), 1);
        QVERIFY2(err.contains("config.json") && err.contains("JSON"), err.constData());
        QVERIFY2(!err.contains("did not finish in 5 minutes"), err.constData());
        QVERIFY(!QFile::exists(shot));
    }
};

QTEST_GUILESS_MAIN(GuiScriptTest)
#include "test_gui_script.moc"
