// headscope-cli on the LLaVA-1.5 fixture: the same dump and generate options as for Qwen, the same tensor
// names, and no grid or M-RoPE position tensors.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "fixtures.h"
#include "reference.h"

using namespace headscope;
using namespace headscope::testing;

class CliLlavaTest : public QObject {
    Q_OBJECT

    QString model_;
    nlohmann::json reference_;

    QByteArray run(const QStringList& args, int* exitCode) {
        QProcess process;
        process.start(QStringLiteral(HEADSCOPE_CLI_PATH), args);
        process.waitForFinished(300000);
        *exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        if (*exitCode != 0) qWarning("%s", process.readAllStandardError().constData());
        return process.readAllStandardOutput();
    }

private slots:
    void initTestCase() {
        HEADSCOPE_REQUIRE_FIXTURE("llava-tiny");
        model_ = fixturePath("llava-tiny");
        reference_ = readJsonFile(fixtureDir("llava-tiny") + "/reference.json");
    }

    void dumpMatchesTheReference() {
        QTemporaryDir dir;
        const QString out = dir.filePath("dump.safetensors");
        QStringList gains;
        for (const auto& item : reference_.at("gains").at("items"))
            gains << QStringLiteral("%1:%2:%3").arg(item[0].get<int>()).arg(item[1].get<int>()).arg(item[2].get<double>());
        int code = 0;
        run({"dump", "--model", model_, "--pixel-values", model_ + "/reference.safetensors", "--prompt",
             QString::fromStdString(reference_.at("prompt").get<std::string>()), "--out", out, "--gains",
             gains.join(','), "--dtype", "fp32"},
            &code);
        QCOMPARE(code, 0);
        SafetensorsFile dump(out.toStdString());
        SafetensorsFile ref(fixtureDir("llava-tiny") + "/reference.safetensors");
        QVERIFY(!dump.find("position_ids"));
        QVERIFY(!dump.find("image_grid_thw"));
        QCOMPARE(referenceInts(dump, "input_ids").data, referenceInts(ref, "input_ids").data);
        for (const char* name : {"pixel_values", "logits_last", "logits_first8", "sv", "attn_last", "gains",
                                 "gains_logits_last", "gains_logits_first8", "grad_gate"}) {
            const FloatArray a = referenceFloats(dump, name), b = referenceFloats(ref, name);
            QCOMPARE(a.shape, b.shape);
            QVERIFY2(maxAbsDiff(a, b) <= 1e-4, name);
        }
    }

    void generateGivesTheReferenceTokens() {
        int code = 0;
        const QByteArray out = run({"generate", "--model", model_, "--image", model_ + "/image.jpg", "--prompt",
                                    QString::fromStdString(reference_.at("prompt").get<std::string>()),
                                    "--max-new-tokens", "8", "--json"},
                                   &code);
        QCOMPARE(code, 0);
        const auto result = nlohmann::json::parse(out.toStdString());
        QCOMPARE(result.at("generated_ids").get<std::vector<int64_t>>(),
                 reference_.at("greedy").at("ids").get<std::vector<int64_t>>());
    }
};

QTEST_GUILESS_MAIN(CliLlavaTest)
#include "test_cli_llava.moc"
