// The plots of a sweep, drawn off screen with QCustomPlot and saved as PNG and SVG: accuracy over a grid of
// two settings (a heat map with each cell's value written in it) and accuracy along one setting with its 95%
// interval as a band (the paper's "ribbon" plots), both with the reference (vanilla) accuracy marked.
// Needs a QGuiApplication (the offscreen platform will do).
#pragma once
#include <QString>
#include <QStringList>
#include <vector>

namespace headscope::widgets {

struct SweepLine {
    QString title;
    QString xLabel;
    std::vector<double> x;
    std::vector<double> accuracy;  // in [0, 1]
    std::vector<double> low, high;  // 95% interval
    double reference = -1;          // the reference mode's accuracy; < 0: none
    QString referenceLabel;
};

struct SweepGrid {
    QString title;
    QString rowLabel, columnLabel;
    QStringList rows, columns;     // tick labels
    std::vector<double> accuracy;  // rows x columns, row-major; NaN where not measured
    double reference = -1;
    QString referenceLabel;
};

// Each writes `base`.png and `base`.svg; false (and `error`) when a file cannot be written.
bool saveSweepLine(const SweepLine& line, const QString& base, QString* error);
bool saveSweepGrid(const SweepGrid& grid, const QString& base, QString* error);

}  // namespace headscope::widgets
