// headscope-cli profile, compare and contrib on the tiny reference model: head classes checked against the
// rule applied by hand to the reference S_v, controlled generation against the reference gains run, and
// contribution maps against the reference gate gradients; profiles and CSV files read back independently.
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_run.h"
#include "fixtures.h"
#include "headscope/head_classes.h"
#include "headscope/profile.h"
#include "reference.h"

using namespace headscope;
using namespace headscope::testing;

namespace {

std::vector<float> flatten(const nlohmann::json& rows) {
    std::vector<float> values;
    for (const auto& row : rows)
        for (const auto& value : row) values.push_back(value.get<float>());
    return values;
}

std::vector<std::string> flattenNames(const nlohmann::json& rows) {
    std::vector<std::string> names;
    for (const auto& row : rows)
        for (const auto& name : row) names.push_back(name.get<std::string>());
    return names;
}

// A threshold halfway between the sorted values k-1 and k, so that no share lies near it.
float thresholdBelowRank(std::vector<float> values, size_t k) {
    std::sort(values.begin(), values.end());
    return (values[k - 1] + values[k]) / 2;
}

QString number(float value) { return QString::number(static_cast<double>(value), 'g', 9); }

// A profile for a model of `layers` x `heads` whose only meaningful table is the gains.
HeadProfile gainsProfile(const std::string& modelType, const FloatArray& gains) {
    HeadProfile profile;
    profile.name = "gains";
    profile.model.name = "test";
    profile.model.modelType = modelType;
    profile.model.configHash = "0";
    profile.model.layers = gains.dim(0);
    profile.model.heads = gains.dim(1);
    profile.visualShare = FloatArray(gains.shape);
    profile.contribution = FloatArray(gains.shape);
    profile.headClass = Int64Array(gains.shape);  // all "other"
    profile.gain = gains;
    return profile;
}

}  // namespace

class AnalysisCommandsTest : public QObject {
    Q_OBJECT

    QString model_;
    QString pixels_;  // the reference's own pixel values, so that the numbers compare tightly
    QString prompt_;
    nlohmann::json reference_;
    FloatArray sv_, gains_, gradGate_;

