#include "demo/demo_batch.h"

#include "headscope/session.h"

namespace headscope::demo {

std::pair<std::vector<int64_t>, std::vector<int64_t>> BatchBuilder::encode(const shapes::Question& question,
                                                                           int64_t imageTokens) const {
    ChatPrompt prompt;
    prompt.userText = question.question;
    auto promptIds = encodeChatWithImage(tokenizer, prompt, imageTokens);
    auto targetIds = tokenizer.encode(question.target);
    targetIds.push_back(endOfTurnId);
    return {std::move(promptIds), std::move(targetIds)};
}

ImageBatch BatchBuilder::buildImages(const std::vector<const shapes::Scene*>& scenes) const {
    ImageBatch batch;
    std::vector<torch::Tensor> pixels;
    std::vector<float> cells;
    for (const shapes::Scene* scene : scenes) {
        for (uint8_t flag : shapes::objectCentreCells(*scene)) cells.push_back(float(flag));
        ProcessedImage image = preprocessImage(shapes::drawScene(*scene), imageConfig);
        pixels.push_back(torch::from_blob(image.pixelValues.data.data(),
                                          {image.pixelValues.dim(0), image.pixelValues.dim(1)}, torch::kFloat32)
                             .clone());
        batch.grids.push_back(image.grid);
        batch.mergedTokens.push_back(image.mergedTokenCount());
    }
    batch.pixelValues = torch::cat(pixels, 0);
    batch.cellTargets = torch::tensor(cells).view({-1, shapes::kShapeClassCount});
    return batch;
}

TrainingBatch BatchBuilder::build(const std::vector<SceneQuestions>& scenes) const {
    TrainingBatch batch;
    std::vector<const shapes::Scene*> pictures;
    for (const SceneQuestions& group : scenes) pictures.push_back(group.scene);
    ImageBatch images = buildImages(pictures);
    std::vector<std::vector<int64_t>> ids, labels;
    std::vector<Int64Array> positions;
    int64_t longest = 0;
    for (size_t s = 0; s < scenes.size(); ++s) {
        const SceneQuestions& group = scenes[s];
        const GridTHW& grid = images.grids[s];
        batch.sequencesPerImage.push_back(static_cast<int64_t>(group.questions.size()));
        for (const shapes::Question& question : group.questions) {
            auto [promptIds, targetIds] = encode(question, images.mergedTokens[s]);
            std::vector<int64_t> sequence = promptIds;
            sequence.insert(sequence.end(), targetIds.begin(), targetIds.end());
            std::vector<int64_t> sequenceLabels(promptIds.size(), kIgnoreLabel);
            sequenceLabels.insert(sequenceLabels.end(), targetIds.begin(), targetIds.end());
            batch.targetTokens += static_cast<int64_t>(targetIds.size());

            int64_t delta = 0;
            positions.push_back(computeMropePositions(sequence, {grid}, config.imageTokenId,
                                                      config.vision.spatialMergeSize, &delta));
            longest = std::max<int64_t>(longest, static_cast<int64_t>(sequence.size()));
            ids.push_back(std::move(sequence));
            labels.push_back(std::move(sequenceLabels));
        }
    }
    const int64_t b = static_cast<int64_t>(ids.size());
    batch.inputIds = torch::full({b, longest}, padId, torch::kInt64);
    batch.labels = torch::full({b, longest}, kIgnoreLabel, torch::kInt64);
    batch.positions = torch::zeros({3, b, longest}, torch::kInt64);
    auto idsA = batch.inputIds.accessor<int64_t, 2>();
    auto labelsA = batch.labels.accessor<int64_t, 2>();
    auto positionsA = batch.positions.accessor<int64_t, 3>();
    for (int64_t i = 0; i < b; ++i) {
        const int64_t n = static_cast<int64_t>(ids[i].size());
        for (int64_t t = 0; t < n; ++t) {
            idsA[i][t] = ids[i][t];
            labelsA[i][t] = labels[i][t];
            for (int64_t axis = 0; axis < 3; ++axis) positionsA[axis][i][t] = positions[i].data[axis * n + t];
        }
        // Padding continues the positions; causal attention keeps it out of the real tokens anyway.
        for (int64_t t = n; t < longest; ++t)
            for (int64_t axis = 0; axis < 3; ++axis) positionsA[axis][i][t] = positionsA[axis][i][n - 1] + (t - n + 1);
    }
    batch.pixelValues = std::move(images.pixelValues);
    batch.grids = std::move(images.grids);
    batch.cellTargets = std::move(images.cellTargets);
    return batch;
}

}  // namespace headscope::demo
