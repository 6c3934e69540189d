// config.json / preprocessor_config.json / generation_config.json parsing: both layouts Hugging Face has
// written, both model families, and clear errors naming file and field.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "headscope/config.h"
#include "headscope/error.h"

using namespace headscope;
using nlohmann::json;

namespace {

// A Qwen2-VL-2B-Instruct style config.json (transformers 4.45 layout), trimmed to the fields it reads.
json qwen2vlConfig() {
    return json::parse(R"({
      "architectures": ["Qwen2VLForConditionalGeneration"], "model_type": "qwen2_vl",
      "bos_token_id": 151643, "eos_token_id": 151645, "vision_start_token_id": 151652,
      "vision_end_token_id": 151653, "vision_token_id": 151654, "image_token_id": 151655,
      "video_token_id": 151656, "hidden_act": "silu", "hidden_size": 1536, "intermediate_size": 8960,
      "max_position_embeddings": 32768, "num_attention_heads": 12, "num_hidden_layers": 28,
      "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": true,
      "torch_dtype": "bfloat16", "vocab_size": 151936,
      "vision_config": {"depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16, "in_chans": 3,
                        "hidden_size": 1536, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2},
      "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]}
    })");
}

// The same text settings nested under text_config, as later transformers releases write qwen2_5_vl.
json nestedQwen25Config() {
    return json::parse(R"({
      "architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl",
      "image_token_id": 151655, "video_token_id": 151656, "vision_start_token_id": 151652,
      "vision_end_token_id": 151653, "eos_token_id": 151645, "tie_word_embeddings": false,
      "text_config": {"model_type": "qwen2_5_vl_text", "hidden_size": 2048, "intermediate_size": 11008,
                      "num_attention_heads": 16, "num_hidden_layers": 36, "num_key_value_heads": 2,
                      "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "vocab_size": 151936,
                      "max_position_embeddings": 128000, "hidden_act": "silu", "tie_word_embeddings": true,
                      "rope_scaling": {"type": "default", "mrope_section": [16, 24, 24], "rope_type": "default"}},
      "vision_config": {"depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420,
                        "num_heads": 16, "in_chans": 3, "out_hidden_size": 2048, "patch_size": 14,
                        "spatial_merge_size": 2, "temporal_patch_size": 2, "window_size": 112,
                        "fullatt_block_indexes": [7, 15, 23, 31], "tokens_per_second": 2}
    })");
}

