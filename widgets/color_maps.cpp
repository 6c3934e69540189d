#include "color_maps.h"

#include <algorithm>
#include <array>

namespace headscope::widgets {

namespace {

struct Stop {
    double t;
    QColor color;
};

// Nine stops sampled from matplotlib's published viridis and magma tables; linear in between.
const std::array<Stop, 9> kViridis = {{{0.000, QColor(68, 1, 84)},
                                       {0.125, QColor(71, 44, 122)},
                                       {0.250, QColor(59, 81, 139)},
                                       {0.375, QColor(44, 113, 142)},
                                       {0.500, QColor(33, 144, 141)},
                                       {0.625, QColor(39, 173, 129)},
                                       {0.750, QColor(92, 200, 99)},
                                       {0.875, QColor(170, 220, 50)},
                                       {1.000, QColor(253, 231, 37)}}};
const std::array<Stop, 9> kMagma = {{{0.000, QColor(0, 0, 4)},
                                     {0.125, QColor(28, 16, 68)},
                                     {0.250, QColor(79, 18, 123)},
                                     {0.375, QColor(129, 37, 129)},
                                     {0.500, QColor(181, 54, 122)},
                                     {0.625, QColor(229, 80, 100)},
                                     {0.750, QColor(251, 135, 97)},
                                     {0.875, QColor(254, 194, 135)},
                                     {1.000, QColor(252, 253, 191)}}};
// Blue - white - red, as in ColorBrewer's RdBu reversed: negative blue, positive red.
const std::array<Stop, 5> kDiverging = {{{0.00, QColor(33, 102, 172)},
                                         {0.25, QColor(146, 197, 222)},
                                         {0.50, QColor(247, 247, 247)},
                                         {0.75, QColor(244, 165, 130)},
                                         {1.00, QColor(178, 24, 43)}}};

template <size_t N>
QColor interpolate(const std::array<Stop, N>& stops, double t) {
    t = std::clamp(t, 0.0, 1.0);
    for (size_t i = 1; i < N; ++i) {
        if (t > stops[i].t) continue;
        const double f = (t - stops[i - 1].t) / (stops[i].t - stops[i - 1].t);
        const QColor& a = stops[i - 1].color;
        const QColor& b = stops[i].color;
        return QColor::fromRgbF(static_cast<float>(a.redF() + f * (b.redF() - a.redF())),
                                static_cast<float>(a.greenF() + f * (b.greenF() - a.greenF())),
                                static_cast<float>(a.blueF() + f * (b.blueF() - a.blueF())));
    }
    return stops.back().color;
}

template <size_t N>
QCPColorGradient gradientOf(const std::array<Stop, N>& stops) {
    QCPColorGradient gradient;
    gradient.clearColorStops();
    for (const Stop& s : stops) gradient.setColorStopAt(s.t, s.color);
    gradient.setColorInterpolation(QCPColorGradient::ciRGB);
    return gradient;
}

}  // namespace

QColor colorAt(ColorScale scale, double t) {
    switch (scale) {
        case ColorScale::Viridis: return interpolate(kViridis, t);
        case ColorScale::Magma: return interpolate(kMagma, t);
        case ColorScale::Diverging: return interpolate(kDiverging, t);
    }
    return {};
}

QCPColorGradient gradientFor(ColorScale scale) {
    switch (scale) {
        case ColorScale::Viridis: return gradientOf(kViridis);
        case ColorScale::Magma: return gradientOf(kMagma);
        case ColorScale::Diverging: return gradientOf(kDiverging);
    }
    return {};
}

QColor perceptionColor() { return QColor(255, 140, 0); }   // orange
QColor reasoningColor() { return QColor(0, 200, 255); }    // cyan

}  // namespace headscope::widgets
