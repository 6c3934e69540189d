// LLaVA-1.5 (CLIP vision tower + projector + Llama decoder) against Hugging Face transformers on the shared
// llava-tiny fixture, through the same Session and analysis API as Qwen: input ids, pixel values, logits,
// greedy tokens, S_v, attention rows, gains and gate gradients, read from the reference files.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <filesystem>

#include "fixtures.h"
#include "test_helpers.h"
#include "headscope/analysis.h"
#include "reference.h"

using namespace headscope;
using namespace headscope::testing;

namespace {

using headscope::testing::logSoftmaxAt;

FloatArray ones(int64_t layers, int64_t heads) { return FloatArray({layers, heads}, std::vector<float>(layers * heads, 1.0f)); }

}  // namespace

class LlavaParityTest : public QObject {
    Q_OBJECT

    std::string dir_;
    std::unique_ptr<Session> session_;
    std::unique_ptr<SafetensorsFile> reference_;
    nlohmann::json json_;
    PreparedInput input_;  // with the reference pixel values

    ChatPrompt prompt() const {
        ChatPrompt p;
        p.userText = json_.at("prompt").get<std::string>();
        return p;
    }
    HeadControl referenceGains() const {
        HeadControl control;
        control.gains = ones(3, 6);
        for (const auto& item : json_.at("gains").at("items"))
            control.gains.data[size_t(item[0].get<int64_t>() * 6 + item[1].get<int64_t>())] = item[2].get<float>();
        return control;
    }
    GenerationOptions greedy() const {
        GenerationOptions options;
        options.maxNewTokens = json_.at("greedy").at("max_new_tokens").get<int64_t>();
        options.stopTokenIds = json_.at("greedy").at("eos_token_ids").get<std::vector<int64_t>>();
        return options;
    }

private slots:
    void initTestCase() {
        HEADSCOPE_REQUIRE_FIXTURE("llava-tiny");
        dir_ = fixtureDir("llava-tiny");
        LoadOptions options;
        options.device = DeviceChoice::Cpu;
        options.dtype = DTypeChoice::Float32;
        session_ = Session::load(dir_, options);
        reference_ = std::make_unique<SafetensorsFile>(dir_ + "/reference.safetensors");
        json_ = readJsonFile(dir_ + "/reference.json");
        ProcessedImage pixels;
        pixels.pixelValues = referenceFloats(*reference_, "pixel_values");
        input_ = session_->prepareWithPixels(prompt(), pixels);
    }

    void loadsTheCheckpoint() {
        const ModelInfo& info = session_->info();
        QCOMPARE(info.config.family, ModelFamily::Llava);
        QCOMPARE(info.config.text.numLayers, int64_t(3));
        QCOMPARE(info.config.text.numHeads, int64_t(6));
        QCOMPARE(info.parameterCount, int64_t(6534576));  // the fixture README's count
        QVERIFY(info.unusedTensors.empty());
    }

    void inputsMatch() {
        const RgbImage image = loadImageFile(dir_ + "/image.jpg");
        const PreparedInput input = session_->prepare(prompt(), &image);
        QCOMPARE(input.inputIds, referenceInts(*reference_, "input_ids").data);
        const FloatArray pixels = referenceFloats(*reference_, "pixel_values");
        QCOMPARE(input.image->pixelValues.shape, pixels.shape);
        QVERIFY(maxAbsDiff(input.image->pixelValues, pixels) <= 1e-5);
        QVERIFY(!input.multimodalRope);
        for (int64_t i = 0; i < int64_t(input.inputIds.size()); ++i) QCOMPARE(input.positionIds.data[size_t(i)], i);
    }

    void logitsMatch() {
        const PrefillOutput out = session_->prefill(input_, 8);
        const double last = maxAbsDiff(out.lastLogits, referenceFloats(*reference_, "logits_last"));
        const double first = maxAbsDiff(out.leadingLogits, referenceFloats(*reference_, "logits_first8"));
        qInfo("logits_last %.3g, logits_first8 %.3g", last, first);
        QVERIFY(last <= 1e-4);
        QVERIFY(first <= 1e-4);
    }

    void greedyMatches() {
        const GenerationResult r = session_->generate(input_, greedy());
        QCOMPARE(r.ids, json_.at("greedy").at("ids").get<std::vector<int64_t>>());
        QCOMPARE(QString::fromStdString(r.text), QString::fromStdString(json_.at("greedy").at("text").get<std::string>()));
    }

