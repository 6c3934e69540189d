// HeadHeatMap: stored values, click and hover mapping, class outlines, colour-scale ranges and export.
#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <memory>

#include <qcustomplot.h>

#include "color_maps.h"
#include "head_heat_map.h"

using headscope::FloatArray;
using headscope::Int64Array;
using headscope::widgets::HeadHeatMap;
using Metric = headscope::widgets::HeadHeatMap::Metric;

namespace {

// 3 layers x 4 heads; every value distinct so that a wrong cell cannot give the right answer.
FloatArray smallTable() {
    return FloatArray({3, 4}, {0.10f, 0.20f, 0.30f, 0.40f,  //
                               0.15f, 0.25f, 0.35f, 0.45f,  //
                               0.05f, 0.55f, 0.65f, 0.90f});
}

FloatArray rampTable(int layers, int heads) {
    FloatArray table({layers, heads});
    for (size_t i = 0; i < table.data.size(); ++i) table.data[i] = static_cast<float>(i) / table.data.size();
    return table;
}

QList<QCPItemRect*> rectItems(QCustomPlot* plot) {
    QList<QCPItemRect*> rects;
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* rect = qobject_cast<QCPItemRect*>(plot->item(i))) rects.append(rect);
    return rects;
}

QCPColorMap* colorMapOf(QCustomPlot* plot) { return qobject_cast<QCPColorMap*>(plot->plottable(0)); }

bool sameRange(const QCPRange& a, double lower, double upper) {
    return qFuzzyCompare(a.lower + 1.0, lower + 1.0) && qFuzzyCompare(a.upper + 1.0, upper + 1.0);
}

}  // namespace

class TestHeadHeatMap : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<HeadHeatMap> map_;

    // The widget asks for queued replots; let them run so the layout matches what is drawn.
    void settle() { QTest::qWait(20); }

    QColor pixelAt(const QPoint& pos) { return map_->plot()->grab().toImage().pixelColor(pos); }

