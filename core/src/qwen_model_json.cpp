#include "qwen_model_json.h"

#include <fstream>

#include "headscope/error.h"

namespace headscope {

using nlohmann::json;

namespace {

constexpr int64_t kMinPixels = 56 * 56;  // Qwen2-VL's default lower bound

json visionConfigJson(const RandomModelSpec& s) {
    if (s.family == ModelFamily::Qwen2VL)
        return {{"depth", s.visionDepth}, {"embed_dim", s.visionHidden},
                {"mlp_ratio", static_cast<double>(s.visionIntermediate) / static_cast<double>(s.visionHidden)},
                {"num_heads", s.visionHeads}, {"in_chans", 3}, {"hidden_size", s.hiddenSize}, {"patch_size", 14},
                {"spatial_merge_size", 2}, {"temporal_patch_size", 2}, {"hidden_act", "quick_gelu"}};
    return {{"model_type", "qwen2_5_vl"}, {"depth", s.visionDepth}, {"hidden_act", "silu"},
            {"hidden_size", s.visionHidden}, {"intermediate_size", s.visionIntermediate},
            {"num_heads", s.visionHeads}, {"in_channels", 3}, {"out_hidden_size", s.hiddenSize},
            {"patch_size", 14}, {"spatial_merge_size", 2}, {"temporal_patch_size", 2}, {"window_size", 112},
            {"fullatt_block_indexes", s.visionDepth >= 2 ? json{1, s.visionDepth - 1} : json{0}},
            {"tokens_per_second", 2}};
}

}  // namespace

json qwenConfigJson(const RandomModelSpec& s, const QwenSpecialIds& ids, const std::string& torchDtype) {
    const int64_t headDim = s.hiddenSize / s.heads;
    // Rotary pairs split 1/4 : 3/8 : 3/8 over (t, h, w), the proportions of Qwen2.5-VL's [16, 24, 24].
    const int64_t pairs = headDim / 2, hw = pairs * 3 / 8;
    const std::vector<int64_t> section = s.mropeSection.empty() ? std::vector<int64_t>{pairs - 2 * hw, hw, hw} : s.mropeSection;
    const bool qwen2 = s.family == ModelFamily::Qwen2VL;
    return {{"architectures", {qwen2 ? "Qwen2VLForConditionalGeneration" : "Qwen2_5_VLForConditionalGeneration"}},
            {"model_type", qwen2 ? "qwen2_vl" : "qwen2_5_vl"},
            {"attention_dropout", 0.0},
            {"bos_token_id", ids.endOfText},
            {"eos_token_id", ids.imEnd()},
            {"pad_token_id", ids.endOfText},
            {"hidden_act", "silu"},
            {"hidden_size", s.hiddenSize},
            {"initializer_range", 0.02},
            {"intermediate_size", s.intermediateSize},
            {"num_hidden_layers", s.layers},
            {"num_attention_heads", s.heads},
            {"num_key_value_heads", s.kvHeads},
            {"max_position_embeddings", 32768},
            {"max_window_layers", s.layers},
            {"rms_norm_eps", 1e-6},
            {"rope_theta", s.ropeTheta},
            {"rope_scaling", {{"type", "default"}, {"rope_type", "default"}, {"mrope_section", section}}},
            {"sliding_window", 32768},
            {"use_sliding_window", false},
            {"tie_word_embeddings", s.tieWordEmbeddings},
            {"torch_dtype", torchDtype},
            {"use_cache", true},
            {"vocab_size", s.vocabSize},
            {"image_token_id", ids.imagePad()},
            {"video_token_id", ids.videoPad()},
            {"vision_start_token_id", ids.visionStart()},
            {"vision_end_token_id", ids.visionEnd()},
            {"vision_token_id", ids.visionPad()},
            {"vision_config", visionConfigJson(s)}};
}

json qwenPreprocessorJson(const RandomModelSpec& s) {
    return {{"do_convert_rgb", true}, {"do_normalize", true}, {"do_rescale", true}, {"do_resize", true},
            {"image_mean", {0.48145466, 0.4578275, 0.40821073}}, {"image_std", {0.26862954, 0.26130258, 0.27577711}},
            {"image_processor_type", "Qwen2VLImageProcessor"}, {"max_pixels", s.maxPixels}, {"merge_size", 2},
            {"min_pixels", kMinPixels}, {"patch_size", 14},
            {"processor_class", s.family == ModelFamily::Qwen2VL ? "Qwen2VLProcessor" : "Qwen2_5_VLProcessor"},
            {"resample", 3},
            {"rescale_factor", 1.0 / 255.0},
            // transformers 4.50 keeps the bounds twice: the old top-level fields and "size".
            {"size", {{"longest_edge", s.maxPixels}, {"shortest_edge", kMinPixels}}},
            {"temporal_patch_size", 2}};
}

json qwenGenerationConfigJson(const QwenSpecialIds& ids) {
    return {{"bos_token_id", ids.endOfText}, {"pad_token_id", ids.endOfText},
            {"eos_token_id", {ids.imEnd(), ids.endOfText}}, {"do_sample", false}};
}

void writeTextFile(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw Error(path + ": cannot write");
}

void writeJsonFile(const std::string& path, const json& value) { writeTextFile(path, value.dump(2) + "\n"); }

}  // namespace headscope
