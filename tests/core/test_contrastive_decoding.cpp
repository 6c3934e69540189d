// Visual contrastive decoding: the logit combination and its plausibility cutoff against a hand-computed
// two-token case, VCD's noise schedule and noise statistics, and generation on the bundled demo model checked
// against invariants (alpha 0 or no image: plain greedy decoding) and against the two runs' logits combined
// by hand.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>

#include "headscope/contrastive_decoding.h"
#include "headscope/error.h"

using namespace headscope;

namespace {

const std::string kModel = std::string(HEADSCOPE_RESOURCES_DIR) + "/models/shapes-demo";
const std::string kImage = std::string(HEADSCOPE_RESOURCES_DIR) + "/samples/circles-and-triangles.png";

int64_t argmax(const std::vector<float>& v) { return int64_t(std::max_element(v.begin(), v.end()) - v.begin()); }

}  // namespace

class ContrastiveDecodingTest : public QObject {
    Q_OBJECT

private slots:
    void twoLogitCaseByHand() {
        // Real image: logits (2, 1); noised: (1, 1). alpha 1: (2*2 - 1, 2*1 - 1) = (3, 1).
        // beta 0.1: cutoff 2 + ln 0.1 = -0.30, both tokens plausible.
        auto out = contrastiveLogits({2.f, 1.f}, {1.f, 1.f}, 1.0, 0.1);
        QCOMPARE(out[0], 3.f);
        QCOMPARE(out[1], 1.f);
        // beta 0.5: cutoff 2 + ln 0.5 = 1.31 > 1, so the second token is dropped.
        out = contrastiveLogits({2.f, 1.f}, {1.f, 1.f}, 1.0, 0.5);
        QCOMPARE(out[0], 3.f);
        QVERIFY(std::isinf(out[1]) && out[1] < 0);
        // The contrast can reorder plausible tokens: noised (3, 0) favours the second: (1, 2).
        out = contrastiveLogits({2.f, 1.f}, {3.f, 0.f}, 1.0, 0.1);
        QCOMPARE(out[0], 1.f);
        QCOMPARE(out[1], 2.f);
        // alpha 0.5: 1.5 * (2, 1) - 0.5 * (3, 0) = (1.5, 1.5).
        out = contrastiveLogits({2.f, 1.f}, {3.f, 0.f}, 0.5, 0.1);
        QCOMPARE(out[0], 1.5f);
        QCOMPARE(out[1], 1.5f);
    }

    void noiseScheduleAndStatistics() {
        // Step 0: beta_0 = sigmoid(-6) * (0.005 - 1e-5) + 1e-5 = 0.0024726 * 0.00499 + 1e-5 = 2.23383e-5.
        QVERIFY(std::abs(diffusionSignalScale(0) - std::sqrt(1 - 2.23383e-5)) < 1e-9);
        double previous = 1;
        for (int step : {0, 100, 250, 500, 750, 999}) {
            const double s = diffusionSignalScale(step);
            QVERIFY(s < previous && s > 0);
            previous = s;
        }
        // At step 500 the betas so far average well under 0.0025, so most of the image is kept, but not all.
        const double s500 = diffusionSignalScale(500);
        QVERIFY2(s500 > 0.5 && s500 < 0.9, qPrintable(QString::number(s500)));

        ProcessedImage zeros;
        zeros.pixelValues = FloatArray({200, 500}, std::vector<float>(100000, 0.0f));
        const ProcessedImage noised = diffusionNoised(zeros, 500, 7);
        double sum = 0, squares = 0;
        for (float v : noised.pixelValues.data) {
            sum += v;
            squares += double(v) * v;
        }
        const double mean = sum / 1e5, sd = std::sqrt(squares / 1e5 - mean * mean);
        QVERIFY(std::abs(mean) < 0.01);
        QVERIFY2(std::abs(sd - std::sqrt(1 - s500 * s500)) < 0.01, qPrintable(QString::number(sd)));
        ProcessedImage ones = zeros;
        std::fill(ones.pixelValues.data.begin(), ones.pixelValues.data.end(), 1.0f);
        const ProcessedImage noisedOnes = diffusionNoised(ones, 500, 7);
        // Same seed, same noise: the difference is exactly the kept share of the image.
        for (size_t i = 0; i < 100; ++i)
            QVERIFY(std::abs(noisedOnes.pixelValues.data[i] - noised.pixelValues.data[i] - s500) < 1e-5);
        QVERIFY(diffusionNoised(zeros, 500, 8).pixelValues.data != noised.pixelValues.data);
    }

    void refusesBadOptions() {
        VcdOptions o;
        o.beta = 0;
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, validateVcdOptions(o));
        o = {};
        o.noiseStep = 1000;
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, validateVcdOptions(o));
        o = {};
        o.alpha = -1;
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, validateVcdOptions(o));
    }

    void generationOnTheDemoModel() {
        if (!QFile::exists(QString::fromStdString(kModel + "/config.json"))) QSKIP("the bundled demo model is missing");
        const auto session = Session::load(kModel, LoadOptions{DeviceChoice::Cpu, DTypeChoice::Float32, 1});
        ChatPrompt prompt;
        prompt.userText = "How many circles and triangles are there together?";
        const RgbImage image = loadImageFile(kImage);
        const PreparedInput input = session->prepare(prompt, &image);
        GenerationOptions greedy;
        greedy.maxNewTokens = 40;
        const GenerationResult plain = session->generate(input, greedy);

        // alpha 0 only masks implausible tokens, which greedy decoding never picks.
        VcdOptions none;
        none.alpha = 0;
        const GenerationResult masked = generateContrastive(*session, input, greedy, none);
        QCOMPARE(masked.ids, plain.ids);
        QCOMPARE(masked.logprobs, plain.logprobs);  // reported under the real image's distribution

        // Without an image both runs see the same prompt: (1 + a) l - a l = l.
        const PreparedInput text = session->prepare(prompt, nullptr);
        QCOMPARE(generateContrastive(*session, text, greedy, VcdOptions{}).ids, session->generate(text, greedy).ids);

        // The first token is the argmax of the two prompt passes combined by hand.
        VcdOptions vcd;
        vcd.alpha = 3;  // a strong contrast, so that it is likely to matter
        vcd.noiseSeed = 11;
        const auto real = session->prefill(input).lastLogits.data;
        const auto noised = session->prefill(session->prepareWithPixels(prompt, diffusionNoised(*input.image, vcd.noiseStep, 11)))
                                .lastLogits.data;
        QVERIFY(real != noised);
        GenerationOptions one = greedy;
        one.maxNewTokens = 1;
        const GenerationResult first = generateContrastive(*session, input, one, vcd);
        QCOMPARE(first.ids.size(), size_t(1));
        QCOMPARE(first.ids[0], argmax(contrastiveLogits(real, noised, vcd.alpha, vcd.beta)));
        // Determinism: the same options give the same text.
        QCOMPARE(generateContrastive(*session, input, greedy, vcd).ids, generateContrastive(*session, input, greedy, vcd).ids);
    }
};

QTEST_GUILESS_MAIN(ContrastiveDecodingTest)
#include "test_contrastive_decoding.moc"