// Runs parse and returns the error message (empty if it parsed).
std::string parseError(const json& config) {
    try {
        parseModelConfig(config.dump(), "config.json");
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

bool mentions(const std::string& message, const std::string& part) { return message.find(part) != std::string::npos; }

}  // namespace

class ConfigTest : public QObject {
    Q_OBJECT

private slots:
    void readsTheFixtureConfig() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const ModelConfig c = loadModelConfig(headscope::testing::fixtureDir("qwen25vl-tiny") + "/config.json");
        QCOMPARE(c.family, ModelFamily::Qwen25VL);
        QCOMPARE(c.text.hiddenSize, int64_t(64));
        QCOMPARE(c.text.headDim, int64_t(16));
        QCOMPARE(c.text.mropeSection, (std::vector<int64_t>{2, 3, 3}));
        QCOMPARE(c.text.tieWordEmbeddings, false);
        QCOMPARE(c.vision.fullAttentionBlocks, (std::vector<int64_t>{1, 3}));
        QCOMPARE(c.vision.windowSize, int64_t(112));
        QCOMPARE(c.vision.norm, VisionNormKind::RmsNorm);
        QCOMPARE(c.imageTokenId, int64_t(151655));
        const ImageProcessorConfig p =
            loadImageProcessorConfig(headscope::testing::fixtureDir("qwen25vl-tiny") + "/preprocessor_config.json");
        QCOMPARE(p.minPixels, int64_t(3136));
        QCOMPARE(p.maxPixels, int64_t(12845056));
        QCOMPARE(p.mean[0], 0.48145466f);
        const GenerationDefaults g =
            loadGenerationDefaults(headscope::testing::fixtureDir("qwen25vl-tiny") + "/generation_config.json", {});
        QCOMPARE(g.eosTokenIds, (std::vector<int64_t>{151645, 151643}));
    }

    void readsQwen2VL() {
        const ModelConfig c = parseModelConfig(qwen2vlConfig().dump(), "config.json");
        QCOMPARE(c.family, ModelFamily::Qwen2VL);
        QCOMPARE(c.vision.embedDim, int64_t(1280));
        QCOMPARE(c.vision.mlpHidden, int64_t(5120));
        QCOMPARE(c.vision.outHidden, int64_t(1536));
        QCOMPARE(c.vision.windowSize, int64_t(0));
        QCOMPARE(c.vision.norm, VisionNormKind::LayerNorm);
        QCOMPARE(c.vision.mlp, VisionMlpKind::QuickGeluFc);
        QCOMPARE(c.text.tieWordEmbeddings, true);
        QCOMPARE(c.text.headDim, int64_t(128));
    }

    void readsTextFieldsNestedUnderTextConfig() {
        const ModelConfig c = parseModelConfig(nestedQwen25Config().dump(), "config.json");
        QCOMPARE(c.text.hiddenSize, int64_t(2048));
        QCOMPARE(c.text.numLayers, int64_t(36));
        QCOMPARE(c.text.maxPositionEmbeddings, int64_t(128000));
        QCOMPARE(c.text.mropeSection, (std::vector<int64_t>{16, 24, 24}));
        QCOMPARE(c.text.tieWordEmbeddings, true);  // text_config's value wins over the top level's
        QCOMPARE(c.vision.outHidden, int64_t(2048));
    }

    void errorsNameTheFieldAndFile() {
        json unsupported = qwen2vlConfig();
        unsupported["model_type"] = "llama";
        std::string e = parseError(unsupported);
        QVERIFY2(mentions(e, "config.json") && mentions(e, "llama") && mentions(e, "not supported"), e.c_str());

        json missing = qwen2vlConfig();
        missing.erase("num_hidden_layers");
        e = parseError(missing);
        QVERIFY2(mentions(e, "num_hidden_layers") && mentions(e, "missing"), e.c_str());

        json wrongType = qwen2vlConfig();
        wrongType["hidden_size"] = "big";
        e = parseError(wrongType);
        QVERIFY2(mentions(e, "hidden_size") && mentions(e, "integer"), e.c_str());

        json badSection = qwen2vlConfig();
        badSection["rope_scaling"]["mrope_section"] = {16, 24, 20};
        e = parseError(badSection);
        QVERIFY2(mentions(e, "mrope_section"), e.c_str());
        badSection["rope_scaling"]["mrope_section"] = {-8, 36, 36};  // the right sum, a negative share
        e = parseError(badSection);
        QVERIFY2(mentions(e, "mrope_section") && mentions(e, "non-negative"), e.c_str());
        json noTemporal = qwen2vlConfig();  // a zero share is allowed: no pairs for that axis
        noTemporal["rope_scaling"]["mrope_section"] = {0, 32, 32};
        QCOMPARE(parseModelConfig(noTemporal.dump(), "config.json").text.mropeSection, (std::vector<int64_t>{0, 32, 32}));

        json noVision = qwen2vlConfig();
        noVision.erase("vision_config");
        e = parseError(noVision);
        QVERIFY2(mentions(e, "vision_config"), e.c_str());

        for (double theta : {0.0, -10.0}) {
            json badTheta = qwen2vlConfig();
            badTheta["rope_theta"] = theta;
            e = parseError(badTheta);
            QVERIFY2(mentions(e, "rope_theta") && mentions(e, "positive"), e.c_str());
        }

        json badHeads = qwen2vlConfig();
        badHeads["num_key_value_heads"] = 5;
        e = parseError(badHeads);
        QVERIFY2(mentions(e, "num_key_value_heads"), e.c_str());

        try {
            parseModelConfig("{\"model_type\": \"qwen2_vl\",", "broken/config.json");
            QFAIL("malformed JSON must throw");
        } catch (const FormatError& err) {
            QVERIFY2(mentions(err.what(), "broken/config.json") && mentions(err.what(), "malformed JSON"), err.what());
        }
    }

    void integersBeyond64BitsAreRefused() {
        // A float beyond int64 (nlohmann also reads a too-long integer literal as a float), an unsigned above
        // INT64_MAX (it would wrap to a negative number) and a ratio that makes the MLP width overflow.
        json bigFloat = qwen2vlConfig();
        bigFloat["vocab_size"] = 7.7e98;
        std::string e = parseError(bigFloat);
        QVERIFY2(mentions(e, "config.json") && mentions(e, "vocab_size") && mentions(e, "does not fit"), e.c_str());
        std::string literal = qwen2vlConfig().dump();
        literal.replace(literal.find("151936"), 6, std::string(40, '7'));
        e.clear();
        try {
            parseModelConfig(literal, "config.json");
        } catch (const FormatError& err) {
            e = err.what();
        }
        QVERIFY2(mentions(e, "vocab_size") && mentions(e, "does not fit"), e.c_str());
        json hugeUnsigned = qwen2vlConfig();
        hugeUnsigned["num_hidden_layers"] = uint64_t(18446744073709551615u);
        e = parseError(hugeUnsigned);
        QVERIFY2(mentions(e, "num_hidden_layers") && mentions(e, "does not fit"), e.c_str());
        json edge = qwen2vlConfig();
        edge["max_position_embeddings"] = 9223372036854775808.0;  // 2^63, just outside
        e = parseError(edge);
        QVERIFY2(mentions(e, "max_position_embeddings") && mentions(e, "does not fit"), e.c_str());
        json inside = qwen2vlConfig();
        inside["max_position_embeddings"] = 4096.0;  // integral floats are still read
        QCOMPARE(parseModelConfig(inside.dump(), "config.json").text.maxPositionEmbeddings, int64_t(4096));
        json ratio = qwen2vlConfig();
        ratio["vision_config"]["mlp_ratio"] = 1e300;
        e = parseError(ratio);
        QVERIFY2(mentions(e, "vision_config.mlp_ratio") && mentions(e, "must be a number in (0, 64]"), e.c_str());
    }

    void checksOnHugeFieldsDoNotOverflow() {
        // head_dim x heads wraps to hidden_size for head_dim = 2^62 + 16 with 4 heads of width 64.
        json headDim = qwen2vlConfig();
        headDim["hidden_size"] = 64;
        headDim["num_attention_heads"] = 4;
        headDim["num_key_value_heads"] = 2;
        headDim["head_dim"] = int64_t(4611686018427387920);
        headDim["vision_config"]["hidden_size"] = 64;
        std::string e = parseError(headDim);
        // Refused by its bound, or failing the product check computed without overflow: either names head_dim.
        QVERIFY2(mentions(e, "head_dim") && (mentions(e, "must equal hidden_size") || mentions(e, "supported maximum")),
                 e.c_str());
        // Shares whose sum wraps to head_dim / 2.
        json shares = qwen2vlConfig();
        shares["rope_scaling"]["mrope_section"] = {INT64_MAX, INT64_MAX, 66};  // wraps to 64 = head_dim / 2
        e = parseError(shares);
        QVERIFY2(mentions(e, "mrope_section") && mentions(e, "do not fit in a 64-bit sum"), e.c_str());
        // A tower of INT64_MAX layers: the bound on vision_feature_layer (layers + 1 hidden states) must not
        // overflow (UBSan sees it under ./run.sh sanitize); the config either loads with the layer as
        // written or is refused for its layer count.
        const json llava = json::parse(R"({"model_type": "llava", "vision_feature_layer": -9223372036854775808,
          "text_config": {"vocab_size": 32064, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                          "num_attention_heads": 4},
          "vision_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 9223372036854775807,
                            "num_attention_heads": 2, "image_size": 336, "patch_size": 14}})");
        try {
            QCOMPARE(parseModelConfig(llava.dump(), "config.json").clip.featureLayer, INT64_MIN);
        } catch (const FormatError& err) {
            QVERIFY2(mentions(err.what(), "num_hidden_layers"), err.what());
        }
    }

    void numbersBeyondADoubleAreMalformedJson() {
        // nlohmann reports such a number as out_of_range, not parse_error; it is still a malformed file.
        for (const char* text : {R"({"model_type": "qwen2_vl", "hidden_size": 1e605})", R"({"rope_theta": -2E400})"}) {
            try {
                parseModelConfig(text, "big/config.json");
                QFAIL("a number beyond a double must throw");
            } catch (const FormatError& err) {
                QVERIFY2(mentions(err.what(), "big/config.json") && mentions(err.what(), "malformed JSON") &&
                             mentions(err.what(), "number overflow"),
                         err.what());
            }
        }
    }

    void missingFilesAreClearErrors() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("config.json").toStdString();
        try {
            loadModelConfig(path);
            QFAIL("a missing config.json must throw");
        } catch (const Error& e) {
            QVERIFY2(mentions(e.what(), path), e.what());
        }
        // generation_config.json is optional: its absence keeps config.json's eos ids.
        const GenerationDefaults g = loadGenerationDefaults(dir.filePath("generation_config.json").toStdString(), {7});
        QCOMPARE(g.eosTokenIds, (std::vector<int64_t>{7}));
        QCOMPARE(g.doSample, false);
    }

    // Files that are not what they seem are refused before they are read: no endless read of a device, no wait
    // on a pipe, no allocation for a file larger than any config.
    void configsThatAreNotSmallRegularFilesAreRefused() {
        QTemporaryDir dir;
        const auto loadError = [](const std::string& path) {
            try {
                loadModelConfig(path);
            } catch (const Error& e) {
                return std::string(e.what());
            }
            return std::string("no error");
        };
        const std::string device = dir.filePath("device/config.json").toStdString();
        QVERIFY(QDir(dir.path()).mkdir("device"));
        QVERIFY(QFile::link("/dev/zero", QString::fromStdString(device)));
        std::string e = loadError(device);
        QVERIFY2(mentions(e, device) && mentions(e, "not a regular file"), e.c_str());

        const std::string pipe = dir.filePath("pipe.json").toStdString();
        QCOMPARE(::mkfifo(pipe.c_str(), 0600), 0);
        e = loadError(pipe);  // returns at once: nobody will ever write to this pipe
        QVERIFY2(mentions(e, pipe) && mentions(e, "not a regular file"), e.c_str());

        const std::string folder = dir.filePath("folder.json").toStdString();
        QVERIFY(QDir(dir.path()).mkdir("folder.json"));
        e = loadError(folder);
        QVERIFY2(mentions(e, folder) && mentions(e, "is a folder"), e.c_str());

        // A sparse file: 300 MiB long, no disk space used.
        const std::string huge = dir.filePath("huge.json").toStdString();
        {
            std::ofstream out(huge);
        }
        QCOMPARE(::truncate(huge.c_str(), 300ll << 20), 0);
        e = loadError(huge);
        QVERIFY2(mentions(e, huge) && mentions(e, "314572800 bytes, more than the 268435456 read at most"), e.c_str());
    }

    void preprocessorSizeFields() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("preprocessor_config.json").toStdString();
        std::ofstream(path) << R"({"size": {"shortest_edge": 1000, "longest_edge": 50000}, "patch_size": 14,
                                   "merge_size": 2, "temporal_patch_size": 2})";
        const ImageProcessorConfig p = loadImageProcessorConfig(path);
        QCOMPARE(p.minPixels, int64_t(1000));
        QCOMPARE(p.maxPixels, int64_t(50000));
        std::ofstream(path) << R"({"image_std": [0.2, 0.0, 0.3]})";
        QVERIFY_THROWS_EXCEPTION(FormatError, loadImageProcessorConfig(path));
        std::ofstream(path) << R"({"image_mean": [0.5, 0.5]})";
        QVERIFY_THROWS_EXCEPTION(FormatError, loadImageProcessorConfig(path));
    }
};

QTEST_APPLESS_MAIN(ConfigTest)
#include "test_config.moc"
