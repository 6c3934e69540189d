// The statistics of an evaluation table: accuracy with a 95% interval and the paired comparison of two
// decoding modes on the same questions.
#pragma once
#include <cstdint>

namespace headscope {

struct Interval {
    double low = 0;
    double high = 0;
};

// Wilson score interval for `correct` out of `total` at 95% (z = 1.959964); [0, 0] for no questions. Unlike
// the normal approximation it stays inside [0, 1] and is sound near 0% and 100%.
Interval wilsonInterval(int64_t correct, int64_t total);

// Two modes on the same questions. b: right in the first (the reference, e.g. vanilla) and wrong in the
// second; c: wrong in the first and right in the second.
struct PairedComparison {
    int64_t total = 0;
    int64_t onlyFirstRight = 0;   // b
    int64_t onlySecondRight = 0;  // c
    double difference = 0;        // accuracy of the second minus the first: (c - b) / total
    Interval differenceInterval;  // 95%, Wald interval of a paired difference of proportions
    double mcnemarP = 1;          // exact two-sided McNemar test: binomial(b + c, 1/2)
};

PairedComparison comparePaired(int64_t total, int64_t onlyFirstRight, int64_t onlySecondRight);

// Two-sided exact McNemar p-value for discordant counts b and c: min(1, 2 * P[X <= min(b, c)]),
// X ~ Binomial(b + c, 1/2); 1 when there are no discordant pairs.
double mcnemarExactP(int64_t b, int64_t c);

}  // namespace headscope