private slots:
    void init() {
        map_ = std::make_unique<HeadHeatMap>();
        map_->setFixedSize(600, 500);
        map_->show();
        QVERIFY(QTest::qWaitForWindowExposed(map_.get()));
    }

    void cleanup() { map_.reset(); }

    void storesTableAsGiven() {
        const FloatArray table = smallTable();
        map_->setTable(table, Metric::Magnitude, QStringLiteral("S_v"));
        QCOMPARE(map_->layers(), 3);
        QCOMPARE(map_->heads(), 4);
        for (int layer = 0; layer < 3; ++layer)
            for (int head = 0; head < 4; ++head)
                QCOMPARE(map_->valueAt(layer, head), double(table.data[layer * 4 + head]));
        QVERIFY(std::isnan(map_->valueAt(3, 0)));
        QVERIFY(std::isnan(map_->valueAt(0, -1)));
    }

    void malformedTableIsEmpty() {
        map_->setTable(FloatArray({2, 3}, {1.0f, 2.0f}), Metric::Magnitude, QString());
        QCOMPARE(map_->layers(), 0);
        QCOMPARE(map_->heads(), 0);
        settle();
        int layer = -1;
        int head = -1;
        QVERIFY(!map_->cellAt(map_->plot()->axisRect()->rect().center(), &layer, &head));
    }

    void layerZeroIsTopRowHeadZeroLeftColumn() {
        map_->setTable(smallTable(), Metric::Magnitude, QString());
        settle();
        QVERIFY(map_->cellCenter(0, 1).y() < map_->cellCenter(2, 1).y());
        QVERIFY(map_->cellCenter(1, 0).x() < map_->cellCenter(1, 3).x());
        const QRect axisRect = map_->plot()->axisRect()->rect();
        QVERIFY(axisRect.contains(map_->cellCenter(0, 0)));
        QVERIFY(axisRect.contains(map_->cellCenter(2, 3)));
    }

    void clickEmitsAndSelects_data() {
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("layer");
        QTest::addColumn<int>("head");
        QTest::newRow("3x4 top left") << 3 << 4 << 0 << 0;
        QTest::newRow("3x4 top right") << 3 << 4 << 0 << 3;
        QTest::newRow("3x4 bottom left") << 3 << 4 << 2 << 0;
        QTest::newRow("3x4 bottom right") << 3 << 4 << 2 << 3;
        QTest::newRow("3x4 inner") << 3 << 4 << 1 << 2;
        QTest::newRow("28x28 bottom right") << 28 << 28 << 27 << 27;
        QTest::newRow("28x28 inner") << 28 << 28 << 13 << 6;
        QTest::newRow("1x1 only cell") << 1 << 1 << 0 << 0;
    }

    void clickEmitsAndSelects() {
        QFETCH(int, layers);
        QFETCH(int, heads);
        QFETCH(int, layer);
        QFETCH(int, head);
        map_->setTable(rampTable(layers, heads), Metric::Magnitude, QString());
        settle();
        QSignalSpy clicked(map_.get(), &HeadHeatMap::headClicked);
        QTest::mouseClick(map_->plot(), Qt::LeftButton, Qt::NoModifier, map_->cellCenter(layer, head));
        QCOMPARE(clicked.count(), 1);
        QCOMPARE(clicked.at(0).at(0).toInt(), layer);
        QCOMPARE(clicked.at(0).at(1).toInt(), head);
        QCOMPARE(map_->selectedLayer(), layer);
        QCOMPARE(map_->selectedHead(), head);
    }

    void clickOutsideCellsDoesNothing() {
        map_->setTable(smallTable(), Metric::Magnitude, QString());
        settle();
        QSignalSpy clicked(map_.get(), &HeadHeatMap::headClicked);
        QTest::mouseClick(map_->plot(), Qt::LeftButton, Qt::NoModifier, QPoint(2, 2));
        QCOMPARE(clicked.count(), 0);
        QCOMPARE(map_->selectedLayer(), -1);
    }

    void cellAtOutsideAxisRectIsFalse() {
        map_->setTable(smallTable(), Metric::Magnitude, QString());
        settle();
        const QRect axisRect = map_->plot()->axisRect()->rect();
        int layer = -1;
        int head = -1;
        const QList<QPoint> outside = {QPoint(axisRect.left() - 3, axisRect.center().y()),
                                       QPoint(axisRect.right() + 3, axisRect.center().y()),
                                       QPoint(axisRect.center().x(), axisRect.top() - 3),
                                       QPoint(axisRect.center().x(), axisRect.bottom() + 3),
                                       QPoint(map_->width() - 2, map_->height() / 2)};
        for (const QPoint& pos : outside) {
            const QString where = QStringLiteral("%1,%2").arg(pos.x()).arg(pos.y());
            QVERIFY2(!map_->cellAt(pos, &layer, &head), qPrintable(where));
        }
        QVERIFY(map_->cellAt(map_->cellCenter(1, 2), &layer, &head));
        QCOMPARE(layer, 1);
        QCOMPARE(head, 2);
    }

    void hoverReportsCellOnce() {
        const FloatArray table = smallTable();
        map_->setTable(table, Metric::Magnitude, QString());
        settle();
        QSignalSpy hovered(map_.get(), &HeadHeatMap::cellHovered);
        QSignalSpy left(map_.get(), &HeadHeatMap::hoverLeft);
        const QPoint centre = map_->cellCenter(1, 2);
        QTest::mouseMove(map_->plot(), centre);
        QCOMPARE(hovered.count(), 1);
        QCOMPARE(hovered.at(0).at(0).toInt(), 1);
        QCOMPARE(hovered.at(0).at(1).toInt(), 2);
        QCOMPARE(hovered.at(0).at(2).toDouble(), double(table.data[1 * 4 + 2]));
        QTest::mouseMove(map_->plot(), centre + QPoint(1, 1));  // same cell: no new signal
        QCOMPARE(hovered.count(), 1);
        QTest::mouseMove(map_->plot(), map_->cellCenter(2, 3));
        QCOMPARE(hovered.count(), 2);
        QCOMPARE(hovered.at(1).at(2).toDouble(), double(table.data[2 * 4 + 3]));
        QCOMPARE(left.count(), 0);
        QTest::mouseMove(map_->plot(), QPoint(2, 2));
        QCOMPARE(left.count(), 1);
    }

    void classesDrawOneOutlinePerSelectedHead() {
        map_->setTable(smallTable(), Metric::Magnitude, QString());
        // two perception heads (code 1), three reasoning heads (code 2)
        map_->setClasses(Int64Array({3, 4}, {1, 0, 1, 0,  //
                                             0, 0, 0, 2,  //
                                             2, 0, 0, 2}));
        const QList<QCPItemRect*> rects = rectItems(map_->plot());
        QCOMPARE(rects.size(), 5);
        int perception = 0;
        int reasoning = 0;
        for (QCPItemRect* rect : rects) {
            QCOMPARE(rect->brush().style(), Qt::NoBrush);
            QCOMPARE(rect->pen().widthF(), 2.0);
            if (rect->pen().color() == headscope::widgets::perceptionColor()) ++perception;
            if (rect->pen().color() == headscope::widgets::reasoningColor()) ++reasoning;
        }
        QCOMPARE(perception, 2);
        QCOMPARE(reasoning, 3);

        map_->setClasses(Int64Array());
        QCOMPARE(rectItems(map_->plot()).size(), 0);
    }

    void selectionAddsItsOwnMarks() {
        map_->setTable(smallTable(), Metric::Magnitude, QString());
        map_->setClasses(Int64Array({3, 4}, {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}));
        const int outlines = rectItems(map_->plot()).size();
        map_->setSelectedHead(1, 1);
        QCOMPARE(map_->selectedLayer(), 1);
        QVERIFY(rectItems(map_->plot()).size() > outlines);
        map_->setSelectedHead(-1, -1);
        QCOMPARE(rectItems(map_->plot()).size(), outlines);
        map_->setSelectedHead(5, 0);  // outside the table: no selection
        QCOMPARE(map_->selectedLayer(), -1);
    }

    void layerLimitsDrawDashedLines() {
        map_->setTable(rampTable(10, 6), Metric::Magnitude, QString());
        map_->setLayerLimits(3, 6);
        QList<QCPItemStraightLine*> visible;
        for (int i = 0; i < map_->plot()->itemCount(); ++i) {
            auto* line = qobject_cast<QCPItemStraightLine*>(map_->plot()->item(i));
            if (line && line->visible()) visible.append(line);
        }
        QCOMPARE(visible.size(), 2);
        for (QCPItemStraightLine* line : visible) {
            QCOMPARE(line->pen().style(), Qt::DashLine);
            const double y = line->point1->coords().y();
            QCOMPARE(line->point2->coords().y(), y);
            if (line->pen().color() == headscope::widgets::perceptionColor()) QCOMPARE(y, 3.5);
            else QCOMPARE(y, 5.5);
        }
        map_->setLayerLimits(-1, -1);
        for (int i = 0; i < map_->plot()->itemCount(); ++i)
            if (auto* line = qobject_cast<QCPItemStraightLine*>(map_->plot()->item(i)))
                QVERIFY(!line->visible());
    }

    void magnitudeRangeStartsAtZero() {
        map_->setTable(smallTable(), Metric::Magnitude, QStringLiteral("visual share"));
        QCPColorMap* colorMap = colorMapOf(map_->plot());
        QVERIFY(colorMap && colorMap->colorScale());
        QVERIFY(sameRange(colorMap->colorScale()->dataRange(), 0.0, 0.9f));
        QCOMPARE(colorMap->colorScale()->label(), QStringLiteral("visual share"));

        map_->setTable(FloatArray({1, 3}, {-0.5f, 0.25f, 2.0f}), Metric::Magnitude, QString());
        QVERIFY(sameRange(colorMap->colorScale()->dataRange(), -0.5, 2.0));

        map_->setTable(FloatArray({2, 2}, {0.0f, 0.0f, 0.0f, 0.0f}), Metric::Magnitude, QString());
        const QCPRange flat = colorMap->colorScale()->dataRange();
        QVERIFY(flat.upper > flat.lower);
        QCOMPARE(flat.lower, 0.0);
    }

    void signedRangeIsSymmetric() {
        const FloatArray table({1, 3}, {-0.3f, 0.1f, 0.7f});
        map_->setTable(table, Metric::Signed, QStringLiteral("contribution"));
        QCPColorMap* colorMap = colorMapOf(map_->plot());
        QVERIFY(sameRange(colorMap->colorScale()->dataRange(), -0.7f, 0.7f));
        map_->setTable(FloatArray({1, 2}, {-2.0f, 0.5f}), Metric::Signed, QString());
        QVERIFY(sameRange(colorMap->colorScale()->dataRange(), -2.0, 2.0));
        map_->setTable(FloatArray({1, 2}, {0.0f, 0.0f}), Metric::Signed, QString());
        QVERIFY(sameRange(colorMap->colorScale()->dataRange(), -1.0, 1.0));
    }

    void categoricalUsesFixedClassColours() {
        map_->setTable(FloatArray({1, 3}, {0.0f, 1.0f, 2.0f}), Metric::Categorical, QStringLiteral("class"));
        QCPColorMap* colorMap = colorMapOf(map_->plot());
        QVERIFY(sameRange(colorMap->colorScale()->dataRange(), 0.0, 2.0));
        QCOMPARE(colorMap->colorScale()->label(), QStringLiteral("class"));
        settle();
        QCOMPARE(pixelAt(map_->cellCenter(0, 1)).rgb(), headscope::widgets::perceptionColor().rgb());
        QCOMPARE(pixelAt(map_->cellCenter(0, 2)).rgb(), headscope::widgets::reasoningColor().rgb());
        const QColor other = pixelAt(map_->cellCenter(0, 0));
        QCOMPARE(other.red(), other.green());  // neutral grey
        QCOMPARE(other.green(), other.blue());
    }

    void magnitudeEndsUseViridisEnds() {
        map_->setTable(FloatArray({1, 2}, {0.0f, 1.0f}), Metric::Magnitude, QString());
        settle();
        using headscope::widgets::colorAt;
        using headscope::widgets::ColorScale;
        QCOMPARE(pixelAt(map_->cellCenter(0, 0)).rgb(), colorAt(ColorScale::Viridis, 0).rgb());
        QCOMPARE(pixelAt(map_->cellCenter(0, 1)).rgb(), colorAt(ColorScale::Viridis, 1).rgb());
    }

    void savePngWritesRequestedSize() {
        map_->setTable(smallTable(), Metric::Magnitude, QString());
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("heads.png"));
        QVERIFY(map_->savePng(path, 640, 360));
        QVERIFY(QFileInfo(path).size() > 0);
        QImage image;
        QVERIFY(image.load(path, "PNG"));
        QCOMPARE(image.size(), QSize(640, 360));
    }

    void saveSvgWritesSvg() {
        map_->setTable(smallTable(), Metric::Signed, QString());
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("heads.svg"));
        QVERIFY(map_->saveSvg(path));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray content = file.readAll();
        QVERIFY(content.startsWith("<?xml"));
        QVERIFY(content.contains("<svg"));
    }

    void unwritablePathFails() {
        map_->setTable(smallTable(), Metric::Magnitude, QString());
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString missingFolder = dir.filePath(QStringLiteral("missing/heads"));
        QVERIFY(!map_->savePng(missingFolder + QStringLiteral(".png")));
        QVERIFY(!map_->saveSvg(missingFolder + QStringLiteral(".svg")));
        QVERIFY(!QFileInfo::exists(missingFolder + QStringLiteral(".png")));
    }
};

QTEST_MAIN(TestHeadHeatMap)
#include "test_head_heat_map.moc"
