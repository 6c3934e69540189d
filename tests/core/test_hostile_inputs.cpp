// Files from the internet, made hostile here by code: broken and malicious model folders (config.json,
// safetensors, tokenizers, preprocessor settings), prompts, images, head profiles and datasets. Every case
// must end in a headscope::Error whose message names the file and the problem and stays short; none may
// crash, hang, or grow memory without bound, and none may leave files behind in the folder it read.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <set>

#include "headscope/benchmark_import.h"
#include "headscope/error.h"
#include "headscope/eval_dataset.h"
#include "headscope/image.h"
#include "headscope/profile.h"
#include "headscope/random_model.h"
#include "headscope/safetensors.h"
#include "headscope/session.h"
#include "headscope/tokenizer.h"

using namespace headscope;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The peak resident memory of this process so far, in MiB (monotonic: it proves no case went far above it).
long peakResidentMiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

void writeBytes(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    QVERIFY2(out.good(), qPrintable(QString::fromStdString("cannot write " + path.string())));
}

std::string readBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string le64(uint64_t value) {
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[size_t(i)] = char((value >> (8 * i)) & 0xFF);
    return out;
}

// A safetensors file from a header text and a data area, exactly as written (no validation).
std::string rawSafetensors(const std::string& header, const std::string& data) {
    return le64(header.size()) + header + data;
}

std::string nested(size_t depth, const std::string& open = "[", const std::string& close = "]") {
    std::string text;
    text.reserve(depth * (open.size() + close.size()) + 1);
    for (size_t i = 0; i < depth; ++i) text += open;
    text += "0";
    for (size_t i = 0; i < depth; ++i) text += close;
    return text;
}

std::set<std::string> listing(const fs::path& folder) {
    std::set<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) names.insert(entry.path().string());
    return names;
}

std::string encodePng(const cv::Mat& image) {
    std::vector<uint8_t> bytes;
    cv::imencode(".png", image, bytes);
    return std::string(bytes.begin(), bytes.end());
}

