// The layers x heads heat map: one crisp cell per head (QCPColorMap + colour scale), perception and
// reasoning heads outlined in two colours, the depth limits l_perc / l_reas drawn as lines, hover and
// click reported as typed signals. Layer 0 is the top row, head 0 the left column.
#pragma once
#include <QList>
#include <QPen>
#include <QString>
#include <QWidget>

#include "color_maps.h"
#include "headscope/array.h"

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QCPItemStraightLine;
class QCPLayer;

namespace headscope::widgets {

class HeadHeatMap : public QWidget {
    Q_OBJECT

public:
    enum class Metric { Magnitude, Signed, Categorical };

    explicit HeadHeatMap(QWidget* parent = nullptr);

    // table [layers, heads]. Magnitude: viridis over [min(0, lo), hi]; Signed: diverging, symmetric around 0;
    // Categorical: class codes 0/1/2 in fixed colours. `label` names the colour scale. A table that is not
    // 2-D or whose data does not match its shape is shown as an empty plot.
    void setTable(const FloatArray& table, Metric metric, const QString& label);
    void setClasses(const Int64Array& classes);  // [layers, heads] HeadClass codes; empty removes outlines
    void setLayerLimits(int perceptionMaxLayer, int reasoningMinLayer);  // -1 hides a line
    void setSelectedHead(int layer, int head);                             // -1, -1 clears

    int layers() const;
    int heads() const;
    double valueAt(int layer, int head) const;  // NaN outside the table
    Metric metric() const { return metric_; }
    int selectedLayer() const;
    int selectedHead() const;
    // The cell under a widget position, or false when outside the table. The plot fills the widget, so
    // widget and plot() coordinates are the same. Uses the layout of the last replot (what is on screen).
    bool cellAt(const QPoint& widgetPos, int* layer, int* head) const;
    // The centre of a cell in widget coordinates (what a click on that head would hit); (-1, -1) for a cell
    // outside the table.
    QPoint cellCenter(int layer, int head) const;

    // Both write through a temporary file and return false when the file cannot be written.
    bool savePng(const QString& path, int width = 0, int height = 0);
    bool saveSvg(const QString& path);

    QCustomPlot* plot() const { return plot_; }

signals:
    void cellHovered(int layer, int head, double value);
    void hoverLeft();
    void headClicked(int layer, int head);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void setUpPlot();
    void applyPalette();
    void fillMapData();
    void applyMetric(const QString& label);
    void updateAxisRanges();
    void rebuildClassOutlines();
    void updateLayerLines();
    void rebuildSelectionMarks();
    QCPItemRect* addCellRect(int layer, int head, const QPen& pen, QCPLayer* drawLayer);
    void clearItems(QList<QCPItemRect*>* items);

    void hoverAt(const QPoint& pos, const QPoint& globalPos);
    void endHover();
    void clickAt(const QPoint& pos);
    QString valueText(double value) const;

    QCustomPlot* plot_ = nullptr;
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QCPLayer* highlightLayer_ = nullptr;
    QCPItemStraightLine* perceptionLine_ = nullptr;
    QCPItemStraightLine* reasoningLine_ = nullptr;
    QList<QCPItemRect*> classOutlines_;
    QList<QCPItemRect*> selectionMarks_;
    FloatArray table_;
    Int64Array classes_;
    Metric metric_ = Metric::Magnitude;
    int perceptionMaxLayer_ = -1;
    int reasoningMinLayer_ = -1;
    int selectedLayer_ = -1;
    int selectedHead_ = -1;
    int hoveredLayer_ = -1;
    int hoveredHead_ = -1;
};

}  // namespace headscope::widgets
