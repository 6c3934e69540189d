// Writes a randomly initialised Qwen2.5-VL (or Qwen2-VL) model folder in the Hugging Face layout (config.json,
// model.safetensors, a byte-level tokenizer.json with the Qwen special tokens, preprocessor and generation
// configs). For smoke runs, benchmarks at a realistic size, and tests that need a model of a given shape.
#pragma once
#include <cstdint>
#include <string>

#include "headscope/config.h"

namespace headscope {

struct RandomModelSpec {
    ModelFamily family = ModelFamily::Qwen25VL;  // Qwen2VL: LayerNorm + QuickGELU vision blocks, no windows
    // Text decoder.
    int64_t hiddenSize = 64;
    int64_t layers = 4;
    int64_t heads = 4;
    int64_t kvHeads = 2;
    int64_t intermediateSize = 128;
    int64_t vocabSize = 384;  // at least the tokenizer's 278 ids (256 bytes + 22 special tokens)
    bool tieWordEmbeddings = false;
    // Base of the decoder's rotary frequencies (config.json's rope_theta). Qwen's 1e6 suits long texts and wide
    // heads; with heads of 16 dimensions the image columns turn by 1.8e-4 rad or less per column (rows 0.03), so
    // the decoder can hardly tell columns apart. A small base separates them but leaves fewer dimensions that
    // match content regardless of position: on the demo model, theta 10 read the described objects' columns
    // right 75% of the time (1e6: 26%) but colours 33% (1e6: 88%).
    double ropeTheta = 1e6;
    // Rotary pairs per (temporal, height, width) axis (config.json's mrope_section), summing to head_dim / 2.
    // Pairs go to the axes in that order from the fastest-turning, so the width axis always gets the slowest.
    // Empty: Qwen2.5-VL's proportions 1/4 : 3/8 : 3/8 ([16, 24, 24] at head_dim 128, [2, 3, 3] at 16).
    std::vector<int64_t> mropeSection;
    // Vision tower.
    int64_t visionDepth = 4;
    int64_t visionHidden = 32;
    int64_t visionHeads = 2;
    int64_t visionIntermediate = 64;
    int64_t maxPixels = 200704;  // 448 x 448
};

// "tiny" (the defaults above), "tiny-qwen2-vl" (the same sizes as Qwen2-VL) or "qwen2-0.5b" (Qwen2-0.5B's language model: 24 layers, hidden 896, 14 heads,
// 2 KV heads, vocab 151936, tied; with a 4-block vision tower). Throws InvalidInputError for other names.
RandomModelSpec randomModelPreset(const std::string& name);

// Writes the folder (which must not exist yet) atomically: everything goes to a sibling temporary folder
// that is renamed into place at the end.
void writeRandomQwenModel(const std::string& folder, const RandomModelSpec& spec, uint64_t seed);

}  // namespace headscope
