// Loading model folders and running them through the public Session API: broken folders give clear
// errors, both weight layouts load, sampling is reproducible, and cancellation returns promptly.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>
#include <nlohmann/json.hpp>

#include "expect_error.h"
#include "fixtures.h"
#include "headscope/error.h"
#include "headscope/session.h"
#include "reference.h"

using namespace headscope;
namespace fs = std::filesystem;

namespace {

const char* kFixture = "qwen25vl-tiny";

LoadOptions cpuFloat32() {
    LoadOptions options;
    options.device = DeviceChoice::Cpu;
    options.dtype = DTypeChoice::Float32;
    options.threads = 2;
    return options;
}

// A writable copy of the fixture folder: small files copied, the weights symlinked unless replaced.
std::string copyFixture(const QTemporaryDir& tmp, const std::set<std::string>& skip = {}) {
    const fs::path source = headscope::testing::fixtureDir(kFixture);
    const fs::path target = fs::path(tmp.path().toStdString()) / "model";
    fs::create_directories(target);
    for (const auto& entry : fs::directory_iterator(source)) {
        const std::string name = entry.path().filename().string();
        if (skip.count(name)) continue;
        if (name == "model.safetensors") fs::create_symlink(entry.path(), target / name);
        else fs::copy_file(entry.path(), target / name);
    }
    return target.string();
}

void editJson(const std::string& path, const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json value = headscope::testing::readJsonFile(path);
    edit(value);
    std::ofstream(path) << value.dump();
}

// Rewrites model.safetensors of `folder` from the fixture's weights after `edit`.
void rewriteWeights(const std::string& folder, const std::function<void(std::vector<TensorToWrite>&)>& edit) {
    SafetensorsFile source(headscope::testing::fixtureDir(kFixture) + "/model.safetensors");
    std::vector<TensorToWrite> tensors;
    for (const TensorView& view : source.tensors())
        tensors.push_back({view.name, view.dtype, view.shape, std::vector<uint8_t>(view.data, view.data + view.nbytes)});
    edit(tensors);
    fs::remove(fs::path(folder) / "model.safetensors");
    writeSafetensors(folder + "/model.safetensors", tensors);
}

std::string loadError(const std::string& folder) {
    try {
        Session::load(folder, cpuFloat32());
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

ChatPrompt describe() {
    ChatPrompt p;
    p.userText = "Describe this image.";
    return p;
}

}  // namespace

class SessionTest : public QObject {
    Q_OBJECT

    std::unique_ptr<Session> session_;
    PreparedInput input_;

private slots:
    void initTestCase() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        session_ = Session::load(headscope::testing::fixtureDir(kFixture), cpuFloat32());
        const RgbImage image = loadImageFile(headscope::testing::fixtureDir(kFixture) + "/image.jpg");
        input_ = session_->prepare(describe(), &image);
    }

    void brokenFoldersGiveClearErrors() {
        QTemporaryDir tmp;
        std::string e = loadError(tmp.filePath("absent").toStdString());
        QVERIFY2(mentions(e, "absent") && mentions(e, "not a folder"), e.c_str());

        {
            QTemporaryDir dir;
            const std::string folder = copyFixture(dir, {"tokenizer.json", "vocab.json", "merges.txt"});
            e = loadError(folder);
            QVERIFY2(mentions(e, "tokenizer"), e.c_str());
        }
        {
            QTemporaryDir dir;
            const std::string folder = copyFixture(dir);
            editJson(folder + "/config.json", [](nlohmann::json& c) { c["model_type"] = "whisper"; });
            e = loadError(folder);
            QVERIFY2(mentions(e, "whisper") && mentions(e, "config.json"), e.c_str());
        }
        {
            QTemporaryDir dir;
            const std::string folder = copyFixture(dir);
            std::ofstream(folder + "/config.json") << "{\"model_type\": ";
            e = loadError(folder);
            QVERIFY2(mentions(e, "config.json") && mentions(e, "malformed JSON"), e.c_str());
        }
        for (const char* file : {"preprocessor_config.json", "generation_config.json", "tokenizer.json"}) {
            QTemporaryDir dir;
            const std::string folder = copyFixture(dir);
            std::ofstream(folder + "/" + file) << "{\"broken\": [1, 2";
            e = loadError(folder);
            QVERIFY2(mentions(e, file) && mentions(e, "JSON"), e.c_str());
        }
        {
            QTemporaryDir dir;
            const std::string folder = copyFixture(dir, {"preprocessor_config.json"});
            e = loadError(folder);
            QVERIFY2(mentions(e, "preprocessor_config.json"), e.c_str());
        }
        {
            QTemporaryDir dir;
            const std::string folder = copyFixture(dir, {"model.safetensors"});
            e = loadError(folder);
            QVERIFY2(mentions(e, "model.safetensors"), e.c_str());
        }
    }

    void missingOrMisshapenTensorsAreNamed() {
        QTemporaryDir dir;
        const std::string folder = copyFixture(dir);
        rewriteWeights(folder, [](std::vector<TensorToWrite>& t) {
            t.erase(std::remove_if(t.begin(), t.end(),
                                   [](const TensorToWrite& x) { return x.name == "model.layers.3.mlp.down_proj.weight"; }),
                    t.end());
        });
        std::string e = loadError(folder);
        QVERIFY2(mentions(e, "model.layers.3.mlp.down_proj.weight") && mentions(e, "missing"), e.c_str());

        rewriteWeights(folder, [](std::vector<TensorToWrite>& t) {
            for (auto& x : t)
                if (x.name == "visual.merger.mlp.2.weight") {
                    x.shape = {x.shape[1], x.shape[0]};  // transposed: same bytes, wrong shape
                }
        });
        e = loadError(folder);
        QVERIFY2(mentions(e, "visual.merger.mlp.2.weight") && mentions(e, "[64, 128]") && mentions(e, "[128, 64]"),
                 e.c_str());
    }

    void truncatedWeightsAreAFormatError() {
        QTemporaryDir dir;
        const std::string folder = copyFixture(dir, {"model.safetensors"});
        const std::string source = headscope::testing::fixtureDir(kFixture) + "/model.safetensors";
        fs::copy_file(source, folder + "/model.safetensors");
        fs::resize_file(folder + "/model.safetensors", fs::file_size(source) / 2);
        const std::string e = loadError(folder);
        QVERIFY2(mentions(e, "model.safetensors"), e.c_str());
    }

    void newerWeightLayoutGivesIdenticalLogits() {
        QTemporaryDir dir;
        const std::string folder = copyFixture(dir);
        rewriteWeights(folder, [](std::vector<TensorToWrite>& t) {
            for (auto& x : t) {
                if (x.name.rfind("model.", 0) == 0) x.name = "model.language_model." + x.name.substr(6);
                else if (x.name.rfind("visual.", 0) == 0) x.name = "model." + x.name;
            }
        });
        auto renamed = Session::load(folder, cpuFloat32());
        QVERIFY(renamed->info().unusedTensors.empty());
        const PrefillOutput a = session_->prefill(input_, 8);
        const PrefillOutput b = renamed->prefill(input_, 8);
        QCOMPARE(a.lastLogits.data, b.lastLogits.data);
    }

    void unusedTensorsAreReported() {
        QTemporaryDir dir;
        const std::string folder = copyFixture(dir);
        rewriteWeights(folder, [](std::vector<TensorToWrite>& t) {
            t.push_back(makeF32Tensor("model.layers.0.self_attn.rotary_emb.inv_freq", {2}, {1.0f, 0.5f}));
        });
        auto session = Session::load(folder, cpuFloat32());
        QCOMPARE(session->info().unusedTensors,
                 (std::vector<std::string>{"model.layers.0.self_attn.rotary_emb.inv_freq"}));
    }

    void badPromptsAreRefused() {
        ChatPrompt empty;
        empty.userText = " \n\t";
        const RgbImage image = loadImageFile(headscope::testing::fixtureDir(kFixture) + "/image.jpg");
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, session_->prepare(empty, &image));
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, session_->prepare(empty, nullptr));

