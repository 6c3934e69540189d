// The fused attention path (scaled_dot_product_attention) against the eager reference, and bf16 against fp32,
// on every model family: the two shared fixtures, the bundled demo model and a generated Qwen2-VL. Fused and
// eager must give the same logits to fp32 rounding and the same greedy tokens; bf16 the same greedy tokens
// wherever fp32 decides them by more than bf16's rounding can move a logit.
#include <QtTest/QtTest>

#include <QTemporaryDir>
#include <algorithm>
#include <cmath>

#include "fixtures.h"
#include "headscope/random_model.h"
#include "headscope/session.h"
#include "reference.h"

using namespace headscope;
using namespace headscope::testing;

namespace {

struct Case {
    std::string folder;
    std::string image;  // empty: a text-only prompt
    std::string prompt;
};

std::unique_ptr<Session> load(const std::string& folder, AttentionChoice attention, DTypeChoice dtype) {
    LoadOptions options;
    options.device = DeviceChoice::Cpu;
    options.dtype = dtype;
    options.attention = attention;
    return Session::load(folder, options);
}

PreparedInput prepare(const Session& session, const Case& c) {
    ChatPrompt prompt;
    prompt.userText = c.prompt;
    if (c.image.empty()) return session.prepare(prompt, nullptr);
    const RgbImage image = loadImageFile(c.image);
    return session.prepare(prompt, &image);
}

GenerationOptions greedy(int64_t tokens) {
    GenerationOptions options;
    options.maxNewTokens = tokens;
    options.stopTokenIds = {-1};  // never stops early: every step is compared
    return options;
}

// `input` followed by the first `count` of `ids`, with positions laid out as the session lays out a prompt.
PreparedInput extended(const Session& session, PreparedInput input, const std::vector<int64_t>& ids, size_t count) {
    input.inputIds.insert(input.inputIds.end(), ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(count));
    std::vector<GridTHW> grids;
    if (input.multimodalRope && input.image) grids.push_back(input.image->grid);
    input.positionIds = computeMropePositions(input.inputIds, grids, session.config().imageTokenId,
                                              session.config().vision.spatialMergeSize, &input.ropeDelta);
    return input;
}

double largestMagnitude(const std::vector<float>& v) {
    double m = 0;
    for (float x : v) m = std::max(m, std::abs(static_cast<double>(x)));
    return m;
}

// Two CPU sessions of one model, differing in attention path or precision, and the row's prompt prepared once.
struct SessionPair {
    std::unique_ptr<Session> reference, other;
    PreparedInput input;
};

}  // namespace

// The data row's model. A missing shared fixture skips the row (fails it when fixtures are required), which
// only the test function itself can do.
#define FETCH_CASE(c)                                                         \
    QFETCH(QString, which);                                                   \
    if (which == "qwen25vl-tiny") HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny"); \
    if (which == "llava-tiny") HEADSCOPE_REQUIRE_FIXTURE("llava-tiny");       \
    const Case c = caseFor(which)

class AttentionPathsTest : public QObject {
    Q_OBJECT

    QTemporaryDir scratch_;
    std::string qwen2vl_;

    Case qwen25Case() const {
        const nlohmann::json ref = readJsonFile(fixtureDir("qwen25vl-tiny") + "/reference.json");
        return {fixtureDir("qwen25vl-tiny"), fixtureDir("qwen25vl-tiny") + "/image.jpg", ref.at("prompt").get<std::string>()};
    }
    Case llavaCase() const {
        const nlohmann::json ref = readJsonFile(fixtureDir("llava-tiny") + "/reference.json");
        return {fixtureDir("llava-tiny"), fixtureDir("llava-tiny") + "/image.jpg", ref.at("prompt").get<std::string>()};
    }
    Case demoCase() const {
        return {std::string(HEADSCOPE_RESOURCES_DIR) + "/models/shapes-demo",
                std::string(HEADSCOPE_RESOURCES_DIR) + "/samples/circles-and-triangles.png",
                "How many circles and triangles are there together?"};
    }
    Case qwen2vlCase() const {
        return {qwen2vl_, std::string(HEADSCOPE_RESOURCES_DIR) + "/samples/circles-and-triangles.png",
                "Describe the picture."};
    }

    static SessionPair loadPair(const Case& c, AttentionChoice referenceAttention, DTypeChoice referenceDtype,
                                AttentionChoice otherAttention, DTypeChoice otherDtype) {
        SessionPair p;
        p.reference = load(c.folder, referenceAttention, referenceDtype);
        p.other = load(c.folder, otherAttention, otherDtype);
        p.input = prepare(*p.reference, c);
        return p;
    }

    void addCases() {
        QTest::addColumn<QString>("which");
        QTest::newRow("qwen25vl-tiny") << "qwen25vl-tiny";
        QTest::newRow("llava-tiny") << "llava-tiny";
        QTest::newRow("shapes-demo") << "shapes-demo";
        QTest::newRow("generated qwen2-vl") << "qwen2-vl";
    }
    Case caseFor(const QString& which) const {
        if (which == "qwen25vl-tiny") return qwen25Case();
        if (which == "llava-tiny") return llavaCase();
        if (which == "shapes-demo") return demoCase();
        return qwen2vlCase();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(scratch_.isValid());
        qwen2vl_ = scratch_.filePath("qwen2-vl").toStdString();
        writeRandomQwenModel(qwen2vl_, randomModelPreset("tiny-qwen2-vl"), 7);
    }

