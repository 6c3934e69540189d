// The image overlay view: the QImage <-> RgbImage bridge (row padding, other formats), the composed picture
// against core's blend, what is drawn on screen and dropped image files.
#include <QtTest/QtTest>

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QSignalSpy>
#include <QUrl>

#include <cstdint>
#include <memory>
#include <vector>

#include "headscope/maps.h"
#include "image_overlay_view.h"

using namespace headscope;
using namespace headscope::widgets;

namespace {

// 3 x 2 pixels: 9 bytes of colour per row, which QImage pads to 12.
const std::vector<QColor> oddWidthColours = {
    QColor(255, 0, 0), QColor(0, 255, 0), QColor(0, 0, 255),
    QColor(10, 20, 30), QColor(200, 100, 50), QColor(1, 2, 3),
};

QImage oddWidthImage(QImage::Format format) {
    QImage image(3, 2, format);
    for (int i = 0; i < 6; ++i) image.setPixelColor(i % 3, i / 3, oddWidthColours[static_cast<size_t>(i)]);
    return image;
}

// The colours above, byte by byte.
const std::vector<uint8_t> oddWidthBytes = {
    255, 0, 0, 0, 255, 0, 0, 0, 255,
    10, 20, 30, 200, 100, 50, 1, 2, 3,
};

// 5 x 3 pixels of varied colours and a map with its own minimum and maximum.
QImage variedImage() {
    QImage image(5, 3, QImage::Format_RGB888);
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 5; ++x) image.setPixelColor(x, y, QColor(40 * x + 10, 80 * y + 5, 250 - 30 * x));
    return image;
}

FloatArray variedMap() {
    FloatArray map({3, 5});
    for (size_t i = 0; i < map.data.size(); ++i) map.data[i] = static_cast<float>((i * 7) % 11) - 3.0f;
    return map;
}

QImage uniformImage(int width, int height, const QColor& colour) {
    QImage image(width, height, QImage::Format_RGB888);
    image.fill(colour);
    return image;
}

int pixelsOtherThan(const QImage& image, QRgb colour) {
    int count = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) count += image.pixel(x, y) != colour ? 1 : 0;
    return count;
}

QMimeData* mimeWithUrls(const QList<QUrl>& urls) {
    auto* mime = new QMimeData;
    mime->setUrls(urls);
    return mime;
}

// Sends a drag entering `view` and, when it was accepted, the drop; returns whether the enter was accepted.
bool dragAndDrop(ImageOverlayView& view, const QMimeData& mime) {
    const QPoint inside(view.width() / 2, view.height() / 2);
    QDragEnterEvent enter(inside, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&view, &enter);
    if (!enter.isAccepted()) return false;
    QDropEvent drop(QPointF(inside), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&view, &drop);
    return true;
}

}  // namespace

class TestImageOverlay : public QObject {
    Q_OBJECT

private slots:
    void rgb888WithRowPaddingRoundTrips() {
        const QImage source = oddWidthImage(QImage::Format_RGB888);
        QVERIFY(source.bytesPerLine() > 9);  // the padding this test is about
        const RgbImage rgb = toRgbImage(source);
        QCOMPARE(rgb.width, 3);
        QCOMPARE(rgb.height, 2);
        QCOMPARE(rgb.pixels, oddWidthBytes);
        const QImage back = toQImage(rgb);
        QCOMPARE(back.format(), QImage::Format_RGB888);
        QCOMPARE(back, source);
    }

    void argb32SourceConverts() {
        const QImage source = oddWidthImage(QImage::Format_ARGB32);
        const RgbImage rgb = toRgbImage(source);
        QCOMPARE(rgb.pixels, oddWidthBytes);
        const QImage back = toQImage(rgb);
        for (int i = 0; i < 6; ++i)
            QCOMPARE(back.pixelColor(i % 3, i / 3), oddWidthColours[static_cast<size_t>(i)]);
    }

    void emptyAndMalformedImagesConvertToEmpty() {
        QCOMPARE(toRgbImage(QImage()).pixels.size(), size_t{0});
        QVERIFY(toQImage(RgbImage{}).isNull());
        RgbImage truncated = toRgbImage(oddWidthImage(QImage::Format_RGB888));
        truncated.pixels.pop_back();
        QVERIFY(toQImage(truncated).isNull());
    }