std::string encodeJpeg(const cv::Mat& image) {
    std::vector<uint8_t> bytes;
    cv::imencode(".jpg", image, bytes);
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace

class HostileInputsTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    fs::path model_;  // a good tiny model every folder case starts from
    long peakAtStart_ = 0;
    int cases_ = 0;

    // Runs `action`, which must throw headscope::Error mentioning every fragment in a message of bounded length.
    void expectRefused(const std::string& label, const std::function<void()>& action,
                       const std::vector<std::string>& fragments) {
        ++cases_;
        std::string message;
        try {
            action();
        } catch (const Error& e) {
            message = e.what();
        } catch (const std::exception& e) {
            QFAIL(qPrintable(QString::fromStdString(label + ": not a headscope::Error: " + e.what())));
        }
        QVERIFY2(!message.empty(), qPrintable(QString::fromStdString(label + ": accepted")));
        QVERIFY2(message.size() <= Error::kMaxErrorMessage + 64,
                 qPrintable(QString::fromStdString(label + ": a message of " + std::to_string(message.size()) +
                                                   " bytes")));
        for (const std::string& fragment : fragments)
            QVERIFY2(message.find(fragment) != std::string::npos,
                     qPrintable(QString::fromStdString(label + ": '" + message + "' lacks '" + fragment + "'")));
    }

    // A fresh copy of the good model, for one case to break.
    fs::path modelCopy(const std::string& name) {
        const fs::path copy = fs::path(dir_.path().toStdString()) / name;
        fs::remove_all(copy);
        fs::copy(model_, copy, fs::copy_options::recursive);
        return copy;
    }

    // Breaks a copy of the model with `breakIt`, loads it and expects a refusal naming `file` and `fragments`;
    // the folder must hold the same files afterwards.
    void expectFolderRefused(const std::string& label, const std::function<void(const fs::path&)>& breakIt,
                             const std::string& file, std::vector<std::string> fragments) {
        const fs::path folder = modelCopy("case");
        breakIt(folder);
        const std::set<std::string> before = listing(folder);
        fragments.push_back(file);
        expectRefused(label, [&] { Session::load(folder.string(), LoadOptions{DeviceChoice::Cpu, DTypeChoice::Float32}); },
                      fragments);
        QCOMPARE(listing(folder), before);
    }

    void editConfig(const fs::path& folder, const std::function<void(json&)>& edit) {
        json config = json::parse(readBytes(folder / "config.json"));
        edit(config);
        writeBytes(folder / "config.json", config.dump());
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        model_ = fs::path(dir_.path().toStdString()) / "good-model";
        writeRandomQwenModel(model_.string(), randomModelPreset("tiny"), 7);
        peakAtStart_ = peakResidentMiB();
    }

    void cleanupTestCase() {
        const long growth = peakResidentMiB() - peakAtStart_;
        qInfo("%d hostile cases refused; peak resident memory grew by %ld MiB", cases_, growth);
        // The largest legitimate allocation here is a few copies of a 1 MB prompt and a 300-line dataset:
        // an unbounded case (a decompression bomb, a model of 1e9 layers) would take gigabytes.
        QVERIFY2(growth < 1024, qPrintable(QStringLiteral("peak memory grew by %1 MiB").arg(growth)));
    }

    void configFiles() {
        const auto set = [&](const std::string& key, json value) {
            return [=](const fs::path& f) { editConfig(f, [&](json& c) { c["text_config"].contains(key) ? c["text_config"][key] = value : c[key] = value; }); };
        };
        const auto setVision = [&](const std::string& key, json value) {
            return [=](const fs::path& f) { editConfig(f, [&](json& c) { c["vision_config"][key] = value; }); };
        };
        expectFolderRefused("1e9 layers", set("num_hidden_layers", 1000000000), "config.json",
                            {"num_hidden_layers", "maximum"});
        expectFolderRefused("more layers than the weights", set("num_hidden_layers", 900), "config.json",
                            {"does not match these weights"});
        expectFolderRefused("huge MLP", set("intermediate_size", 200000), "config.json",
                            {"does not match these weights"});
        expectFolderRefused("zero width", set("hidden_size", 0), "config.json", {"hidden_size", "positive"});
        expectFolderRefused("negative heads", set("num_attention_heads", -4), "config.json",
                            {"num_attention_heads", "positive"});
        expectFolderRefused("heads not dividing the width", set("num_attention_heads", 3), "config.json",
                            {"divisible"});
        expectFolderRefused("vocabulary as text", set("vocab_size", "many"), "config.json",
                            {"vocab_size", "expected an integer"});
        expectFolderRefused("negative rope base", set("rope_theta", -1), "config.json", {"rope_theta"});
        expectFolderRefused("vision patch_size 0", setVision("patch_size", 0), "config.json", {"patch_size"});
        expectFolderRefused("vision merge 0", setVision("spatial_merge_size", 0), "config.json",
                            {"spatial_merge_size"});
        expectFolderRefused("vision merge 2^40", setVision("spatial_merge_size", int64_t{1} << 40), "config.json",
                            {"spatial_merge_size", "maximum"});
        expectFolderRefused("vision depth 1e9", setVision("depth", 1000000000), "config.json", {"depth"});
        expectFolderRefused("window 0", setVision("window_size", 0), "config.json", {"window_size"});
        expectFolderRefused("no model_type", [&](const fs::path& f) { editConfig(f, [](json& c) { c.erase("model_type"); }); },
                            "config.json", {"model_type", "missing"});
        expectFolderRefused("1 MB model_type", [&](const fs::path& f) {
            editConfig(f, [](json& c) { c["model_type"] = std::string(1 << 20, 'q'); });
        }, "config.json", {"is not supported"});
        expectFolderRefused("nested 100k deep", [&](const fs::path& f) {
            editConfig(f, [](json& c) { c["rope_scaling"] = "placeholder"; });
            std::string text = readBytes(f / "config.json");
            const size_t at = text.find("\"placeholder\"");
            text.replace(at, std::strlen("\"placeholder\""), nested(100000));
            writeBytes(f / "config.json", text);
        }, "config.json", {"nested deeper"});
        expectFolderRefused("bytes after a NUL", [&](const fs::path& f) {
            writeBytes(f / "config.json", readBytes(f / "config.json") + std::string(1, '\0') + "{\"junk\": 1}");
        }, "config.json", {"NUL"});
        expectFolderRefused("a folder named config.json", [&](const fs::path& f) {
            fs::remove(f / "config.json");
            fs::create_directory(f / "config.json");
        }, "config.json", {"folder"});
        expectFolderRefused("a FIFO named config.json", [&](const fs::path& f) {
            fs::remove(f / "config.json");
            QCOMPARE(::mkfifo((f / "config.json").c_str(), 0600), 0);
        }, "config.json", {"not a regular file"});
        expectFolderRefused("config.json linked to /dev/zero", [&](const fs::path& f) {
            fs::remove(f / "config.json");
            fs::create_symlink("/dev/zero", f / "config.json");
        }, "config.json", {"not a regular file"});
        expectFolderRefused("a 300 MB config.json", [&](const fs::path& f) {
            QCOMPARE(::truncate((f / "config.json").c_str(), off_t(300) << 20), 0);  // sparse: costs no disk
        }, "config.json", {"more than"});
        expectFolderRefused("min_pixels 1e18", [&](const fs::path& f) {
            json p = json::parse(readBytes(f / "preprocessor_config.json"));
            p["min_pixels"] = int64_t(1000000000000000000);
            p["max_pixels"] = int64_t(1000000000000000000);
            writeBytes(f / "preprocessor_config.json", p.dump());
        }, "preprocessor_config.json", {"max_pixels"});
        expectFolderRefused("max_pixels 1e12", [&](const fs::path& f) {
            json p = json::parse(readBytes(f / "preprocessor_config.json"));
            p["max_pixels"] = int64_t(1000000000000);
            writeBytes(f / "preprocessor_config.json", p.dump());
        }, "preprocessor_config.json", {"max_pixels", "maximum"});
        expectFolderRefused("preprocessor merge_size 0", [&](const fs::path& f) {
            json p = json::parse(readBytes(f / "preprocessor_config.json"));
            p["merge_size"] = 0;
            writeBytes(f / "preprocessor_config.json", p.dump());
        }, "preprocessor_config.json", {"merge_size"});
    }

    void safetensorsFiles() {
        const auto replaceWeights = [&](const std::string& bytes) {
            return [=](const fs::path& f) { writeBytes(f / "model.safetensors", bytes); };
        };
        const std::string one = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        const std::string four(4, '\0');
        const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> raw = {
            {"header length 2^63", le64(uint64_t{1} << 63) + "{}", {"header length"}},
            {"header length past the end", le64(1000) + "{}", {"past the end"}},
            {"empty file", "", {"empty"}},
            {"non-JSON header", rawSafetensors("not json at all", ""), {"not valid JSON"}},
            {"array header", rawSafetensors("[1,2]", ""), {"not a JSON object"}},
            {"nested header", rawSafetensors("{\"w\":" + nested(100000, "{\"a\":", "}") + "}", ""), {"nested deeper"}},
            {"NUL in the header", rawSafetensors(std::string("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}") +
                                                     std::string(1, '\0') + "junk", four), {"NUL"}},
            {"unknown dtype", rawSafetensors("{\"w\":{\"dtype\":\"F7\",\"shape\":[1],\"data_offsets\":[0,4]}}", four), {"dtype"}},
            {"shape product overflows",
             rawSafetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}", four),
             {"shape"}},
            {"offsets reversed", rawSafetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", four),
             {"data_offsets"}},
            {"offsets past the data", rawSafetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[0,400]}}", four),
             {"data_offsets"}},
            {"overlapping tensors",
             rawSafetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                            std::string(12, '\0')),
             {"overlap"}},
            {"a gap between tensors",
             rawSafetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                            std::string(12, '\0')),
             {"gap"}},
            {"a name twice",
             rawSafetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                            std::string(8, '\0')),
             {"appears twice"}},
            {"truncated data", rawSafetensors(one, "\x01\x02"), {"data_offsets"}},
        };
        for (const auto& [label, bytes, fragments] : raw)
            expectFolderRefused(label, replaceWeights(bytes), "model.safetensors", fragments);

        // Real weights, changed in one place.
        const auto rewriteWeights = [&](const std::function<void(std::vector<TensorToWrite>&)>& change) {
            return [=](const fs::path& f) {
                std::vector<TensorToWrite> tensors;
                {
                    SafetensorsFile file((f / "model.safetensors").string());
                    for (const TensorView& view : file.tensors())
                        tensors.push_back({view.name, view.dtype, view.shape,
                                           std::vector<uint8_t>(view.data, view.data + view.nbytes)});
                }
                change(tensors);
                writeSafetensors((f / "model.safetensors").string(), tensors);
            };
        };
        expectFolderRefused("a tensor of the wrong shape", rewriteWeights([](std::vector<TensorToWrite>& t) {
            for (auto& tensor : t)
                if (tensor.name == "model.norm.weight") {
                    tensor.shape = {tensor.shape[0] / 2, 2};
                }
        }), "model.norm.weight", {"has shape"});
        expectFolderRefused("a missing tensor", rewriteWeights([](std::vector<TensorToWrite>& t) {
            t.erase(std::remove_if(t.begin(), t.end(), [](const TensorToWrite& x) { return x.name == "model.norm.weight"; }),
                    t.end());
        }), "model.norm.weight", {"missing"});
        // NaN and infinite weights load (what such a model does may be the question) but are reported.
        {
            const fs::path folder = modelCopy("non-finite");
            rewriteWeights([](std::vector<TensorToWrite>& t) {
                for (auto& tensor : t)
                    if (tensor.name == "model.norm.weight") {
                        const float nan = std::numeric_limits<float>::quiet_NaN();
                        std::memcpy(tensor.data.data() + 4, &nan, sizeof nan);
                    }
            })(folder);
            const auto session = Session::load(folder.string(), LoadOptions{DeviceChoice::Cpu, DTypeChoice::Float32});
            QCOMPARE(session->info().nonFiniteTensors, std::vector<std::string>{"model.norm.weight"});
            QVERIFY(Session::load(model_.string(), LoadOptions{DeviceChoice::Cpu, DTypeChoice::Float32})
                        ->info()
                        .nonFiniteTensors.empty());
        }
        expectFolderRefused("model.safetensors is a FIFO", [&](const fs::path& f) {
            fs::remove(f / "model.safetensors");
            QCOMPARE(::mkfifo((f / "model.safetensors").c_str(), 0600), 0);
        }, "model.safetensors", {"not a regular file"});
        expectFolderRefused("model.safetensors is a folder", [&](const fs::path& f) {
            fs::remove(f / "model.safetensors");
            fs::create_directory(f / "model.safetensors");
        }, "model.safetensors", {"folder"});

        // Sharded checkpoints.
        const auto shardedWith = [&](const std::string& index, const std::function<void(const fs::path&)>& more = {}) {
            return [=](const fs::path& f) {
                fs::rename(f / "model.safetensors", f / "model-00001-of-00002.safetensors");
                writeBytes(f / "model.safetensors.index.json", index);
                if (more) more(f);
            };
        };
        expectFolderRefused("an index naming a missing shard",
                            shardedWith("{\"weight_map\":{\"model.norm.weight\":\"model-00002-of-00002.safetensors\"}}"),
                            "model-00002-of-00002.safetensors", {});
        expectFolderRefused("an index leaving the folder",
                            shardedWith("{\"weight_map\":{\"model.norm.weight\":\"../good-model/model.safetensors\"}}"),
                            "model.safetensors.index.json", {"not a plain file name"});
        expectFolderRefused("a tensor in two shards",
                            shardedWith("{\"weight_map\":{\"model.norm.weight\":\"model-00001-of-00002.safetensors\",\"w\":\"model-00002-of-00002.safetensors\"}}",
                                        [](const fs::path& f) {
                                            writeSafetensors((f / "model-00002-of-00002.safetensors").string(),
                                                             {makeF32Tensor("model.norm.weight", {1}, {1.0f}),
                                                              makeF32Tensor("w", {1}, {1.0f})});
                                        }),
                            "model.norm.weight", {"appears in both"});
    }

    void tokenizerFiles() {
        const auto editTokenizer = [&](const std::function<void(json&)>& edit) {
            return [=](const fs::path& f) {
                json t = json::parse(readBytes(f / "tokenizer.json"));
                edit(t);
                writeBytes(f / "tokenizer.json", t.dump());
            };
        };
        expectFolderRefused("malformed tokenizer.json", [&](const fs::path& f) { writeBytes(f / "tokenizer.json", "{\"model\": "); },
                            "tokenizer.json", {"not valid JSON"});
        expectFolderRefused("a merge of unknown tokens", editTokenizer([](json& t) {
            t["model"]["merges"].push_back("qqqq zzzz");
        }), "tokenizer.json", {"qqqq"});
        expectFolderRefused("two tokens with one id", editTokenizer([](json& t) {
            auto& vocab = t["model"]["vocab"];
            vocab["duplicate-token"] = vocab.begin().value();
        }), "tokenizer.json", {"duplicate-token"});
        expectFolderRefused("an empty added token", editTokenizer([](json& t) {
            t["added_tokens"].push_back({{"id", 383}, {"content", ""}, {"special", true}, {"single_word", false},
                                         {"lstrip", false}, {"rstrip", false}, {"normalized", false}});
        }), "tokenizer.json", {"empty"});
        expectFolderRefused("a normalizer nested 100k deep", [&](const fs::path& f) {
            json t = json::parse(readBytes(f / "tokenizer.json"));
            t["normalizer"] = "placeholder";
            std::string text = t.dump();
            text.replace(text.find("\"placeholder\""), std::strlen("\"placeholder\""),
                         nested(100000, "{\"type\":\"Sequence\",\"normalizers\":[", "]}"));
            writeBytes(f / "tokenizer.json", text);
        }, "tokenizer.json", {"nested deeper"});
        expectFolderRefused("tokenizer.json is a FIFO", [&](const fs::path& f) {
            fs::remove(f / "tokenizer.json");
            QCOMPARE(::mkfifo((f / "tokenizer.json").c_str(), 0600), 0);
        }, "tokenizer.json", {"not a regular file"});

        // tokenizer.model (SentencePiece protobuf), read directly.
        const fs::path folder = fs::path(dir_.path().toStdString()) / "sentencepiece";
        fs::create_directories(folder);
        const std::string config = (folder / "tokenizer_config.json").string();
        writeBytes(config, "{}");
        std::mt19937 random(11);
        std::string noise(4096, '\0');
        for (char& c : noise) c = char(random() & 0xFF);
        const std::vector<std::pair<std::string, std::string>> models = {
            {"empty", ""},
            {"random bytes", noise},
            {"a field longer than the file", std::string("\x0a\xff\xff\xff\x0f", 5) + "abc"},
            {"truncated piece", std::string("\x0a\x10\x0a\x05hel", 7)},
        };
        for (const auto& [label, bytes] : models) {
            const std::string path = (folder / "tokenizer.model").string();
            writeBytes(path, bytes);
            expectRefused("tokenizer.model: " + label, [&] { loadSentencePieceTokenizer(path, config); },
                          {"tokenizer.model"});
        }
        const std::string fifo = (folder / "fifo.model").string();
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        expectRefused("tokenizer.model is a FIFO", [&] { loadSentencePieceTokenizer(fifo, config); }, {"fifo.model"});
    }

    void prompts() {
        const auto session = Session::load(model_.string(), LoadOptions{DeviceChoice::Cpu, DTypeChoice::Float32});
        const auto prepareText = [&](const std::string& text) {
            ChatPrompt prompt;
            prompt.userText = text;
            return session->prepare(prompt, nullptr);
        };
        expectRefused("an empty prompt", [&] { prepareText(""); }, {"empty"});
        expectRefused("a prompt of spaces", [&] { prepareText(" \n\t "); }, {"empty"});
        std::string long1MB;
        while (long1MB.size() < (1u << 20)) long1MB += "how many circles are there ";
        expectRefused("a 1 MB prompt", [&] { prepareText(long1MB); }, {"tokens", "context"});
        expectRefused("invalid UTF-8", [&] { prepareText("circles \xC3\x28 and \xFF squares"); }, {"UTF-8"});
        // A NUL is a character like any other (Python strings may hold it): encoded, not refused.
        const PreparedInput withNul = prepareText(std::string("circles\0squares", 15));
        QVERIFY(withNul.inputIds.size() > 10);
    }

    void images() {
        const fs::path folder = fs::path(dir_.path().toStdString()) / "images";
        fs::create_directories(folder);
        const cv::Mat picture(64, 80, CV_8UC3, cv::Scalar(10, 120, 240));
        const std::string png = encodePng(picture), jpeg = encodeJpeg(picture);
        std::string bomb = encodePng(cv::Mat(1, 1, CV_8UC3, cv::Scalar(0, 0, 0)));
        for (int i = 0; i < 4; ++i) bomb[size_t(16 + i)] = bomb[size_t(20 + i)] = char(i == 1 ? 0x01 : (i == 2 ? 0x86 : (i == 3 ? 0xA0 : 0)));  // 100000 x 100000
        const std::string gif("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;", 35);
        const std::vector<std::tuple<std::string, std::string, std::string, std::vector<std::string>>> files = {
            {"empty", "empty.png", "", {"empty"}},
            {"text renamed .png", "text.png", "this is not an image\n", {"not a supported image format"}},
            {"truncated PNG", "cut.png", png.substr(0, png.size() / 2), {"cut.png"}},
            {"truncated JPEG", "cut.jpg", jpeg.substr(0, jpeg.size() / 3), {"cut.jpg"}},
            {"decompression bomb", "bomb.png", bomb, {"pixels", "before decoding"}},
            {"GIF", "tiny.gif", gif, {"tiny.gif"}},
        };
        for (const auto& [label, name, bytes, fragments] : files) {
            const std::string path = (folder / name).string();
            writeBytes(path, bytes);
            std::vector<std::string> expected = fragments;
            expected.push_back(name);
            expectRefused("image: " + label, [&] { loadImageFile(path); }, expected);
        }
        expectRefused("image: a directory", [&] { loadImageFile(folder.string()); }, {"directory"});
        const std::string fifo = (folder / "fifo.png").string();
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        expectRefused("image: a FIFO", [&] { loadImageFile(fifo); }, {"fifo.png", "not a regular file"});

        // Odd but real pictures decode; the model then refuses the ones it cannot see.
        const auto session = Session::load(model_.string(), LoadOptions{DeviceChoice::Cpu, DTypeChoice::Float32});
        ChatPrompt prompt;
        prompt.userText = "what is this?";
        const auto decodeAndPrepare = [&](const std::string& name, const cv::Mat& image) {
            const std::string path = (folder / name).string();
            writeBytes(path, encodePng(image));
            const RgbImage rgb = loadImageFile(path);
            if (rgb.width != image.cols || rgb.height != image.rows || rgb.pixels.size() != size_t(rgb.width) * rgb.height * 3)
                throw std::logic_error(name + " decoded to the wrong size");
            return session->prepare(prompt, &rgb);
        };
        expectRefused("image: 1x1", [&] { decodeAndPrepare("one.png", cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3))); },
                      {"must be larger than factor"});
        expectRefused("image: 100000x1", [&] { decodeAndPrepare("line.png", cv::Mat(1, 100000, CV_8UC3, cv::Scalar(1, 2, 3))); },
                      {"must be larger than factor"});
        for (const auto& [name, image] : std::vector<std::pair<std::string, cv::Mat>>{
                 {"grey.png", cv::Mat(56, 56, CV_8UC1, cv::Scalar(90))},
                 {"deep.png", cv::Mat(56, 56, CV_16UC3, cv::Scalar(1000, 20000, 65535))},
                 {"alpha.png", cv::Mat(56, 56, CV_8UC4, cv::Scalar(10, 20, 30, 128))}}) {
            const PreparedInput input = decodeAndPrepare(name, image);
            QVERIFY2(input.image.has_value(), name.c_str());
        }
    }

    void profiles() {
        const auto session = Session::load(model_.string(), LoadOptions{DeviceChoice::Cpu, DTypeChoice::Float32});
        const ModelInfo& info = session->info();
        const int64_t layers = info.config.text.numLayers, heads = info.config.text.numHeads;
        HeadProfile good;
        good.name = "good";
        good.model = identityOf(info);
        good.visualShare = FloatArray({layers, heads}, std::vector<float>(size_t(layers * heads), 0.1f));
        good.contribution = FloatArray({layers, heads}, std::vector<float>(size_t(layers * heads), 0.0f));
        good.headClass = Int64Array({layers, heads}, std::vector<int64_t>(size_t(layers * heads), 0));
        good.gain = FloatArray({layers, heads}, std::vector<float>(size_t(layers * heads), 1.0f));
        const fs::path folder = fs::path(dir_.path().toStdString()) / "profiles";
        fs::create_directories(folder);
        const std::string base = (folder / "p").string();
        const auto fresh = [&] {
            fs::remove(base + ".json");
            fs::remove(base + ".safetensors");
            saveProfile(base, good);
        };
        const auto jsonEdit = [&](const std::function<void(json&)>& edit) {
            json j = json::parse(readBytes(base + ".json"));
            edit(j);
            writeBytes(base + ".json", j.dump());
        };
        struct Case {
            std::string label;
            std::function<void()> breakIt;
            std::vector<std::string> fragments;
        };
        const std::vector<Case> cases = {
            {"malformed JSON", [&] { writeBytes(base + ".json", "{\"name\": "); }, {"p.json", "JSON"}},
            {"JSON nested 100k deep", [&] { writeBytes(base + ".json", "{\"name\":" + nested(100000) + "}"); },
             {"p.json", "nested deeper"}},
            {"a missing JSON half", [&] { fs::remove(base + ".json"); }, {"p.json"}},
            {"a missing tensor half", [&] { fs::remove(base + ".safetensors"); }, {"p.safetensors"}},
            {"a field of the wrong type", [&] { jsonEdit([](json& j) { j["name"] = 5; }); }, {"p.json", "name"}},
            {"a NaN gain", [&] {
                 HeadProfile bad = good;
                 bad.gain.data[3] = std::numeric_limits<float>::quiet_NaN();
                 writeSafetensors(base + ".safetensors",
                                  {makeF32Tensor("visual_share", {layers, heads}, bad.visualShare.data),
                                   makeF32Tensor("contribution", {layers, heads}, bad.contribution.data),
                                   makeF32Tensor("gain", {layers, heads}, bad.gain.data),
                                   makeI64Tensor("head_class", {layers, heads}, bad.headClass.data)});
             }, {"p.safetensors", "gain"}},
            {"a gain of 1e30", [&] {
                 HeadProfile bad = good;
                 bad.gain.data[2] = 1e30f;
                 writeSafetensors(base + ".safetensors",
                                  {makeF32Tensor("visual_share", {layers, heads}, bad.visualShare.data),
                                   makeF32Tensor("contribution", {layers, heads}, bad.contribution.data),
                                   makeF32Tensor("gain", {layers, heads}, bad.gain.data),
                                   makeI64Tensor("head_class", {layers, heads}, bad.headClass.data)});
             }, {"p.safetensors", "within -1000 to 1000"}},
            {"tables of another dtype", [&] {
                 writeSafetensors(base + ".safetensors",
                                  {makeI64Tensor("visual_share", {layers, heads}, good.headClass.data),
                                   makeF32Tensor("contribution", {layers, heads}, good.contribution.data),
                                   makeF32Tensor("gain", {layers, heads}, good.gain.data),
                                   makeI64Tensor("head_class", {layers, heads}, good.headClass.data)});
             }, {"p.safetensors", "dtype"}},
        };
        for (const Case& c : cases) {
            fresh();
            c.breakIt();
            expectRefused("profile: " + c.label, [&] { loadProfile(base); }, c.fragments);
        }
        // Well formed, but made for a model of another shape.
        HeadProfile other = good;
        other.model.layers = layers + 1;
        other.visualShare = FloatArray({layers + 1, heads}, std::vector<float>(size_t((layers + 1) * heads), 0.1f));
        other.contribution = other.visualShare;
        other.gain = FloatArray({layers + 1, heads}, std::vector<float>(size_t((layers + 1) * heads), 1.0f));
        other.headClass = Int64Array({layers + 1, heads}, std::vector<int64_t>(size_t((layers + 1) * heads), 0));
        fs::remove(base + ".json");
        fs::remove(base + ".safetensors");
        saveProfile(base, other);
        expectRefused("profile: another model's shape", [&] { checkProfileFitsModel(loadProfile(base), info); },
                      {std::to_string(layers + 1) + " layers"});
    }

    void datasets() {
        const fs::path folder = fs::path(dir_.path().toStdString()) / "datasets";
        fs::create_directories(folder);
        const std::string path = (folder / "questions.jsonl").string();
        const std::string good = "{\"id\":\"q1\",\"image\":\"a.png\",\"question\":\"How many?\",\"answer\":\"3\",\"answer_type\":\"number\"}";
        std::string hugeLine = "{\"id\":\"huge\",\"question\":\"";
        hugeLine += std::string(size_t(100) << 20, 'x');
        hugeLine += "\",\"answer\":\"3\",\"answer_type\":\"number\"}";
        const std::vector<std::pair<std::string, std::string>> lines = {
            {"malformed JSON", "{\"id\": \"q2\", "},
            {"nested 100k deep", "{\"id\":\"q3\",\"question\":" + nested(100000) + "}"},
            {"a repeated id", good},
            {"a wrong type", "{\"id\":\"q4\",\"question\":\"Which?\",\"choices\":\"A or B\",\"answer\":\"A\",\"answer_type\":\"choice\"}"},
            {"a line of 100 MB", hugeLine},
        };
        std::string text = good + "\n";
        for (const auto& [label, line] : lines) text += line + "\n";
        writeBytes(path, text);
        const EvalDataset dataset = readEvalDataset(path);
        QCOMPARE(dataset.samples.size(), size_t(1));
        QCOMPARE(dataset.skipped.size(), lines.size());
        for (size_t i = 0; i < lines.size(); ++i) {
            ++cases_;
            const DatasetProblem& problem = dataset.skipped[i];
            QCOMPARE(problem.line, int64_t(i + 2));
            QVERIFY2(!problem.message.empty() && problem.message.size() < 1000,
                     qPrintable(QString::fromStdString(lines[i].first + ": " + problem.message.substr(0, 200))));
        }
        QVERIFY(dataset.skipped[1].message.find("nested deeper") != std::string::npos);
        QVERIFY(dataset.skipped[2].message.find("earlier line") != std::string::npos);
        QVERIFY(dataset.skipped[4].message.find("a question may take") != std::string::npos);

        // A benchmark file naming images outside its images folder: those records are skipped with a reason.
        const fs::path bench = folder / "pope";
        fs::create_directories(bench);
        writeBytes(bench / "pope.jsonl",
                   "{\"question_id\":1,\"image\":\"../../etc/passwd\",\"text\":\"Is there a cat?\",\"label\":\"yes\"}" "\n"
                   "{\"question_id\":2,\"image\":\"/etc/hostname\",\"text\":\"Is there a dog?\",\"label\":\"no\"}" "\n"
                   "{\"question_id\":3,\"image\":\"ok.jpg\",\"text\":\"Is there a bird?\",\"label\":\"no\"}" "\n");
        const ImportResult imported =
            importBenchmark(BenchmarkFormat::Pope, (bench / "pope.jsonl").string(), bench.string(), (folder / "imported").string());
        QCOMPARE(imported.written, int64_t(1));
        int leaving = 0;
        for (const auto& skipped : imported.skipped) {
            ++cases_;
            if (skipped.message.find("leaves the images folder") != std::string::npos) ++leaving;
        }
        QCOMPARE(leaving, 2);
    }
};

QTEST_GUILESS_MAIN(HostileInputsTest)
#include "test_hostile_inputs.moc"
