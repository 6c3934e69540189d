#include "sweep_plots.h"

#include <QFileInfo>
#include <QSaveFile>
#include <QSvgGenerator>

#include <algorithm>
#include <cmath>
#include <memory>
#include <qcustomplot.h>

#include "color_maps.h"

namespace headscope::widgets {

namespace {

constexpr int kWidth = 720;
constexpr int kHeight = 480;

bool saveBoth(QCustomPlot& plot, const QString& base, const QString& title, QString* error) {
    plot.resize(kWidth, kHeight);
    plot.replot();
    if (!plot.savePng(base + ".png", kWidth, kHeight)) {
        if (error) *error = base + ".png: cannot write";
        return false;
    }
    QSaveFile file(base + ".svg");
    if (!file.open(QIODevice::WriteOnly)) {
        if (error) *error = base + ".svg: cannot write";
        return false;
    }
    QSvgGenerator generator;
    generator.setOutputDevice(&file);
    generator.setSize(QSize(kWidth, kHeight));
    generator.setViewBox(QRect(0, 0, kWidth, kHeight));
    generator.setTitle(title);
    QCPPainter painter;
    if (!painter.begin(&generator)) {
        if (error) *error = base + ".svg: cannot draw";
        return false;
    }
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    plot.toPainter(&painter, kWidth, kHeight);
    painter.end();
    if (!file.commit()) {
        if (error) *error = base + ".svg: cannot write";
        return false;
    }
    return true;
}

void addTitle(QCustomPlot& plot, const QString& title) {
    plot.plotLayout()->insertRow(0);
    auto* text = new QCPTextElement(&plot, title, QFont(QString(), 11, QFont::Bold));
    plot.plotLayout()->addElement(0, 0, text);
}

}  // namespace

bool saveSweepLine(const SweepLine& line, const QString& base, QString* error) {
    QCustomPlot plot;
    addTitle(plot, line.title);
    const QVector<double> x(line.x.begin(), line.x.end());
    auto percent = [](const std::vector<double>& v) {
        QVector<double> out;
        for (double value : v) out << 100 * value;
        return out;
    };
    // The interval as a band between the low and high curves.
    QCPGraph* high = plot.addGraph();
    high->setData(x, percent(line.high));
    high->setPen(Qt::NoPen);
    QCPGraph* low = plot.addGraph();
    low->setData(x, percent(line.low));
    low->setPen(Qt::NoPen);
    high->setBrush(QColor(70, 110, 200, 60));
    high->setChannelFillGraph(low);
    high->setName(QObject::tr("95% interval"));
    low->removeFromLegend();
    QCPGraph* accuracy = plot.addGraph();
    accuracy->setData(x, percent(line.accuracy));
    accuracy->setPen(QPen(QColor(40, 80, 180), 2));
    accuracy->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
    accuracy->setName(QObject::tr("accuracy"));
    if (line.reference >= 0 && !line.x.empty()) {
        QCPGraph* reference = plot.addGraph();
        const double lo = *std::min_element(line.x.begin(), line.x.end());
        const double hi = *std::max_element(line.x.begin(), line.x.end());
        reference->setData(QVector<double>{lo, hi}, QVector<double>{100 * line.reference, 100 * line.reference});
        reference->setPen(QPen(QColor(200, 60, 60), 1.5, Qt::DashLine));
        reference->setName(line.referenceLabel);
    }
    plot.xAxis->setLabel(line.xLabel);
    plot.yAxis->setLabel(QObject::tr("accuracy (%)"));
    plot.rescaleAxes();
    const QCPRange y = plot.yAxis->range();
    plot.yAxis->setRange(std::max(0.0, y.lower - 5), std::min(100.0, y.upper + 5));
    const QCPRange xr = plot.xAxis->range();
    const double pad = std::max(1e-6, (xr.upper - xr.lower) * 0.05);
    plot.xAxis->setRange(xr.lower - pad, xr.upper + pad);
    plot.legend->setVisible(true);
    return saveBoth(plot, base, line.title, error);
}

bool saveSweepGrid(const SweepGrid& grid, const QString& base, QString* error) {
    QCustomPlot plot;
    addTitle(plot, grid.title);
    const int rows = grid.rows.size(), columns = grid.columns.size();
    auto* map = new QCPColorMap(plot.xAxis, plot.yAxis);
    map->data()->setSize(columns, rows);
    // Cell centres on 0..n-1. QCPColorMap spreads n > 1 cells over the range, but a single cell fills it.
    auto span = [](int n) { return n > 1 ? QCPRange(0, n - 1) : QCPRange(-0.5, 0.5); };
    map->data()->setRange(span(columns), span(rows));
    double lo = 100, hi = 0;
    for (double value : grid.accuracy)
        if (!std::isnan(value)) {
            lo = std::min(lo, 100 * value);
            hi = std::max(hi, 100 * value);
        }
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < columns; ++c) {
            const double value = grid.accuracy[size_t(r * columns + c)];
            map->data()->setCell(c, r, std::isnan(value) ? std::nan("") : 100 * value);
            if (std::isnan(value)) continue;
            auto* label = new QCPItemText(&plot);
            label->position->setCoords(c, r);
            label->setText(QString::number(100 * value, 'f', 1));
            // Dark text on the light (high) end of viridis, light text on the dark end.
            label->setColor(100 * value > (lo + hi) / 2 ? Qt::black : Qt::white);
        }
    map->setInterpolate(false);
    map->setTightBoundary(false);
    auto* scale = new QCPColorScale(&plot);
    plot.plotLayout()->addElement(1, 1, scale);
    scale->setType(QCPAxis::atRight);
    map->setColorScale(scale);  // the scale's gradient and range then rule the map: set them there
    scale->setGradient(gradientFor(ColorScale::Viridis));
    scale->setDataRange(QCPRange(lo, hi > lo ? hi : lo + 1));
    scale->axis()->setLabel(grid.reference >= 0
                                ? QObject::tr("accuracy (%); %1 %2").arg(grid.referenceLabel).arg(100 * grid.reference, 0, 'f', 1)
                                : QObject::tr("accuracy (%)"));
    auto* group = new QCPMarginGroup(&plot);
    plot.axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    // Tick labels from the settings, one per cell.
    auto ticks = [](const QStringList& labels) {
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        for (int i = 0; i < labels.size(); ++i) ticker->addTick(i, labels[i]);
        return ticker;
    };
    plot.xAxis->setTicker(ticks(grid.columns));
    plot.yAxis->setTicker(ticks(grid.rows));
    plot.xAxis->setLabel(grid.columnLabel);
    plot.yAxis->setLabel(grid.rowLabel);
    plot.xAxis->setRange(-0.5, columns - 0.5);
    plot.yAxis->setRange(-0.5, rows - 0.5);
    return saveBoth(plot, base, grid.title, error);
}

}  // namespace headscope::widgets
