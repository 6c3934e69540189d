#include "head_heat_map.h"

#include <QEvent>
#include <QMouseEvent>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

#include <qcustomplot.h>

namespace headscope::widgets {

namespace {

constexpr int kOtherCode = 0;
constexpr int kPerceptionCode = 1;
constexpr int kReasoningCode = 2;

QColor otherClassColor() { return QColor(140, 140, 140); }

bool isTable(const FloatArray& table) {
    return table.shape.size() == 2 && table.shape[0] > 0 && table.shape[1] > 0 &&
           static_cast<int64_t>(table.data.size()) == table.numel();
}

// [min(0, lowest), highest]; NaN cells are ignored. A flat table still gets a range one unit wide so that
// the colour scale has something to show.
QCPRange magnitudeRange(const std::vector<float>& values) {
    double lowest = std::numeric_limits<double>::infinity();
    double highest = -std::numeric_limits<double>::infinity();
    for (float v : values) {
        if (std::isnan(v)) continue;
        lowest = std::min(lowest, double(v));
        highest = std::max(highest, double(v));
    }
    if (lowest > highest) return QCPRange(0.0, 1.0);
    const double lower = std::min(0.0, lowest);
    return highest > lower ? QCPRange(lower, highest) : QCPRange(lower, lower + 1.0);
}

// [-m, m] with m the largest magnitude, so that zero sits on the gradient's neutral centre.
QCPRange symmetricRange(const std::vector<float>& values) {
    double largest = 0.0;
    for (float v : values)
        if (!std::isnan(v)) largest = std::max(largest, std::abs(double(v)));
    return largest > 0.0 ? QCPRange(-largest, largest) : QCPRange(-1.0, 1.0);
}

// Three exact colours: with three levels the lookup table holds the stop colours themselves, so codes 0, 1
// and 2 over the range [0, 2] are never blended.
QCPColorGradient categoricalGradient() {
    QCPColorGradient gradient;
    gradient.clearColorStops();
    gradient.setColorStopAt(0.0, otherClassColor());
    gradient.setColorStopAt(0.5, perceptionColor());
    gradient.setColorStopAt(1.0, reasoningColor());
    gradient.setLevelCount(3);
    return gradient;
}

// Cell centres sit on integer coordinates. QCPColorMapData spreads its cells over the range, so one cell
// needs a range one unit wide to be drawn with width 1 (its half-cell margin is zero then).
QCPRange cellRange(int count) {
    return count > 1 ? QCPRange(0.0, count - 1.0) : QCPRange(-0.5, 0.5);
}

QSharedPointer<QCPAxisTicker> integerTicker() {
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    return ticker;
}

QSharedPointer<QCPAxisTicker> classTicker() {
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    ticker->addTick(kOtherCode, HeadHeatMap::tr("other"));
    ticker->addTick(kPerceptionCode, HeadHeatMap::tr("perception"));
    ticker->addTick(kReasoningCode, HeadHeatMap::tr("reasoning"));
    return ticker;
}

void styleAxis(QCPAxis* axis, const QColor& text) {
    const QPen pen(text, 1);
    axis->setBasePen(pen);
    axis->setTickPen(pen);
    axis->setSubTickPen(pen);
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
}

}  // namespace

HeadHeatMap::HeadHeatMap(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);  // plot and widget coordinates coincide
    layout->addWidget(plot_);
    setUpPlot();
    applyPalette();
    plot_->setMouseTracking(true);
    plot_->installEventFilter(this);
}

