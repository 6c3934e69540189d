// The demo trainer's answer loss. Every conversation about a scene begins with the same tokens: the system
// turn, then the picture. The decoder runs that shared beginning once per scene and each conversation's own
// tokens after it, attending to the beginning's keys and values: the sums of running every conversation
// whole, with the picture's tokens computed once per scene instead of once per question.
#pragma once
#include <vector>

#include "demo/demo_batch.h"
#include "models/qwen_vl_model.h"

namespace headscope::demo {

// The tokens every conversation about a scene shares, up to and including the picture's last token.
struct SharedPrefix {
    int64_t length = 0;
    torch::Tensor inputIds;   // [scenes, length] int64
    torch::Tensor positions;  // [3, scenes, length] int64
};

// Throws Error when the batch's conversations about one scene do not share their tokens up to the picture's
// end, or when a target starts inside that prefix.
SharedPrefix sharedPrefix(const TrainingBatch& batch, int64_t imageTokenId);

// Summed cross-entropy of the target tokens of `batches`, which show the same scenes in the same order (a
// scene's conversations may be split among them): the prefix runs once for all. `sceneFeatures` holds the
// vision tower's output for the scenes in order. With `prefixLayerOutputs`, every decoder layer's output over
// the shared prefixes ([scenes, length, hidden]) is appended to it. Throws Error when the batches begin
// differently.
torch::Tensor answerLossSum(models::QwenVLModelImpl& model, const ModelConfig& config, const torch::Tensor& sceneFeatures,
                            const std::vector<const TrainingBatch*>& batches, const models::DecoderRunOptions& run,
                            std::vector<torch::Tensor>* prefixLayerOutputs = nullptr);

// The reference: every conversation of `batch` run whole, its scene's picture features repeated for each.
// The shared-prefix loss is checked and timed against it.
torch::Tensor wholeConversationLossSum(models::QwenVLModelImpl& model, const ModelConfig& config,
                                       const torch::Tensor& sceneFeatures, const TrainingBatch& batch);

}  // namespace headscope::demo
