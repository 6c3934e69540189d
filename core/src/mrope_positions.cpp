#include <algorithm>

#include "checked_math.h"
#include "headscope/error.h"
#include "headscope/session.h"

namespace headscope {

Int64Array computeMropePositions(const std::vector<int64_t>& inputIds, const std::vector<GridTHW>& grids,
                                 int64_t imageTokenId, int64_t spatialMergeSize, int64_t* ropeDelta) {
    if (spatialMergeSize <= 0) throw InvalidInputError("the spatial merge size must be positive");
    const auto n = static_cast<int64_t>(inputIds.size());
    Int64Array positions({3, n});
    int64_t* axes[3] = {positions.data.data(), positions.data.data() + n, positions.data.data() + 2 * n};
    int64_t next = 0;  // the position the next text token takes
    int64_t cursor = 0;
    auto placeText = [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i, ++next)
            for (auto* axis : axes) axis[i] = next;
    };
    for (const GridTHW& grid : grids) {
        const auto found = std::find(inputIds.begin() + cursor, inputIds.end(), imageTokenId);
        if (found == inputIds.end())
            throw InvalidInputError("the prompt has fewer image blocks than images (" + std::to_string(grids.size()) + ")");
        const int64_t start = found - inputIds.begin();
        placeText(cursor, start);
        const int64_t gh = grid.h / spatialMergeSize, gw = grid.w / spatialMergeSize;
        const std::optional<int64_t> product = checkedProduct({grid.t, gh, gw});
        if (!product || grid.t <= 0 || gh <= 0 || gw <= 0)
            throw InvalidInputError("image grid (" + std::to_string(grid.t) + ", " + std::to_string(grid.h) + ", " +
                                    std::to_string(grid.w) + ") is not a positive size that fits in 64 bits");
        const int64_t count = *product;
        if (count > n - start || std::any_of(inputIds.begin() + start, inputIds.begin() + start + count,
                                             [&](int64_t id) { return id != imageTokenId; }))
            throw InvalidInputError("an image block in the prompt does not hold " + std::to_string(count) +
                                    " image tokens, as its grid requires");
        // A single image is one temporal step (its frame duplicated to the temporal patch), so t stays 0.
        int64_t maxOffset = 0;
        for (int64_t t = 0, i = start; t < grid.t; ++t)
            for (int64_t y = 0; y < gh; ++y)
                for (int64_t x = 0; x < gw; ++x, ++i) {
                    axes[0][i] = next;
                    axes[1][i] = next + y;
                    axes[2][i] = next + x;
                    maxOffset = std::max({maxOffset, y, x});
                }
        next += maxOffset + 1;
        cursor = start + count;
    }
    if (std::find(inputIds.begin() + cursor, inputIds.end(), imageTokenId) != inputIds.end())
        throw InvalidInputError("the prompt has more image tokens than the image grids account for");
    placeText(cursor, n);
    if (ropeDelta) *ropeDelta = next - n;
    return positions;
}

}  // namespace headscope