    void headStatisticsMatch() {
        const AnalyzedPrefill a = prefillAnalyzed(*session_, input_, {});
        const double sv = maxAbsDiff(a.statistics.visualShare, referenceFloats(*reference_, "sv"));
        const double row = maxAbsDiff(a.queryRow, referenceFloats(*reference_, "attn_last"));
        qInfo("sv %.3g, attn_last %.3g", sv, row);
        QVERIFY(sv <= 1e-5);
        QVERIFY(row <= 1e-5);
        const std::vector<KeySpan> spans = promptSpans(*session_, input_);
        QCOMPARE(spans.size(), size_t(2));
        QCOMPARE(spans[0].begin, json_.at("image_token_positions").front().get<int64_t>());
        QCOMPARE(spans[0].end, json_.at("image_token_positions").back().get<int64_t>() + 1);
        QCOMPARE(spans[1].begin, spans[0].end + 1);  // after the newline that follows the image
        QCOMPARE(spans[1].end, int64_t(input_.inputIds.size()) - 5);  // before "▁A SS IST ANT :"
    }

    void gainsMatch() {
        HeadControl unit;
        unit.gains = ones(3, 6);
        // Analyses run the eager attention: exactly an eager session's prefill; the default (fused) one to rounding.
        LoadOptions eager;
        eager.device = DeviceChoice::Cpu;
        eager.dtype = DTypeChoice::Float32;
        eager.attention = AttentionChoice::Eager;
        const std::vector<float> unitLogits = prefillAnalyzed(*session_, input_, unit).logits.lastLogits.data;
        QCOMPARE(unitLogits, Session::load(dir_, eager)->prefill(input_, 8).lastLogits.data);
        QVERIFY(maxAbsDiff(unitLogits, session_->prefill(input_, 8).lastLogits.data) <= 1e-5);
        const AnalyzedPrefill a = prefillAnalyzed(*session_, input_, referenceGains());
        QVERIFY(maxAbsDiff(referenceGains().gains, referenceFloats(*reference_, "gains")) == 0);
        const double last = maxAbsDiff(a.logits.lastLogits, referenceFloats(*reference_, "gains_logits_last"));
        qInfo("gains logits_last %.3g", last);
        QVERIFY(last <= 1e-4);
        const AnalyzedGeneration g = generateAnalyzed(*session_, input_, greedy(), referenceGains(), {});
        QCOMPARE(g.generation.ids, json_.at("gains").at("greedy_ids").get<std::vector<int64_t>>());
    }

    void gateGradientMatches() {
        const int64_t target = json_.at("grad_gate").at("target_token").get<int64_t>();
        const TokenExplanation e = explainToken(*session_, input_, {target}, 0);
        const double diff = maxAbsDiff(e.gateGradient, referenceFloats(*reference_, "grad_gate"));
        qInfo("grad_gate %.3g", diff);
        QVERIFY(diff <= 1e-4);
        QVERIFY(std::abs(e.logProbability - json_.at("grad_gate").at("logp_target").get<float>()) < 1e-4);
    }

    void newerWeightLayoutLoadsTheSame() {
        // model.vision_tower.*, model.multi_modal_projector.*, model.language_model.*, lm_head.*
        QTemporaryDir tmp;
        namespace fs = std::filesystem;
        const fs::path target = fs::path(tmp.path().toStdString()) / "llava";
        fs::create_directories(target);
        for (const auto& entry : fs::directory_iterator(dir_))
            if (entry.path().filename() != "model.safetensors") fs::copy_file(entry.path(), target / entry.path().filename());
        std::vector<TensorToWrite> tensors;
        {
            SafetensorsFile source(dir_ + "/model.safetensors");
            for (const TensorView& v : source.tensors()) {
                std::string name = v.name;
                if (name.rfind("language_model.model.", 0) == 0) name = "model.language_model." + name.substr(21);
                else if (name.rfind("language_model.lm_head.", 0) == 0) name = name.substr(15);
                else name = "model." + name;
                tensors.push_back({name, v.dtype, v.shape, std::vector<uint8_t>(v.data, v.data + v.nbytes)});
            }
        }
        writeSafetensors((target / "model.safetensors").string(), tensors);
        LoadOptions options;
        options.device = DeviceChoice::Cpu;
        auto renamed = Session::load(target.string(), options);
        QVERIFY(renamed->info().unusedTensors.empty());
        QCOMPARE(renamed->prefill(input_, 0).lastLogits.data, session_->prefill(input_, 0).lastLogits.data);
    }

    void incrementalDecodingEqualsFullForwards() {
        GenerationOptions options;
        options.maxNewTokens = 5;
        options.stopTokenIds = {-1};
        const GenerationResult r = session_->generate(input_, options);
        PreparedInput growing = input_;
        for (size_t step = 0; step < r.ids.size(); ++step) {
            const double expected = logSoftmaxAt(session_->prefill(growing, 0).lastLogits.data, r.ids[step]);
            QVERIFY(std::abs(expected - r.logprobs[step]) < 1e-4);
            growing.inputIds.push_back(r.ids[step]);
            const auto n = int64_t(growing.inputIds.size());
            growing.positionIds = Int64Array({3, n});
            for (int64_t a = 0; a < 3; ++a)
                for (int64_t i = 0; i < n; ++i) growing.positionIds.data[size_t(a * n + i)] = i;
        }
    }
};

QTEST_GUILESS_MAIN(LlavaParityTest)
#include "test_llava_parity.moc"
