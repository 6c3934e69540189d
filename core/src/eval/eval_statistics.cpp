#include "headscope/eval_statistics.h"

#include <algorithm>
#include <cmath>

namespace headscope {

namespace {

constexpr double kZ95 = 1.959963984540054;

}  // namespace

Interval wilsonInterval(int64_t correct, int64_t total) {
    if (total <= 0) return {};
    const double n = double(total);
    const double p = double(correct) / n;
    const double z2 = kZ95 * kZ95;
    const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    const double half = kZ95 * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

double mcnemarExactP(int64_t b, int64_t c) {
    const int64_t n = b + c;
    if (n == 0) return 1.0;
    const int64_t k = std::min(b, c);
    // P[X <= k] summed in log space: binomial coefficients overflow doubles beyond n ~ 1000.
    double tail = 0;
    const double logHalfN = double(n) * std::log(0.5);
    for (int64_t i = 0; i <= k; ++i)
        tail += std::exp(std::lgamma(double(n + 1)) - std::lgamma(double(i + 1)) - std::lgamma(double(n - i + 1)) + logHalfN);
    return std::min(1.0, 2 * tail);
}

PairedComparison comparePaired(int64_t total, int64_t onlyFirstRight, int64_t onlySecondRight) {
    PairedComparison out;
    out.total = total;
    out.onlyFirstRight = onlyFirstRight;
    out.onlySecondRight = onlySecondRight;
    out.mcnemarP = mcnemarExactP(onlyFirstRight, onlySecondRight);
    if (total <= 0) return out;
    const double n = double(total);
    const double b = double(onlyFirstRight), c = double(onlySecondRight);
    out.difference = (c - b) / n;
    // Var of the paired difference: ((b + c) - (c - b)^2 / n) / n^2.
    const double se = std::sqrt(std::max(0.0, (b + c) - (c - b) * (c - b) / n)) / n;
    out.differenceInterval = {out.difference - kZ95 * se, out.difference + kZ95 * se};
    return out;
}

}  // namespace headscope
