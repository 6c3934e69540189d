// Attention rows turned into maps: heads combined into one row, the image part laid out on the merged token
// grid, and that grid stretched to the picture's pixels.
#include "headscope/maps.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <string>

#include "headscope/error.h"

namespace headscope {
namespace {

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

template <typename T>
void requireShape(const Array<T>& array, size_t dimensions, const char* what) {
    if (array.shape.size() != dimensions)
        throw InvalidInputError(std::string(what) + " must have " + std::to_string(dimensions) +
                                " dimension(s); its shape is " + shapeText(array.shape));
    for (int64_t size : array.shape)
        if (size <= 0)
            throw InvalidInputError(std::string(what) + " is empty: shape " + shapeText(array.shape));
    if (static_cast<size_t>(array.numel()) != array.data.size())
        throw InvalidInputError(std::string(what) + " holds " + std::to_string(array.data.size()) +
                                " values for its shape " + shapeText(array.shape));
}

void requireHeadInRange(const HeadRef& ref, int64_t layers, int64_t heads) {
    if (ref.layer < 0 || ref.layer >= layers || ref.head < 0 || ref.head >= heads)
        throw InvalidInputError("head (layer " + std::to_string(ref.layer) + ", head " +
                                std::to_string(ref.head) + ") is outside the " + std::to_string(layers) +
                                " layers x " + std::to_string(heads) + " heads of the rows");
}

// Weights |C(l, h)| / sum |C| over the chosen heads, or equal weights when every |C| is 0 (nothing to
// prefer one head over another).
std::vector<double> headWeights(const std::vector<HeadRef>& chosen, HeadAggregation aggregation,
                                const FloatArray& contribution, int64_t layers, int64_t heads) {
    std::vector<double> weights(chosen.size(), 1.0);
    if (aggregation == HeadAggregation::ContributionWeighted) {
        requireShape(contribution, 2, "the contribution map");
        if (contribution.dim(0) != layers || contribution.dim(1) != heads)
            throw InvalidInputError("the contribution map has shape " + shapeText(contribution.shape) +
                                    "; the rows need [" + std::to_string(layers) + ", " +
                                    std::to_string(heads) + "]");
        for (size_t i = 0; i < chosen.size(); ++i) {
            const float c = contribution.data[static_cast<size_t>(chosen[i].layer * heads + chosen[i].head)];
            if (!std::isfinite(c))
                throw InvalidInputError("the contribution of layer " + std::to_string(chosen[i].layer) +
                                        ", head " + std::to_string(chosen[i].head) + " is not finite");
            weights[i] = std::fabs(double(c));
        }
    }
    double total = 0.0;
    for (double w : weights) total += w;
    if (total == 0.0) {
        weights.assign(chosen.size(), 1.0);
        total = double(chosen.size());
    }
    for (double& w : weights) w /= total;
    return weights;
}

void requireImageSpan(const KeySpan& span, int64_t keys, int64_t expectedTokens) {
    if (span.begin < 0 || span.end < span.begin || span.end > keys)
        throw InvalidInputError("the image span [" + std::to_string(span.begin) + ", " +
                                std::to_string(span.end) + ") does not lie within the row's " +
                                std::to_string(keys) + " keys");
    if (span.end - span.begin != expectedTokens)
        throw InvalidInputError("the image span [" + std::to_string(span.begin) + ", " +
                                std::to_string(span.end) + ") holds " +
                                std::to_string(span.end - span.begin) + " tokens; the image grid has " +
                                std::to_string(expectedTokens) + " merged tokens");
}

void requireGrid(const GridTHW& grid, int64_t mergeSize) {
    if (mergeSize <= 0)
        throw InvalidInputError("the merge size is " + std::to_string(mergeSize) + "; it must be positive");
    if (grid.t <= 0 || grid.h <= 0 || grid.w <= 0)
        throw InvalidInputError("the image grid (t " + std::to_string(grid.t) + ", h " +
                                std::to_string(grid.h) + ", w " + std::to_string(grid.w) +
                                ") must be positive in every dimension");
    if (grid.h % mergeSize != 0 || grid.w % mergeSize != 0)
        throw InvalidInputError("the image grid (h " + std::to_string(grid.h) + ", w " +
                                std::to_string(grid.w) + ") is not divisible by the merge size " +
                                std::to_string(mergeSize));
}

}  // namespace

std::vector<HeadRef> headsOfClass(const HeadClassification& classification, HeadClass headClass) {
    const Int64Array& classes = classification.classes;
    requireShape(classes, 2, "the head-class table");
    const int64_t heads = classes.dim(1);
    std::vector<HeadRef> result;
    for (size_t i = 0; i < classes.data.size(); ++i)
        if (classes.data[i] == static_cast<int64_t>(headClass))
            result.push_back({static_cast<int64_t>(i) / heads, static_cast<int64_t>(i) % heads});
    return result;
}

std::vector<HeadRef> allHeads(int64_t layers, int64_t heads) {
    if (layers < 0 || heads < 0)
        throw InvalidInputError("there cannot be " + std::to_string(layers) + " layers x " +
                                std::to_string(heads) + " heads; counts cannot be negative");
    std::vector<HeadRef> result;
    result.reserve(static_cast<size_t>(layers * heads));
    for (int64_t layer = 0; layer < layers; ++layer)
        for (int64_t head = 0; head < heads; ++head) result.push_back({layer, head});
    return result;
}

FloatArray aggregateRows(const FloatArray& rows, const std::vector<HeadRef>& heads,
                         HeadAggregation aggregation, const FloatArray& contribution) {
    requireShape(rows, 3, "the attention rows");
    if (heads.empty()) throw InvalidInputError("no heads were chosen to combine");
    const int64_t layerCount = rows.dim(0);
    const int64_t headCount = rows.dim(1);
    const int64_t keys = rows.dim(2);
    for (const HeadRef& ref : heads) requireHeadInRange(ref, layerCount, headCount);

    const std::vector<double> weights = headWeights(heads, aggregation, contribution, layerCount, headCount);
    // Accumulate in double: hundreds of heads of small probabilities.
    std::vector<double> sum(static_cast<size_t>(keys), 0.0);
    for (size_t i = 0; i < heads.size(); ++i) {
        const float* row = rows.data.data() + (heads[i].layer * headCount + heads[i].head) * keys;
        for (int64_t k = 0; k < keys; ++k) sum[static_cast<size_t>(k)] += weights[i] * row[k];
    }
    FloatArray result({keys});
    for (size_t k = 0; k < sum.size(); ++k) result.data[k] = static_cast<float>(sum[k]);
    return result;
}

FloatArray imageGridMap(const FloatArray& row, const KeySpan& imageSpan, const GridTHW& grid,
                        int64_t mergeSize) {
    requireShape(row, 1, "the attention row");
    requireGrid(grid, mergeSize);
    const int64_t mapHeight = grid.h / mergeSize;
    const int64_t mapWidth = grid.w / mergeSize;
    const int64_t cells = mapHeight * mapWidth;
    requireImageSpan(imageSpan, row.dim(0), grid.t * cells);

    // Merged tokens come in (t, h / merge, w / merge) order; temporal slices of one cell are averaged.
    FloatArray map({mapHeight, mapWidth});
    for (int64_t cell = 0; cell < cells; ++cell) {
        double sum = 0.0;
        for (int64_t slice = 0; slice < grid.t; ++slice)
            sum += row.data[static_cast<size_t>(imageSpan.begin + slice * cells + cell)];
        map.data[static_cast<size_t>(cell)] = static_cast<float>(sum / double(grid.t));
    }
    return map;
}

FloatArray mapToPixels(const FloatArray& gridMap, int width, int height) {
    if (width <= 0 || height <= 0)
        throw InvalidInputError("cannot stretch a map to " + std::to_string(width) + " x " +
                                std::to_string(height) + " pixels; width and height must be positive");
    requireShape(gridMap, 2, "the grid map");
    if (gridMap.dim(0) > INT_MAX || gridMap.dim(1) > INT_MAX)
        throw InvalidInputError("the grid map " + shapeText(gridMap.shape) + " is too large to resize");

    // cv::resize only reads the source, so the map's own buffer can back it without a copy.
    const cv::Mat source(static_cast<int>(gridMap.dim(0)), static_cast<int>(gridMap.dim(1)), CV_32F,
                         const_cast<float*>(gridMap.data.data()));
    cv::Mat target;
    // INTER_LINEAR samples at half-pixel centres and clamps at the edges: bilinear between cell centres.
    cv::resize(source, target, cv::Size(width, height), 0.0, 0.0, cv::INTER_LINEAR);
    FloatArray pixels({int64_t{height}, int64_t{width}});
    for (int y = 0; y < height; ++y) {
        const float* line = target.ptr<float>(y);
        std::copy(line, line + width, pixels.data.begin() + static_cast<std::ptrdiff_t>(y) * width);
    }
    return pixels;
}

}  // namespace headscope
