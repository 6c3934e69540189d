// Maps drawn from attention rows: a token's attention over the image (per head, per class, aggregated),
// mapped from the merged token grid back to image pixels, and over the earlier tokens. Plain C++.
#pragma once
#include <cstdint>
#include <vector>

#include "headscope/analysis.h"
#include "headscope/array.h"
#include "headscope/head_classes.h"
#include "headscope/image.h"

namespace headscope {

struct HeadRef {
    int64_t layer = 0;
    int64_t head = 0;
};

enum class HeadAggregation {
    Mean,                // plain mean over the chosen heads
    ContributionWeighted,  // weights |C(l, h)| from a contribution map, normalised to sum 1
};

// The heads of one class in a classification (all heads for HeadClass::Other is not implied: it returns
// exactly the heads of that class).
std::vector<HeadRef> headsOfClass(const HeadClassification& classification, HeadClass headClass);
std::vector<HeadRef> allHeads(int64_t layers, int64_t heads);

// Combines rows [layers, heads, keys] over `heads` into one row [keys]. With ContributionWeighted,
// `contribution` [layers, heads] supplies the weights; all-zero weights fall back to the mean.
FloatArray aggregateRows(const FloatArray& rows, const std::vector<HeadRef>& heads, HeadAggregation aggregation,
                         const FloatArray& contribution = {});

// The image part of a row [keys] laid out on the merged token grid [grid.h / merge, grid.w / merge]
// (row-major, as the image tokens appear in the sequence).
FloatArray imageGridMap(const FloatArray& row, const KeySpan& imageSpan, const GridTHW& grid, int64_t mergeSize);

// A grid map stretched to an image of width x height pixels (the original image: the model saw it resized,
// and each grid cell covers the same fraction of either), bilinear between cell centres.
FloatArray mapToPixels(const FloatArray& gridMap, int width, int height);

// The image with a pixel map [height, width] colour-mapped (viridis, over the map's own min..max) and
// alpha-blended on top: out = (1 - opacity) * image + opacity * colour. A constant map blends one colour.
// Throws InvalidInputError when the map's shape differs from the image's or opacity is outside [0, 1].
RgbImage blendMapOntoImage(const RgbImage& image, const FloatArray& pixelMap, double opacity);

}  // namespace headscope
