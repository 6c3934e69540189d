// `headscope-cli --version [--json]` and `headscope --version`: what a user pastes into a bug report. The
// fields must say what this build really is: the LibTorch it runs, whether CUDA is compiled in, the devices.
#include <QtTest/QtTest>

#include <QProcess>
#include <QRegularExpression>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "headscope/version.h"

using namespace headscope::testing;

class VersionTest : public QObject {
    Q_OBJECT

private slots:
    void jsonNamesTheBuildAndTheDevices() {
        const CliRun run = runCli({"--version", "--json"});
        QCOMPARE(run.exitCode, 0);
        const nlohmann::json v = nlohmann::json::parse(run.out.toStdString());
        QCOMPARE(QString::fromStdString(v.at("headscope_version").get<std::string>()),
                 QString::fromLatin1(headscope::headscopeVersion()));
        const QString torch = QString::fromStdString(v.at("torch_version").get<std::string>());
        const auto match = QRegularExpression(QStringLiteral("^(\\d+)\\.(\\d+)\\.(\\d+)")).match(torch);
        QVERIFY2(match.hasMatch(), qPrintable("torch_version is not a version: " + torch));
        QVERIFY2(match.captured(1).toInt() >= 2, qPrintable("the platform is LibTorch 2.x, this runs " + torch));
        // The library loaded at run time is the one the build was compiled against.
        QCOMPARE(QString::fromStdString(v.at("torch_build_version").get<std::string>()), torch.section('+', 0, 0));
        QVERIFY(v.at("cuda_compiled").is_boolean());
        QCOMPARE(v.at("cuda_compiled").get<bool>(), bool(HEADSCOPE_TORCH_HAS_CUDA));
        if (v.at("cuda_compiled").get<bool>())
            QVERIFY(QRegularExpression(QStringLiteral("^\\d+\\.\\d+$"))
                        .match(QString::fromStdString(v.at("cuda_version").get<std::string>()))
                        .hasMatch());
        const nlohmann::json& devices = v.at("cuda_devices");
        QVERIFY(devices.is_array());
        for (const auto& d : devices) {
            QVERIFY(!d.at("name").get<std::string>().empty());
            QVERIFY(d.at("total_bytes").get<int64_t>() > 0);
        }
        // No device: the report says why instead of leaving the user guessing.
        if (devices.empty()) QVERIFY(!v.at("cuda_unavailable_reason").get<std::string>().empty());
        else QVERIFY(v.at("cuda_unavailable_reason").is_null());
    }

    void textAndTheDesktopAppSayTheSame() {
        const CliRun cli = runCli({"--version"});
        QCOMPARE(cli.exitCode, 0);
        QVERIFY(cli.out.startsWith("HeadScope " + QByteArray(headscope::headscopeVersion()) + "\n"));
        QVERIFY(cli.out.contains("LibTorch "));
        QVERIFY(cli.out.contains("CUDA compiled in: "));
        QVERIFY(cli.out.contains("CUDA devices: "));
        QProcess gui;
        gui.start(QStringLiteral(HEADSCOPE_GUI_PATH), {"--version"});
        QVERIFY(gui.waitForFinished(120000));
        QCOMPARE(gui.exitCode(), 0);
        QCOMPARE(gui.readAllStandardOutput(), cli.out);
    }

    void cudaWithoutADeviceIsAClearError() {
        const nlohmann::json v = nlohmann::json::parse(runCli({"--version", "--json"}).out.toStdString());
        if (!v.at("cuda_devices").empty()) QSKIP("this machine has a CUDA device");
        const CliRun run = runCli({"generate", "--model", HEADSCOPE_RESOURCES_DIR "/models/shapes-demo", "--prompt",
                                   "How many circles?", "--device", "cuda", "--max-new-tokens", "1"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("CUDA was requested but no CUDA device is available"), run.err.constData());
        // It names what was found: the LibTorch, and why no device is there.
        QVERIFY2(run.err.contains("found LibTorch " + QByteArray::fromStdString(v.at("torch_version").get<std::string>())),
                 run.err.constData());
        QVERIFY2(run.err.contains(QByteArray::fromStdString(v.at("cuda_unavailable_reason").get<std::string>())),
                 run.err.constData());
        QVERIFY(run.out.isEmpty());
    }

    void unknownOptionsAreRefused() {
        const CliRun run = runCli({"--version", "--jsn"});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("jsn"));
    }
};

QTEST_GUILESS_MAIN(VersionTest)
#include "test_version.moc"