    void composedIsCoreBlend() {
        ImageOverlayView view;
        view.setImage(variedImage());
        view.setOpacity(0.4);
        QVERIFY(view.setMap(variedMap()));
        QVERIFY(view.hasMap());
        const RgbImage expected = blendMapOntoImage(toRgbImage(variedImage()), variedMap(), 0.4);
        const RgbImage composed = toRgbImage(view.composed());
        QCOMPARE(view.composed().size(), QSize(5, 3));
        QCOMPARE(composed.pixels, expected.pixels);
        QVERIFY(composed.pixels != toRgbImage(variedImage()).pixels);  // the overlay shows
    }

    void opacityChangeRecomposes() {
        ImageOverlayView view;
        view.setImage(variedImage());
        QVERIFY(view.setMap(variedMap()));
        view.setOpacity(0.0);
        QCOMPARE(view.composed(), variedImage());
        view.setOpacity(1.0);
        QCOMPARE(toRgbImage(view.composed()).pixels,
                 blendMapOntoImage(toRgbImage(variedImage()), variedMap(), 1.0).pixels);
        view.setOpacity(3.0);  // kept within [0, 1]
        QCOMPARE(view.opacity(), 1.0);
    }

    void mismatchedMapIsRefusedAndStateKept() {
        ImageOverlayView view;
        view.setImage(variedImage());
        QVERIFY(view.setMap(variedMap()));
        const QImage before = view.composed();
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("map refused.*\\[5, 3\\]"));
        QVERIFY(!view.setMap(FloatArray({5, 3}, std::vector<float>(15, 1.0f))));
        QVERIFY(view.hasMap());
        QCOMPARE(view.composed(), before);
    }

    void emptyMapAndNewImageRemoveTheOverlay() {
        ImageOverlayView view;
        view.setImage(variedImage());
        QVERIFY(view.setMap(variedMap()));
        QVERIFY(view.setMap(FloatArray()));
        QVERIFY(!view.hasMap());
        QCOMPARE(view.composed(), variedImage());
        QVERIFY(view.setMap(variedMap()));
        const QImage other = uniformImage(5, 3, QColor(7, 8, 9));
        view.setImage(other);
        QVERIFY(!view.hasMap());
        QCOMPARE(view.composed(), other);
    }

    void drawsThePictureScaledAndCentred() {
        // A 40 x 20 picture in a 200 x 200 view is drawn 200 x 100, rows 50 .. 149; base colour above.
        ImageOverlayView view;
        view.resize(200, 200);
        const QColor red(220, 30, 40);
        view.setImage(uniformImage(40, 20, red));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QImage shot = view.grab().toImage();
        QCOMPARE(shot.size(), QSize(200, 200));
        QCOMPARE(shot.pixelColor(100, 100).rgb(), red.rgb());
        QCOMPARE(shot.pixelColor(5, 60).rgb(), red.rgb());
        QCOMPARE(shot.pixelColor(100, 20).rgb(), view.palette().color(QPalette::Base).rgb());
        QCOMPARE(shot.pixelColor(100, 180).rgb(), view.palette().color(QPalette::Base).rgb());
    }

    void placeholderTextIsDrawnWithoutAnImage() {
        ImageOverlayView view;
        view.resize(300, 100);
        const QRgb base = view.palette().color(QPalette::Base).rgb();
        QVERIFY(pixelsOtherThan(view.grab().toImage(), base) > 0);
        view.setPlaceholderText(QString());
        QCOMPARE(pixelsOtherThan(view.grab().toImage(), base), 0);
    }

    void droppedImageFileIsReported() {
        ImageOverlayView view;
        view.resize(100, 100);
        QSignalSpy dropped(&view, &ImageOverlayView::imageDropped);
        const QString path = QDir::temp().filePath(QStringLiteral("picture.png"));
        const std::unique_ptr<QMimeData> mime(mimeWithUrls({QUrl::fromLocalFile(path)}));
        QVERIFY(dragAndDrop(view, *mime));
        QCOMPARE(dropped.count(), 1);
        QCOMPARE(dropped.at(0).at(0).toString(), path);
    }

    void otherDropsAreRefused() {
        ImageOverlayView view;
        view.resize(100, 100);
        QSignalSpy dropped(&view, &ImageOverlayView::imageDropped);
        const std::unique_ptr<QMimeData> text(
            mimeWithUrls({QUrl::fromLocalFile(QDir::temp().filePath(QStringLiteral("notes.txt")))}));
        QVERIFY(!dragAndDrop(view, *text));
        const QUrl remoteImage(QStringLiteral("https://example.org/a.png"));
        const std::unique_ptr<QMimeData> remote(mimeWithUrls({remoteImage}));
        QVERIFY(!dragAndDrop(view, *remote));
        QCOMPARE(dropped.count(), 0);
    }
};

QTEST_MAIN(TestImageOverlay)
#include "test_image_overlay.moc"