    QStringList inputArgs() const {
        return {"--model", model_, "--pixel-values", pixels_, "--prompt", prompt_,
                "--device", "cpu", "--dtype", "fp32"};
    }

private slots:
    void initTestCase() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        model_ = fixturePath("qwen25vl-tiny");
        pixels_ = model_ + "/reference.safetensors";
        reference_ = readJsonFile(fixtureDir("qwen25vl-tiny") + "/reference.json");
        prompt_ = QString::fromStdString(reference_.at("prompt").get<std::string>());
        SafetensorsFile ref(pixels_.toStdString());
        sv_ = referenceFloats(ref, "sv");
        gains_ = referenceFloats(ref, "gains");
        gradGate_ = referenceFloats(ref, "grad_gate");
    }

    void profileClassesFollowTheRuleOnTheReferenceShares() {
        const float tauPerc = thresholdBelowRank(sv_.data, sv_.data.size() / 2);
        const float tauReas = thresholdBelowRank(sv_.data, sv_.data.size() / 4);
        const int64_t lPerc = 1, lReas = 2, heads = sv_.dim(1);
        std::vector<std::string> expectedClasses;
        std::vector<float> expectedGains;
        int64_t perception = 0, reasoning = 0;
        for (size_t i = 0; i < sv_.data.size(); ++i) {
            const int64_t layer = static_cast<int64_t>(i) / heads;
            const float share = sv_.data[i];
            if (layer <= lPerc && share >= tauPerc) {
                expectedClasses.push_back("perception");
                expectedGains.push_back(1.16f);
                ++perception;
            } else if (layer >= lReas && share <= tauReas) {
                expectedClasses.push_back("reasoning");
                expectedGains.push_back(1.30f);
                ++reasoning;
            } else {
                expectedClasses.push_back("other");
                expectedGains.push_back(1.0f);
            }
        }
        QVERIFY(perception > 0 && reasoning > 0);  // the thresholds split the table

        QTemporaryDir dir;
        const QString base = dir.filePath("tiny-run");
        const CliRun run = runCli(QStringList{"profile"} + inputArgs() +
                               QStringList{"--out", base, "--l-perc", QString::number(lPerc), "--l-reas",
                                           QString::number(lReas), "--tau-perc", number(tauPerc),
                                           "--tau-reas", number(tauReas), "--json"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const auto out = nlohmann::json::parse(run.out.toStdString());
        QCOMPARE(flattenNames(out.at("classes")), expectedClasses);
        QCOMPARE(flatten(out.at("gains")), expectedGains);
        QVERIFY(maxAbsDiff(flatten(out.at("visual_share")), sv_.data) <= 1e-5);
        QCOMPARE(out.at("counts").at("perception").get<int64_t>(), perception);
        QCOMPARE(out.at("counts").at("reasoning").get<int64_t>(), reasoning);
        QCOMPARE(out.at("counts").at("total").get<int64_t>(), sv_.numel());
        QCOMPARE(out.at("fractions").at("selected").get<double>(),
                 double(perception + reasoning) / sv_.numel());

        const std::string jsonPath = out.at("profile").at("json").get<std::string>();
        QCOMPARE(QString::fromStdString(jsonPath), base + ".json");
        QVERIFY(QFile::exists(base + ".json") && QFile::exists(base + ".safetensors"));
        const HeadProfile saved = loadProfile(jsonPath);
        QCOMPARE(saved.name, std::string("tiny-run"));
        QCOMPARE(saved.prompt, prompt_.toStdString());
        QCOMPARE(saved.rule.perceptionMaxLayer, lPerc);
        QCOMPARE(static_cast<float>(saved.rule.perceptionMinShare), tauPerc);
        QCOMPARE(saved.headClass.shape, sv_.shape);
        for (size_t i = 0; i < expectedClasses.size(); ++i)
            QCOMPARE(std::string(headClassName(static_cast<HeadClass>(saved.headClass.data[i]))),
                     expectedClasses[i]);
        QVERIFY(maxAbsDiff(saved.visualShare, sv_) <= 1e-5);
        QCOMPARE(saved.gain.data, expectedGains);
        QCOMPARE(saved.contribution.data, std::vector<float>(sv_.data.size(), 0.0f));  // no --contrib
    }

    void profileTableForPeople() {
        QTemporaryDir dir;
        const CliRun run =
            runCli(QStringList{"profile"} + inputArgs() + QStringList{"--out", dir.filePath("p")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.out.contains("selected") && run.out.contains(QByteArray::number(sv_.numel()) + " heads"),
                 run.out.constData());
        QVERIFY(run.out.contains("S_v at the last prompt token"));
    }

    void profileErrors() {
        QTemporaryDir dir;
        CliRun run = runCli(QStringList{"profile"} + inputArgs() +
                         QStringList{"--out", dir.filePath("p"), "--tau-perc", "1.5"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("tau_perc"), run.err.constData());
        QVERIFY(!QFile::exists(dir.filePath("p.json")));

        run = runCli(QStringList{"profile"} + inputArgs());
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("--out"), run.err.constData());

        run = runCli(QStringList{"profile"} + inputArgs() +
                     QStringList{"--out", dir.filePath("p"), "--query", "first"});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("--query"), run.err.constData());
    }

    void compareWithAProfileReproducesTheReferenceGainsRun() {
        QTemporaryDir dir;
        const std::string base = dir.filePath("reference-gains").toStdString();
        saveProfile(base, gainsProfile(reference_.at("model_type").get<std::string>(), gains_));
        const CliRun run = runCli(QStringList{"compare"} + inputArgs() +
                               QStringList{"--profile", QString::fromStdString(base + ".json"),
                                           "--max-new-tokens", "8", "--json"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const auto out = nlohmann::json::parse(run.out.toStdString());
        QCOMPARE(out.at("baseline").at("ids").get<std::vector<int64_t>>(),
                 reference_.at("greedy").at("ids").get<std::vector<int64_t>>());
        QCOMPARE(out.at("controlled").at("ids").get<std::vector<int64_t>>(),
                 reference_.at("gains").at("greedy_ids").get<std::vector<int64_t>>());
        QCOMPARE(out.at("first_divergence").get<int64_t>(), int64_t(0));
        QCOMPARE(flatten(out.at("gains")), gains_.data);
        QCOMPARE(out.at("controlled").at("logprobs").size(), size_t(8));
    }

    void compareRefusesAProfileOfAnotherShape() {
        QTemporaryDir dir;
        const std::string base = dir.filePath("small").toStdString();
        saveProfile(base, gainsProfile("qwen2_5_vl", FloatArray({2, 2}, {1.0f, 1.5f, 1.0f, 1.0f})));
        const CliRun run =
            runCli(QStringList{"compare"} + inputArgs() +
                   QStringList{"--profile", QString::fromStdString(base), "--max-new-tokens", "2"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("2 layers x 2 heads"), run.err.constData());
        const QByteArray modelShape =
            QByteArray::number(gains_.dim(0)) + " x " + QByteArray::number(gains_.dim(1));
        QVERIFY2(run.err.contains(modelShape), run.err.constData());
    }

    void compareIdentifiesHeadsWhenNoProfileIsGiven() {
        const CliRun run = runCli(QStringList{"compare"} + inputArgs() + QStringList{"--max-new-tokens", "3"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(run.out.contains("baseline:") && run.out.contains("controlled:"));
        QVERIFY(run.out.contains("first divergence:"));
    }

    void contribMatchesTheReferenceGateGradient() {
        const CliRun run =
            runCli(QStringList{"contrib"} + inputArgs() + QStringList{"--max-new-tokens", "1", "--json"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const auto out = nlohmann::json::parse(run.out.toStdString());
        const int64_t expectedTarget = reference_.at("grad_gate").at("target_token").get<int64_t>();
        QCOMPARE(out.at("target").at("id").get<int64_t>(), expectedTarget);
        QVERIFY(maxAbsDiff(flatten(out.at("contribution")), gradGate_.data) <= 1e-4);
        QVERIFY(std::abs(out.at("log_probability").get<double>() -
                         reference_.at("grad_gate").at("logp_target").get<double>()) <= 1e-4);
        QCOMPARE(out.at("top_heads").size(), size_t(5));
        QCOMPARE(out.at("token_saliency").size(), reference_.at("input_ids").size());

        // Naming the same token explicitly explains the same thing.
        const CliRun named = runCli(
            QStringList{"contrib"} + inputArgs() +
            QStringList{"--max-new-tokens", "1", "--json", "--target", QString::number(expectedTarget)});
        QVERIFY2(named.exitCode == 0, named.err.constData());
        const auto namedOut = nlohmann::json::parse(named.out.toStdString());
        QVERIFY(maxAbsDiff(flatten(namedOut.at("contribution")), flatten(out.at("contribution"))) <= 1e-6);
    }

    void contribCsvAndProfileReadBack() {
        QTemporaryDir dir;
        const QString csv = dir.filePath("contrib.csv");
        const QString base = dir.filePath("contrib-profile");
        const CliRun run = runCli(QStringList{"contrib"} + inputArgs() +
                               QStringList{"--max-new-tokens", "1", "--csv", csv, "--profile-out", base});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 1 + static_cast<int>(gradGate_.numel()));
        QCOMPARE(lines[0], QByteArray("layer,head,contribution,visual_share"));
        const int64_t heads = gradGate_.dim(1);
        for (int i = 1; i < lines.size(); ++i) {
            const QList<QByteArray> cells = lines[i].split(',');
            QCOMPARE(cells.size(), 4);
            const int64_t layer = cells[0].toLongLong(), head = cells[1].toLongLong();
            const size_t cell = static_cast<size_t>(layer * heads + head);
            QCOMPARE(cell, static_cast<size_t>(i - 1));
            QVERIFY(std::abs(cells[2].toDouble() - gradGate_.data[cell]) <= 1e-4);
            QVERIFY(std::abs(cells[3].toDouble() - sv_.data[cell]) <= 1e-5);
        }
        QVERIFY(!QFile::exists(csv + ".partial"));

        const HeadProfile saved = loadProfile(base.toStdString());
        QVERIFY(maxAbsDiff(saved.contribution, gradGate_) <= 1e-4);
        QCOMPARE(saved.headClass.data, classifyHeads(saved.visualShare, FacRule{}).classes.data);
    }

    void contribRefusesATokenThatWasNotGenerated() {
        const CliRun run = runCli(QStringList{"contrib"} + inputArgs() +
                               QStringList{"--max-new-tokens", "1", "--token", "5"});
        QVERIFY(run.exitCode != 0);
        QVERIFY2(run.err.contains("generated token 5"), run.err.constData());
    }
};

QTEST_GUILESS_MAIN(AnalysisCommandsTest)
#include "test_analysis_commands.moc"