    void sessionsSayWhichPathTheyTake() {
        const Case c = demoCase();
        QCOMPARE(QString::fromStdString(load(c.folder, AttentionChoice::Eager, DTypeChoice::Float32)->info().attention),
                 QStringLiteral("eager"));
        QCOMPARE(QString::fromStdString(load(c.folder, AttentionChoice::Fused, DTypeChoice::Float32)->info().attention),
                 QStringLiteral("fused"));
        // LibTorch 2.x is the platform: Auto takes the fused path.
        QCOMPARE(QString::fromStdString(load(c.folder, AttentionChoice::Auto, DTypeChoice::Float32)->info().attention),
                 QStringLiteral("fused"));
    }

    void fusedMatchesEagerLogits_data() { addCases(); }
    void fusedMatchesEagerLogits() {
        FETCH_CASE(c);
        const SessionPair p =
            loadPair(c, AttentionChoice::Eager, DTypeChoice::Float32, AttentionChoice::Fused, DTypeChoice::Float32);
        const PreparedInput& input = p.input;
        QVERIFY(input.inputIds.size() > 8);
        const PrefillOutput a = p.reference->prefill(input, 16);
        const PrefillOutput b = p.other->prefill(input, 16);
        QCOMPARE(a.lastLogits.shape, b.lastLogits.shape);
        QCOMPARE(a.leadingLogits.shape, b.leadingLogits.shape);
        const double last = maxAbsDiff(a.lastLogits, b.lastLogits);
        const double every = maxAbsDiff(a.leadingLogits, b.leadingLogits);
        qInfo("%s: %zu prompt tokens; fused vs eager max |diff| %.3g at the last position, %.3g over all positions "
              "(largest logit %.3g)",
              qPrintable(which), input.inputIds.size(), last, every, largestMagnitude(a.lastLogits.data));
        QVERIFY2(last <= 1e-5, "fused and eager last-position logits differ beyond fp32 rounding");
        QVERIFY2(every <= 1e-5, "fused and eager logits differ beyond fp32 rounding at some prompt position");
    }

    void fusedMatchesEagerGreedyTokens_data() { addCases(); }
    void fusedMatchesEagerGreedyTokens() {
        FETCH_CASE(c);
        const SessionPair p =
            loadPair(c, AttentionChoice::Eager, DTypeChoice::Float32, AttentionChoice::Fused, DTypeChoice::Float32);
        const GenerationResult a = p.reference->generate(p.input, greedy(24));
        const GenerationResult b = p.other->generate(p.input, greedy(24));
        QCOMPARE(a.ids.size(), size_t(24));
        QCOMPARE(b.ids, a.ids);
        QVERIFY(maxAbsDiff(a.logprobs, b.logprobs) <= 1e-4);
    }

    void bf16KeepsTheGreedyTokens_data() { addCases(); }
    void bf16KeepsTheGreedyTokens() {
        FETCH_CASE(c);
        const SessionPair p =
            loadPair(c, AttentionChoice::Auto, DTypeChoice::Float32, AttentionChoice::Auto, DTypeChoice::BFloat16);
        const Session& fp32 = *p.reference;
        const Session& bf16 = *p.other;
        const PreparedInput& input = p.input;
        QCOMPARE(QString::fromStdString(bf16.info().dtype), QStringLiteral("bfloat16"));
        QCOMPARE(bf16.info().parameterBytes, 2 * bf16.info().parameterCount);
        const PrefillOutput a = fp32.prefill(input, 16);
        const PrefillOutput b = bf16.prefill(input, 16);
        const double scale = largestMagnitude(a.lastLogits.data);
        const double diff = maxAbsDiff(a.lastLogits, b.lastLogits);
        qInfo("%s: bf16 vs fp32 last-position logits max |diff| %.3g, largest logit %.3g", qPrintable(which), diff, scale);
        // bf16 keeps 8 significant bits (relative step 2^-8 = 0.39%). Each of a layer's few matrix products rounds
        // its inputs once and accumulates in fp32, so the error grows with depth, not with width: a few
        // percent of the largest logit after these models' 2 to 4 layers. 5% bounds that with room, and would
        // still catch a wrongly cast weight or an fp16 path (errors of the logits' own size).
        const double tolerance = 0.05 * std::max(scale, 1.0);
        QVERIFY2(diff <= tolerance, "bf16 logits drift further from fp32 than bf16 rounding explains");

        const GenerationResult ga = fp32.generate(input, greedy(16));
        const GenerationResult gb = bf16.generate(input, greedy(16));
        QCOMPARE(gb.ids.size(), ga.ids.size());
        size_t k = 0;
        while (k < ga.ids.size() && ga.ids[k] == gb.ids[k]) ++k;
        if (k == ga.ids.size()) return;
        // The trained demo model decides every token by a wide margin: bf16 must not change a single one.
        QVERIFY2(which != "shapes-demo", qPrintable(QStringLiteral("bf16 changed greedy token %1 of the demo model").arg(k)));
        // Random-weight fixtures spread their logits thinly over 150k ids; there bf16 may pick another token
        // only where fp32 itself prefers its own choice by less than bf16's error bound.
        const PrefillOutput at = fp32.prefill(extended(fp32, input, ga.ids, k), 0);
        const auto& l = at.lastLogits.data;
        QCOMPARE(int64_t(std::max_element(l.begin(), l.end()) - l.begin()), ga.ids[k]);
        const double margin = l[static_cast<size_t>(ga.ids[k])] - l[static_cast<size_t>(gb.ids[k])];
        qInfo("%s: bf16 first differs at token %zu, where fp32 prefers its token by %.3g (bound %.3g)",
              qPrintable(which), k, margin, tolerance);
        QVERIFY2(k >= 4, "bf16 changed one of the first greedy tokens");
        QVERIFY2(margin <= tolerance, "bf16 changed a greedy token that fp32 decides by more than bf16's error");
    }
};

QTEST_GUILESS_MAIN(AttentionPathsTest)
#include "test_attention_paths.moc"