void HeadHeatMap::setUpPlot() {
    plot_->xAxis->setLabel(tr("head"));
    plot_->yAxis->setLabel(tr("layer"));
    plot_->yAxis->setRangeReversed(true);  // layer 0 is the top row
    for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
        axis->setTicker(integerTicker());
        axis->setSubTicks(false);
        axis->grid()->setVisible(false);  // cells cover the whole rect; grid lines would only add noise
    }

    map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
    map_->setInterpolate(false);
    map_->setTightBoundary(false);

    scale_ = new QCPColorScale(plot_);
    scale_->setType(QCPAxis::atRight);
    scale_->setBarWidth(12);
    plot_->plotLayout()->addElement(0, 1, scale_);
    map_->setColorScale(scale_);

    auto* marginGroup = new QCPMarginGroup(plot_);
    plot_->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, marginGroup);
    scale_->setMarginGroup(QCP::msTop | QCP::msBottom, marginGroup);

    const QString highlights = QStringLiteral("highlights");
    plot_->addLayer(highlights, plot_->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    highlightLayer_ = plot_->layer(highlights);
    perceptionLine_ = new QCPItemStraightLine(plot_);
    reasoningLine_ = new QCPItemStraightLine(plot_);
    perceptionLine_->setPen(QPen(perceptionColor(), 2, Qt::DashLine));
    reasoningLine_->setPen(QPen(reasoningColor(), 2, Qt::DashLine));
    for (QCPItemStraightLine* line : {perceptionLine_, reasoningLine_}) {
        line->setLayer(highlightLayer_);
        line->setSelectable(false);
        line->setVisible(false);
    }
    applyMetric(QString());
    updateAxisRanges();
}

void HeadHeatMap::applyPalette() {
    const QColor text = palette().color(QPalette::WindowText);
    plot_->setBackground(palette().brush(QPalette::Window));
    styleAxis(plot_->xAxis, text);
    styleAxis(plot_->yAxis, text);
    styleAxis(scale_->axis(), text);
}

void HeadHeatMap::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
        plot_->replot(QCustomPlot::rpQueuedReplot);
    }
    QWidget::changeEvent(event);
}

