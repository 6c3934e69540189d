// The demo trainer's answer loss runs the picture once per scene and each conversation's own tokens after
// it: its value and its gradients must equal those of running every conversation whole.
#include <QtTest/QtTest>

#include "demo/demo_loss.h"
#include "headscope/error.h"
#include "headscope/demo_training.h"
#include "headscope/session.h"
#include "session_impl.h"

using namespace headscope;

namespace {

const std::string kModel = std::string(HEADSCOPE_RESOURCES_DIR) + "/models/shapes-demo";

struct Fixture {
    std::unique_ptr<Session> session;
    std::shared_ptr<models::QwenVLModelImpl> model;
    std::vector<shapes::Scene> scenes;
    demo::TrainingBatch templated, inventories;
};

// Two scenes: three templated questions about the first, two about the second (unequal groups, unequal
// lengths, so padding and the repeat counts are exercised), and an inventory of each in a second batch.
Fixture makeFixture() {
    Fixture f;
    LoadOptions options;
    options.device = DeviceChoice::Cpu;
    options.dtype = DTypeChoice::Float32;
    f.session = Session::load(kModel, options);
    f.model = std::dynamic_pointer_cast<models::QwenVLModelImpl>(f.session->impl().model);
    f.scenes = {shapes::sampleScene(7), shapes::sampleScene(8)};
    const Tokenizer& tokenizer = *f.session->impl().tokenizer;
    ImageProcessorConfig imageConfig;
    imageConfig.maxPixels = demoModelShape().maxPixels;
    const demo::BatchBuilder builder{tokenizer, f.session->config(), imageConfig, *tokenizer.tokenToId("<|endoftext|>"),
                                     *tokenizer.tokenToId("<|im_end|>")};
    std::vector<demo::SceneQuestions> templated, inventories;
    for (size_t s = 0; s < f.scenes.size(); ++s) {
        auto questions = shapes::questionsForScene(f.scenes[s]);
        questions.resize(s == 0 ? 3 : 2);
        templated.push_back({&f.scenes[s], questions});
        inventories.push_back({&f.scenes[s], {shapes::inventoryScene(f.scenes[s])}});
    }
    f.templated = builder.build(templated);
    f.inventories = builder.build(inventories);
    return f;
}

std::vector<torch::Tensor> gradientsOf(torch::nn::Module& module, const torch::Tensor& loss) {
    for (auto& p : module.parameters()) p.mutable_grad() = torch::Tensor();
    loss.backward();
    std::vector<torch::Tensor> grads;
    for (auto& p : module.parameters()) grads.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    return grads;
}

}  // namespace

class DemoLossTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sharedPrefixEqualsWholeConversations() {
        Fixture f = makeFixture();
        auto& model = *f.model;
        const ModelConfig& config = f.session->config();
        for (auto& p : model.parameters()) p.set_requires_grad(true);
        model.train();

        auto features = [&] { return model.visual(f.templated.pixelValues, f.templated.grids); };
        const torch::Tensor whole = demo::wholeConversationLossSum(model, config, features(), f.templated) +
                                    demo::wholeConversationLossSum(model, config, features(), f.inventories);
        const auto wholeGrads = gradientsOf(model, whole);
        const torch::Tensor shared =
            demo::answerLossSum(model, config, features(), {&f.templated, &f.inventories}, {});
        const auto sharedGrads = gradientsOf(model, shared);

        qInfo("loss sums: whole %.6f, shared prefix %.6f", whole.item<double>(), shared.item<double>());
        QVERIFY(whole.item<double>() > 1.0);  // a real loss over real targets, not an empty sum
        QVERIFY(std::abs(whole.item<double>() - shared.item<double>()) < 1e-4 * whole.item<double>());
        double worst = 0, largest = 0;
        int64_t nonzero = 0;
        for (size_t i = 0; i < wholeGrads.size(); ++i) {
            worst = std::max(worst, (wholeGrads[i] - sharedGrads[i]).abs().max().item<double>());
            largest = std::max(largest, wholeGrads[i].abs().max().item<double>());
            nonzero += wholeGrads[i].abs().sum().item<double>() > 0;
        }
        qInfo("gradients: largest %.4g, worst difference %.3g over %lld tensors with a gradient", largest, worst,
              static_cast<long long>(nonzero));
        QVERIFY(nonzero > int64_t(wholeGrads.size()) / 2);  // the vision tower's and the decoder's alike
        QVERIFY(worst < 1e-4 * largest);
    }

    void prefixEndsWithThePicture() {
        Fixture f = makeFixture();
        const int64_t imageToken = f.session->config().imageTokenId;
        const demo::SharedPrefix prefix = demo::sharedPrefix(f.templated, imageToken);
        QCOMPARE(prefix.inputIds.size(0), int64_t(2));
        QCOMPARE(prefix.inputIds[0][prefix.length - 1].item<int64_t>(), imageToken);
        QCOMPARE((prefix.inputIds == imageToken).sum().item<int64_t>(), int64_t(2 * 64));
        QCOMPARE(prefix.positions.sizes(), (c10::IntArrayRef{3, 2, prefix.length}));
    }

    void conversationsThatDifferBeforeThePictureEndAreRefused() {
        Fixture f = makeFixture();
        const int64_t imageToken = f.session->config().imageTokenId;
        demo::TrainingBatch edited = f.templated;
        edited.inputIds = edited.inputIds.clone();
        edited.inputIds[1][2] = edited.inputIds[1][2].item<int64_t>() + 1;  // the first scene's second question
        try {
            demo::sharedPrefix(edited, imageToken);
            QFAIL("a prefix that differs within a scene was accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("differ before the picture") != std::string::npos, e.what());
        }

        // A second batch whose conversations agree among themselves but begin otherwise than the first's.
        demo::TrainingBatch other = f.inventories;
        other.inputIds = other.inputIds.clone();
        other.inputIds.narrow(1, 0, 1).fill_(other.inputIds[0][0].item<int64_t>() + 1);
        QCOMPARE(demo::sharedPrefix(other, imageToken).length, demo::sharedPrefix(f.templated, imageToken).length);
        auto& model = *f.model;
        torch::NoGradGuard noGrad;
        const torch::Tensor features = model.visual(f.templated.pixelValues, f.templated.grids);
        try {
            demo::answerLossSum(model, f.session->config(), features, {&f.templated, &other}, {});
            QFAIL("batches that begin differently were scored together");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("begin differently") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(DemoLossTest)
#include "test_demo_loss.moc"
