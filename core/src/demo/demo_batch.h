// Turns shape scenes and questions about them into a padded training batch for the Qwen2.5-VL model: per
// question the chat prompt with the image, the target ("<think>...</think>\nAnswer: ..." + <|im_end|>),
// labels only on the target and M-RoPE positions; per scene the pixel rows, so that the vision tower runs
// once for all the questions about one scene.
#pragma once
#include <vector>

#include "headscope/config.h"
#include "headscope/image.h"
#include "headscope/shape_scenes.h"
#include "headscope/tokenizer.h"
#include "torch_pch.h"

namespace headscope::demo {

constexpr int64_t kIgnoreLabel = -100;

struct TrainingBatch {
    torch::Tensor inputIds;     // [B, T] int64, right-padded with the pad id
    torch::Tensor labels;       // [B, T] int64: the id at t, or kIgnoreLabel outside the target
    torch::Tensor positions;    // [3, B, T] int64
    torch::Tensor pixelValues;  // [sum of patches, patch dim] float32, one image per scene
    std::vector<GridTHW> grids;  // per scene
    std::vector<int64_t> sequencesPerImage;  // consecutive rows of the batch that show the same scene
    int64_t targetTokens = 0;   // labelled positions
    torch::Tensor cellTargets;  // [scenes * cells, classes] float32: shapes::objectCentreCells of each scene, in order
};

// The scenes' pictures alone, for the vision tower and its perception probe.
struct ImageBatch {
    torch::Tensor pixelValues;   // [sum of patches, patch dim] float32, one image per scene
    std::vector<GridTHW> grids;  // per scene
    std::vector<int64_t> mergedTokens;  // per scene
    torch::Tensor cellTargets;   // [scenes * cells, classes] float32: shapes::objectCentreCells of each scene
};

struct SceneQuestions {
    const shapes::Scene* scene = nullptr;
    std::vector<shapes::Question> questions;
};

struct BatchBuilder {
    const Tokenizer& tokenizer;
    const ModelConfig& config;
    const ImageProcessorConfig& imageConfig;
    int64_t padId = 0;
    int64_t endOfTurnId = 0;  // <|im_end|>

    // Token ids of the prompt and of the target for one question.
    std::pair<std::vector<int64_t>, std::vector<int64_t>> encode(const shapes::Question& question,
                                                                 int64_t imageTokens) const;
    TrainingBatch build(const std::vector<SceneQuestions>& scenes) const;
    ImageBatch buildImages(const std::vector<const shapes::Scene*>& scenes) const;
};

}  // namespace headscope::demo