void HeadHeatMap::setTable(const FloatArray& table, Metric metric, const QString& label) {
    table_ = isTable(table) ? table : FloatArray();
    metric_ = metric;
    fillMapData();
    applyMetric(label);
    updateAxisRanges();
    if (selectedLayer_ >= layers() || selectedHead_ >= heads()) {
        selectedLayer_ = selectedHead_ = -1;
        rebuildSelectionMarks();
    }
    endHover();  // the hovered value is stale now
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void HeadHeatMap::fillMapData() {
    QCPColorMapData* data = map_->data();
    const int layerCount = layers();
    const int headCount = heads();
    if (layerCount == 0) {
        data->clear();
        return;
    }
    // setSize reallocates and clears, so only call it when the shape changes.
    if (data->keySize() != headCount || data->valueSize() != layerCount) data->setSize(headCount, layerCount);
    data->setRange(cellRange(headCount), cellRange(layerCount));
    const float* values = table_.data.data();
    for (int layer = 0; layer < layerCount; ++layer)
        for (int head = 0; head < headCount; ++head)
            data->setCell(head, layer, values[layer * headCount + head]);
}

void HeadHeatMap::applyMetric(const QString& label) {
    QCPColorGradient gradient;
    QCPRange range;
    switch (metric_) {
        case Metric::Magnitude:
            gradient = gradientFor(ColorScale::Viridis);
            range = magnitudeRange(table_.data);
            break;
        case Metric::Signed:
            gradient = gradientFor(ColorScale::Diverging);
            range = symmetricRange(table_.data);
            break;
        case Metric::Categorical:
            gradient = categoricalGradient();
            range = QCPRange(kOtherCode, kReasoningCode);
            break;
    }
    // NaN marks a head without a value (e.g. not measured): leave it see-through rather than coloured.
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    map_->setGradient(gradient);
    map_->setDataRange(range);
    const bool categorical = metric_ == Metric::Categorical;
    scale_->axis()->setTicker(categorical ? classTicker() : QSharedPointer<QCPAxisTicker>::create());
    scale_->setLabel(label);
}

void HeadHeatMap::updateAxisRanges() {
    // Half a cell of margin on each side: the axis range is exactly the area the cells cover.
    plot_->xAxis->setRange(-0.5, std::max(1, heads()) - 0.5);
    plot_->yAxis->setRange(-0.5, std::max(1, layers()) - 0.5);
}

void HeadHeatMap::setClasses(const Int64Array& classes) {
    const bool valid =
        classes.shape.size() == 2 && static_cast<int64_t>(classes.data.size()) == classes.numel();
    classes_ = valid ? classes : Int64Array();
    rebuildClassOutlines();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void HeadHeatMap::rebuildClassOutlines() {
    clearItems(&classOutlines_);
    if (classes_.shape.size() != 2) return;
    const QPen perceptionPen(perceptionColor(), 2);
    const QPen reasoningPen(reasoningColor(), 2);
    const int64_t headCount = classes_.shape[1];
    for (size_t i = 0; i < classes_.data.size(); ++i) {
        const int64_t code = classes_.data[i];
        if (code != kPerceptionCode && code != kReasoningCode) continue;
        const int layer = static_cast<int>(static_cast<int64_t>(i) / headCount);
        const int head = static_cast<int>(static_cast<int64_t>(i) % headCount);
        classOutlines_.append(addCellRect(layer, head, code == kPerceptionCode ? perceptionPen : reasoningPen,
                                          plot_->layer(QStringLiteral("main"))));
    }
}

void HeadHeatMap::setLayerLimits(int perceptionMaxLayer, int reasoningMinLayer) {
    perceptionMaxLayer_ = perceptionMaxLayer;
    reasoningMinLayer_ = reasoningMinLayer;
    updateLayerLines();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void HeadHeatMap::updateLayerLines() {
    // Perception heads live at layers <= l_perc: the line runs below that row. Reasoning heads live at
    // layers >= l_reas: the line runs above that row.
    const auto place = [](QCPItemStraightLine* line, int limit, double offset) {
        line->setVisible(limit >= 0);
        line->point1->setCoords(0.0, limit + offset);
        line->point2->setCoords(1.0, limit + offset);
    };
    place(perceptionLine_, perceptionMaxLayer_, 0.5);
    place(reasoningLine_, reasoningMinLayer_, -0.5);
}

void HeadHeatMap::setSelectedHead(int layer, int head) {
    const bool valid = layer >= 0 && head >= 0 && layer < layers() && head < heads();
    if (!valid) layer = head = -1;
    if (layer == selectedLayer_ && head == selectedHead_) return;
    selectedLayer_ = layer;
    selectedHead_ = head;
    rebuildSelectionMarks();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void HeadHeatMap::rebuildSelectionMarks() {
    clearItems(&selectionMarks_);
    if (selectedLayer_ < 0) return;
    // A light band on a dark one stays visible on every colour of every gradient.
    selectionMarks_.append(addCellRect(selectedLayer_, selectedHead_, QPen(Qt::black, 5), highlightLayer_));
    selectionMarks_.append(addCellRect(selectedLayer_, selectedHead_, QPen(Qt::white, 2), highlightLayer_));
}

QCPItemRect* HeadHeatMap::addCellRect(int layer, int head, const QPen& pen, QCPLayer* drawLayer) {
    auto* rect = new QCPItemRect(plot_);
    rect->setLayer(drawLayer);
    rect->setPen(pen);
    rect->setBrush(Qt::NoBrush);
    rect->setSelectable(false);
    rect->setClipToAxisRect(false);  // edge cells keep their full outline
    rect->topLeft->setCoords(head - 0.5, layer - 0.5);
    rect->bottomRight->setCoords(head + 0.5, layer + 0.5);
    return rect;
}

void HeadHeatMap::clearItems(QList<QCPItemRect*>* items) {
    for (QCPItemRect* item : *items) plot_->removeItem(item);
    items->clear();
}

int HeadHeatMap::layers() const { return table_.shape.size() == 2 ? static_cast<int>(table_.shape[0]) : 0; }

int HeadHeatMap::heads() const { return table_.shape.size() == 2 ? static_cast<int>(table_.shape[1]) : 0; }

double HeadHeatMap::valueAt(int layer, int head) const {
    if (layer < 0 || head < 0 || layer >= layers() || head >= heads())
        return std::numeric_limits<double>::quiet_NaN();
    return table_.data[static_cast<size_t>(layer) * heads() + head];
}

int HeadHeatMap::selectedLayer() const { return selectedLayer_; }

int HeadHeatMap::selectedHead() const { return selectedHead_; }

bool HeadHeatMap::cellAt(const QPoint& widgetPos, int* layer, int* head) const {
    if (layers() == 0) return false;
    const double key = plot_->xAxis->pixelToCoord(widgetPos.x());
    const double value = plot_->yAxis->pixelToCoord(widgetPos.y());
    // coordToCell truncates towards zero, which would fold the half cell before the first one onto cell 0.
    if (key < -0.5 || value < -0.5) return false;
    int headIndex = -1;
    int layerIndex = -1;
    map_->data()->coordToCell(key, value, &headIndex, &layerIndex);
    if (headIndex < 0 || layerIndex < 0 || headIndex >= heads() || layerIndex >= layers()) return false;
    if (layer) *layer = layerIndex;
    if (head) *head = headIndex;
    return true;
}

QPoint HeadHeatMap::cellCenter(int layer, int head) const {
    if (layer < 0 || head < 0 || layer >= layers() || head >= heads()) return QPoint(-1, -1);
    // Cell centres sit on integer coordinates (see cellRange).
    return QPoint(qRound(plot_->xAxis->coordToPixel(head)), qRound(plot_->yAxis->coordToPixel(layer)));
}

bool HeadHeatMap::eventFilter(QObject* watched, QEvent* event) {
    if (watched == plot_) {
        switch (event->type()) {
            case QEvent::MouseMove: {
                const auto* mouse = static_cast<QMouseEvent*>(event);
                hoverAt(mouse->position().toPoint(), mouse->globalPosition().toPoint());
                break;
            }
            case QEvent::MouseButtonRelease: {
                const auto* mouse = static_cast<QMouseEvent*>(event);
                if (mouse->button() == Qt::LeftButton) clickAt(mouse->position().toPoint());
                break;
            }
            case QEvent::Leave:
                endHover();
                break;
            default:
                break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void HeadHeatMap::hoverAt(const QPoint& pos, const QPoint& globalPos) {
    int layer = -1;
    int head = -1;
    if (!cellAt(pos, &layer, &head)) {
        endHover();
        return;
    }
    if (layer == hoveredLayer_ && head == hoveredHead_) return;
    hoveredLayer_ = layer;
    hoveredHead_ = head;
    const double value = valueAt(layer, head);
    const QString text = tr("layer %1, head %2: %3").arg(layer).arg(head).arg(valueText(value));
    QToolTip::showText(globalPos, text, plot_);
    emit cellHovered(layer, head, value);
}

void HeadHeatMap::endHover() {
    if (hoveredLayer_ < 0) return;
    hoveredLayer_ = hoveredHead_ = -1;
    QToolTip::hideText();
    emit hoverLeft();
}

void HeadHeatMap::clickAt(const QPoint& pos) {
    int layer = -1;
    int head = -1;
    if (!cellAt(pos, &layer, &head)) return;
    setSelectedHead(layer, head);
    emit headClicked(layer, head);
}

QString HeadHeatMap::valueText(double value) const {
    if (std::isnan(value)) return tr("no value");
    if (metric_ != Metric::Categorical) return QString::number(value, 'g', 4);
    switch (static_cast<int>(value)) {
        case kPerceptionCode: return tr("perception");
        case kReasoningCode: return tr("reasoning");
        default: return tr("other");
    }
}

bool HeadHeatMap::savePng(const QString& path, int width, int height) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return false;
    const QPixmap pixmap = plot_->toPixmap(width, height);
    plot_->replot(QCustomPlot::rpQueuedReplot);  // exporting lays the plot out at the export size
    return !pixmap.isNull() && pixmap.save(&file, "PNG") && file.commit();
}

bool HeadHeatMap::saveSvg(const QString& path) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return false;
    QSvgGenerator generator;
    generator.setOutputDevice(&file);
    generator.setSize(plot_->size());
    generator.setViewBox(QRect(QPoint(0, 0), plot_->size()));
    generator.setTitle(tr("Head heat map"));
    QCPPainter painter;
    if (!painter.begin(&generator)) return false;
    plot_->toPainter(&painter, plot_->width(), plot_->height());
    painter.end();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return file.commit();
}

}  // namespace headscope::widgets
