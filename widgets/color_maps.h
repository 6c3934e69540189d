// Colour maps for head tables and overlays: perceptually uniform maps for magnitudes (viridis, magma), a
// diverging map centred on zero for signed values such as gate gradients, and the class colours.
#pragma once
#include <QColor>

#include <qcustomplot.h>

namespace headscope::widgets {

enum class ColorScale { Viridis, Magma, Diverging };

// t in [0, 1] (clamped); for Diverging 0.5 is the neutral centre.
QColor colorAt(ColorScale scale, double t);
// The same map as a QCustomPlot gradient (Debian's QCustomPlot 2.1 has no viridis preset).
QCPColorGradient gradientFor(ColorScale scale);

// Outline / highlight colours of the head classes.
QColor perceptionColor();
QColor reasoningColor();

}  // namespace headscope::widgets