        QTemporaryDir dir;
        const std::string folder = copyFixture(dir);
        editJson(folder + "/config.json", [](nlohmann::json& c) { c["max_position_embeddings"] = 256; });
        auto small = Session::load(folder, cpuFloat32());
        try {
            small->prepare(describe(), &image);  // 403 tokens with the image
            QFAIL("a prompt longer than the context must be refused");
        } catch (const InvalidInputError& e) {
            QVERIFY2(mentions(e.what(), "403") && mentions(e.what(), "256"), e.what());
        }
        ChatPrompt longText;
        for (int i = 0; i < 300; ++i) longText.userText += " word";
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, small->prepare(longText, nullptr));
    }

    void threadCountsAreBounded() {
        using headscope::testing::expectInvalid;
        expectInvalid([] { setComputeThreads(100000); }, "thread count 100000 is outside 0 (one per core) to 1024");
        expectInvalid([] { setComputeThreads(-1); }, "thread count -1");
        LoadOptions options = cpuFloat32();
        options.threads = 5000;
        expectInvalid([&] { Session::load(headscope::testing::fixtureDir(kFixture), options); }, "thread count 5000");
        QCOMPARE(setComputeThreads(2), 2);
    }

    void textOnlyPromptsRun() {
        ChatPrompt p;
        p.userText = "Hello";
        const PreparedInput input = session_->prepare(p, nullptr);
        QVERIFY(!input.image);
        QCOMPARE(input.ropeDelta, int64_t(0));
        GenerationOptions options;
        options.maxNewTokens = 3;
        QCOMPARE(session_->generate(input, options).ids.size(), size_t(3));
    }

    void sameSeedSameSample() {
        GenerationOptions options;
        options.maxNewTokens = 8;
        options.sampling.doSample = true;
        options.sampling.temperature = 1.0;
        options.sampling.topK = 50;
        options.sampling.topP = 0.9;
        options.sampling.seed = 7;
        const GenerationResult a = session_->generate(input_, options);
        const GenerationResult b = session_->generate(input_, options);
        QCOMPARE(a.ids, b.ids);
        QCOMPARE(a.text, b.text);
        options.sampling.seed = 8;
        const GenerationResult c = session_->generate(input_, options);
        QVERIFY(a.ids != c.ids);  // the random model's distribution is nearly flat over 50 candidates

        // top-k = 1 leaves only the argmax: sampling must then equal greedy decoding.
        options.sampling.topK = 1;
        GenerationOptions greedy;
        greedy.maxNewTokens = 8;
        QCOMPARE(session_->generate(input_, options).ids, session_->generate(input_, greedy).ids);
    }

    void bfloat16AgreesWithFloat32() {
        LoadOptions options = cpuFloat32();
        options.dtype = DTypeChoice::BFloat16;
        auto bf16 = Session::load(headscope::testing::fixtureDir(kFixture), options);
        QCOMPARE(QString::fromStdString(bf16->info().dtype), QStringLiteral("bfloat16"));
        QCOMPARE(bf16->info().parameterBytes, session_->info().parameterBytes / 2);
        const PrefillOutput low = bf16->prefill(input_, 0);
        const PrefillOutput full = session_->prefill(input_, 0);
        const double diff = headscope::testing::maxAbsDiff(low.lastLogits, full.lastLogits);
        qInfo("bf16 vs fp32 last logits: max abs diff %.3g", diff);
        QVERIFY(diff < 0.1);  // bf16 keeps 8 significant bits; the logits here are of order 1
        options.dtype = DTypeChoice::Float16;
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, Session::load(headscope::testing::fixtureDir(kFixture), options));
    }

    void cancellationReturnsWhatWasGenerated() {
        std::atomic<bool> cancel{false};
        GenerationOptions options;
        options.maxNewTokens = 50;
        int seen = 0;
        const GenerationResult r = session_->generate(
            input_, options,
            [&](int64_t, const std::string&) {
                if (++seen == 3) cancel = true;
            },
            &cancel);
        QVERIFY(r.cancelled);
        QCOMPARE(r.ids.size(), size_t(3));
        // Cancelled before it starts: nothing generated, no error.
        const GenerationResult none = session_->generate(input_, options, {}, &cancel);
        QVERIFY(none.cancelled);
        QVERIFY(none.ids.empty());
    }

    // The app cancels from the GUI thread while the worker runs a long prefill: the call must return, having
    // generated at most the token under way. (How soon it returns is measured in bench_cancel.)
    void cancelFromAnotherThreadStopsALongRun() {
        ChatPrompt prompt;
        for (int i = 0; i < 1500; ++i) prompt.userText += "circle ";
        const PreparedInput input = session_->prepare(prompt, nullptr);
        GenerationOptions options;
        options.maxNewTokens = 4000;
        options.stopTokenIds = {-1};  // never stops by itself: only the cancel can end it early
        std::atomic<bool> cancel{false};
        GenerationResult result;
        std::thread run([&] { result = session_->generate(input, options, {}, &cancel); });
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // lands in the prefill or early decoding
        cancel = true;
        run.join();
        QVERIFY(result.cancelled);
        QVERIFY2(result.ids.size() < 100, qPrintable(QString::number(result.ids.size())));
    }
};

QTEST_GUILESS_MAIN(SessionTest)
#include "test_session.moc"
