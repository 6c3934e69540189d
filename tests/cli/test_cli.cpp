// headscope-cli as a user runs it: tokenize (stdin byte for byte), decode, dump against the reference
// tensors, generate --json against the reference greedy tokens, and usage errors.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "fixtures.h"
#include "reference.h"

using namespace headscope;
using namespace headscope::testing;

namespace {

std::vector<int64_t> parseIds(const QByteArray& line) {
    std::vector<int64_t> ids;
    for (const QByteArray& word : line.trimmed().split(' '))
        if (!word.isEmpty()) ids.push_back(word.toLongLong());
    return ids;
}

}  // namespace

class CliTest : public QObject {
    Q_OBJECT

    QString model_;
    nlohmann::json reference_;

private slots:
    void initTestCase() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        model_ = fixturePath("qwen25vl-tiny");
        reference_ = readJsonFile(fixtureDir("qwen25vl-tiny") + "/reference.json");
    }

    void tokenizeMatchesTheReferenceIds() {
        // The rendered chat through stdin: added tokens are recognised, nothing is stripped; the reference
        // ids hold the image pad expanded 378 times, here it appears once.
        const std::string rendered = reference_.at("rendered_text").get<std::string>();
        const CliRun run = runCli({"tokenize", "--model", model_}, QByteArray::fromStdString(rendered));
        QCOMPARE(run.exitCode, 0);
        std::vector<int64_t> expected;
        for (int64_t id : reference_.at("input_ids").get<std::vector<int64_t>>())
            if (id != 151655 || expected.empty() || expected.back() != 151655) expected.push_back(id);
        QCOMPARE(parseIds(run.out), expected);
    }

    void tokenizeTakesStdinByteForByteAndDecodesBack() {
        const QByteArray text = QByteArray("  caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80\n\n\tend \n");
        const CliRun encoded = runCli({"tokenize", "--model", model_}, text);
        QCOMPARE(encoded.exitCode, 0);
        const CliRun withoutNewline = runCli({"tokenize", "--model", model_}, text.chopped(1));
        QVERIFY(parseIds(encoded.out) != parseIds(withoutNewline.out));  // the final newline was kept
        const CliRun decoded = runCli({"tokenize", "--model", model_, "--decode"}, encoded.out);
        QCOMPARE(decoded.exitCode, 0);
        QCOMPARE(decoded.out, text);
        const CliRun viaText = runCli({"tokenize", "--model", model_, "--text", "Hello world"});
        QCOMPARE(parseIds(viaText.out).size(), size_t(2));
    }

    void dumpWithReferencePixelsMatches() {
        QTemporaryDir dir;
        const QString out = dir.filePath("dump.safetensors");
        QStringList gains;  // the reference's gain items as LAYER:HEAD:GAIN
        for (const auto& item : reference_.at("gains").at("items"))
            gains << QStringLiteral("%1:%2:%3").arg(item[0].get<int>()).arg(item[1].get<int>()).arg(item[2].get<double>());
        const CliRun run = runCli({"dump", "--model", model_, "--pixel-values", model_ + "/reference.safetensors",
                                "--prompt", QString::fromStdString(reference_.at("prompt").get<std::string>()),
                                "--out", out, "--device", "cpu", "--dtype", "fp32", "--gains", gains.join(','),
                                "--grad-target", "auto"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        SafetensorsFile dump(out.toStdString());
        SafetensorsFile ref(fixtureDir("qwen25vl-tiny") + "/reference.safetensors");
        for (const char* name : {"input_ids", "image_grid_thw", "position_ids"})
            QCOMPARE(referenceInts(dump, name).data, referenceInts(ref, name).data);
        QCOMPARE(dump.find("input_ids")->dtype, DType::I64);
        for (const char* name : {"logits_last", "logits_first8", "sv", "attn_last", "gains", "gains_logits_last",
                                 "gains_logits_first8", "grad_gate"}) {
            const FloatArray a = referenceFloats(dump, name), b = referenceFloats(ref, name);
            QCOMPARE(a.shape, b.shape);
            QVERIFY2(maxAbsDiff(a, b) <= 1e-4, name);
        }
        QCOMPARE(QString::fromStdString(dump.metadata().at("grad_target")),
                 QString::number(reference_.at("grad_gate").at("target_token").get<int64_t>()));
        QCOMPARE(referenceFloats(dump, "pixel_values").data, referenceFloats(ref, "pixel_values").data);
    }

    void dumpFromTheImageFile() {
        QTemporaryDir dir;
        const QString out = dir.filePath("dump.safetensors");
        const CliRun run = runCli({"dump", "--model", model_, "--image", model_ + "/image.jpg", "--prompt",
                                "Describe this image.", "--out", out});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        SafetensorsFile dump(out.toStdString());
        SafetensorsFile ref(fixtureDir("qwen25vl-tiny") + "/reference.safetensors");
        QVERIFY(maxAbsDiff(referenceFloats(dump, "pixel_values"), referenceFloats(ref, "pixel_values")) <= 1e-5);
        QCOMPARE(referenceInts(dump, "input_ids").data, referenceInts(ref, "input_ids").data);
    }

    void generateJsonGivesTheReferenceGreedyTokens() {
        const CliRun run = runCli({"generate", "--model", model_, "--image", model_ + "/image.jpg", "--prompt",
                                "Describe this image.", "--max-new-tokens", "8", "--json"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const auto result = nlohmann::json::parse(run.out.toStdString());
        QCOMPARE(result.at("generated_ids").get<std::vector<int64_t>>(),
                 reference_.at("greedy").at("ids").get<std::vector<int64_t>>());
        QCOMPARE(result.at("text").get<std::string>(), reference_.at("greedy").at("text").get<std::string>());
        QVERIFY(result.at("timings").at("prefill_tokens_per_second").get<double>() > 0);
    }

    void generateStreamsTextThenRates() {
        const CliRun run = runCli({"generate", "--model", model_, "--image", model_ + "/image.jpg", "--prompt",
                                "Describe this image.", "--max-new-tokens", "8"});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.startsWith(QByteArray::fromStdString(reference_.at("greedy").at("text").get<std::string>())));
        QVERIFY(run.out.contains("prefill") && run.out.contains("tok/s"));
    }

    void gainsOptionErrors() {
        QTemporaryDir dir;
        const QString out = dir.filePath("never.safetensors");
        for (const QString& bad : {QStringLiteral("0:1"), QStringLiteral("0:1:x"), QStringLiteral("9:0:1.5"),
                                   QStringLiteral("a:b:c")}) {
            const CliRun run = runCli({"dump", "--model", model_, "--prompt", "x", "--out", out, "--gains", bad});
            QCOMPARE(run.exitCode, 2);
            QVERIFY2(run.err.contains("--gains"), run.err.constData());
            QVERIFY(!QFileInfo::exists(out));  // a refused command writes nothing
        }
    }

    void usageAndInputErrors() {
        CliRun run = runCli({"generate", "--prompt", "x"});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("--model"));
        run = runCli({"generate", "--model", model_, "--prompt", "x", "--bogus", "1"});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("--bogus"));
        run = runCli({"generate", "--model", "/nonexistent/folder", "--prompt", "x"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains("/nonexistent/folder"));
        QTemporaryDir dir;
        const QString notImage = dir.filePath("notes.png");
        QFile file(notImage);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("this is not an image");
        file.close();
        run = runCli({"generate", "--model", model_, "--image", notImage, "--prompt", "x"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains("notes.png"));
        run = runCli({"frobnicate"});
        QCOMPARE(run.exitCode, 2);
    }

    // Numbers that would make the engine misbehave are refused with the option's name: a thread count that
    // would spawn threads until the system gives out, and non-finite or out-of-range sampling values.
    void numericOptionsAreBounded() {
        const QList<QPair<QStringList, QByteArray>> cases = {
            {{"--threads", "100000"}, "--threads must be between 0 (one per core) and 1024, got 100000"},
            {{"--threads", "-1"}, "--threads must be between"},
            {{"--temperature", "nan"}, "--temperature expects a finite number, got 'nan'"},
            {{"--temperature", "inf"}, "--temperature expects a finite number"},
            {{"--temperature", "-0.5"}, "--temperature must be a finite number >= 0"},
            {{"--top-p", "1.5"}, "--top-p must be in (0, 1]"},
            {{"--top-p", "nan"}, "--top-p expects a finite number"},
            {{"--top-k", "-3"}, "--top-k must be >= 0"},
        };
        for (const auto& [options, message] : cases) {
            const CliRun run =
                runCli(QStringList{"generate", "--model", model_, "--prompt", "x", "--max-new-tokens", "1"} + options);
            QCOMPARE(run.exitCode, 2);
            QVERIFY2(run.err.contains(message), run.err.constData());
            QVERIFY(run.out.isEmpty());
        }
    }
};

QTEST_GUILESS_MAIN(CliTest)
#include "test_cli.moc"
