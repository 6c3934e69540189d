#include "demo/demo_loss.h"

#include "headscope/error.h"
#include "models/vl_model.h"

namespace headscope::demo {

namespace {

std::vector<int64_t> firstRowOfEachScene(const TrainingBatch& batch) {
    std::vector<int64_t> rows;
    int64_t row = 0;
    for (int64_t count : batch.sequencesPerImage) {
        rows.push_back(row);
        row += count;
    }
    return rows;
}

}  // namespace

SharedPrefix sharedPrefix(const TrainingBatch& batch, int64_t imageTokenId) {
    const torch::Tensor imageColumns = (batch.inputIds == imageTokenId).any(0).nonzero();
    if (imageColumns.numel() == 0) throw Error("demo training: a batch without a picture");
    SharedPrefix prefix;
    prefix.length = imageColumns.max().item<int64_t>() + 1;
    if (prefix.length >= batch.inputIds.size(1)) throw Error("demo training: a conversation ends with its picture");
    const torch::Tensor first = torch::tensor(firstRowOfEachScene(batch));
    prefix.inputIds = batch.inputIds.index_select(0, first).narrow(1, 0, prefix.length);
    prefix.positions = batch.positions.index_select(1, first).narrow(2, 0, prefix.length);
    const torch::Tensor counts = torch::tensor(batch.sequencesPerImage);
    const bool shared =
        torch::equal(prefix.inputIds.repeat_interleave(counts, 0), batch.inputIds.narrow(1, 0, prefix.length)) &&
        torch::equal(prefix.positions.repeat_interleave(counts, 1), batch.positions.narrow(2, 0, prefix.length));
    if (!shared) throw Error("demo training: the conversations about a scene differ before the picture's end");
    // The prefix's last state predicts the token after it, which must be prompt, not target.
    if ((batch.labels.narrow(1, 0, prefix.length + 1) != kIgnoreLabel).any().item<bool>())
        throw Error("demo training: a target starts inside the shared prefix");
    return prefix;
}

torch::Tensor answerLossSum(models::QwenVLModelImpl& model, const ModelConfig& config, const torch::Tensor& sceneFeatures,
                            const std::vector<const TrainingBatch*>& batches, const models::DecoderRunOptions& run,
                            std::vector<torch::Tensor>* prefixLayerOutputs) {
    if (batches.empty()) throw Error("demo training: no batch to score");
    auto& decoder = model.decoder();
    const SharedPrefix prefix = sharedPrefix(*batches.front(), config.imageTokenId);
    for (size_t i = 1; i < batches.size(); ++i) {
        const SharedPrefix own = sharedPrefix(*batches[i], config.imageTokenId);
        if (own.length != prefix.length || !torch::equal(own.inputIds, prefix.inputIds) ||
            !torch::equal(own.positions, prefix.positions))
            throw Error("demo training: the batches scored together begin differently");
    }
    const torch::Tensor prefixEmbeds = models::scatterImageFeatures(decoder.embedTokens(prefix.inputIds), prefix.inputIds,
                                                                     config.imageTokenId, sceneFeatures);
    models::KVCache prefixCache = decoder.makeCache(prefix.inputIds.size(0), prefix.length, prefixEmbeds.options());
    models::DecoderRunOptions prefixRun = run;
    prefixRun.layerOutputs = prefixLayerOutputs;
    decoder.forward(prefixEmbeds, prefix.positions, &prefixCache, prefixRun);

    models::DecoderRunOptions ownRun = run;
    ownRun.layerOutputs = nullptr;
    torch::Tensor sum;
    for (const TrainingBatch* batch : batches) {
        const int64_t rows = batch->inputIds.size(0), total = batch->inputIds.size(1), own = total - prefix.length;
        // Each conversation's cache starts as its scene's prefix; its own positions are written after it.
        const torch::Tensor counts = torch::tensor(batch->sequencesPerImage);
        models::KVCache cache;
        cache.capacity = total;
        cache.length = prefix.length;
        auto extend = [&](const torch::Tensor& prefixPart) {
            const torch::Tensor repeated = prefixPart.repeat_interleave(counts, 0);
            return torch::cat({repeated, torch::zeros({rows, repeated.size(1), own, repeated.size(3)}, repeated.options())},
                              2);
        };
        for (size_t layer = 0; layer < prefixCache.keys.size(); ++layer) {
            cache.keys.push_back(extend(prefixCache.keys[layer]));
            cache.values.push_back(extend(prefixCache.values[layer]));
        }
        const torch::Tensor ownIds = batch->inputIds.narrow(1, prefix.length, own);
        const torch::Tensor hidden =
            decoder.forward(decoder.embedTokens(ownIds), batch->positions.narrow(2, prefix.length, own), &cache, ownRun);
        // The state at t predicts t + 1; the prefix's last state predicts a prompt token (sharedPrefix checks).
        const torch::Tensor logits = model.logits(hidden.narrow(1, 0, own - 1));
        const torch::Tensor batchSum = torch::nn::functional::cross_entropy(
            logits.reshape({-1, logits.size(-1)}), batch->labels.narrow(1, prefix.length + 1, own - 1).reshape({-1}),
            torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreLabel).reduction(torch::kSum));
        sum = sum.defined() ? sum + batchSum : batchSum;
    }
    return sum;
}

torch::Tensor wholeConversationLossSum(models::QwenVLModelImpl& model, const ModelConfig& config,
                                       const torch::Tensor& sceneFeatures, const TrainingBatch& batch) {
    const int64_t scenes = static_cast<int64_t>(batch.sequencesPerImage.size());
    const torch::Tensor features = sceneFeatures.view({scenes, -1, sceneFeatures.size(-1)})
                                       .repeat_interleave(torch::tensor(batch.sequencesPerImage), 0)
                                       .reshape({-1, sceneFeatures.size(-1)});
    auto& decoder = model.decoder();
    const torch::Tensor embeds =
        models::scatterImageFeatures(decoder.embedTokens(batch.inputIds), batch.inputIds, config.imageTokenId, features);
    models::DecoderRunOptions run;
    run.fusedAttention = false;
    const torch::Tensor hidden = decoder.forward(embeds, batch.positions, nullptr, run);
    const torch::Tensor logits = model.logits(hidden.narrow(1, 0, hidden.size(1) - 1));  // predicts t + 1
    return torch::nn::functional::cross_entropy(
        logits.reshape({-1, logits.size(-1)}), batch.labels.narrow(1, 1, batch.labels.size(1) - 1).reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreLabel).reduction(torch::kSum));
}

}  // namespace headscope::demo
