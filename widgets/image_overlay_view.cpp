// The picture with an attention map blended on top, and the QImage <-> RgbImage bridge it rests on.
#include "image_overlay_view.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QMimeDatabase>
#include <QMimeType>
#include <QPainter>
#include <QUrl>
#include <QtDebug>

#include <cmath>
#include <cstring>
#include <utility>

#include "headscope/error.h"
#include "headscope/maps.h"

namespace headscope::widgets {
namespace {

// Large pictures start at this edge at most; the layout may give the view any other size.
constexpr int kPreferredEdge = 640;

size_t rowBytesOf(int width) { return static_cast<size_t>(width) * 3; }

// The image with `map` blended on top, or the plain image when there is no map. Throws InvalidInputError
// when the map does not fit the image.
QImage composeImage(const QImage& image, const FloatArray& map, double opacity) {
    if (map.data.empty()) return image;
    return toQImage(blendMapOntoImage(toRgbImage(image), map, opacity));
}

// By the name only: the file is read later by the loader, which reports a bad one.
bool namesAnImage(const QString& path) {
    const QMimeType type = QMimeDatabase().mimeTypeForFile(path, QMimeDatabase::MatchExtension);
    return type.name().startsWith(QLatin1String("image/"));
}

// The path of the first local file among `urls` whose name marks it as an image, or an empty string.
QString firstLocalImagePath(const QList<QUrl>& urls) {
    for (const QUrl& url : urls)
        if (url.isLocalFile() && namesAnImage(url.toLocalFile())) return url.toLocalFile();
    return {};
}

QString droppedImagePath(const QMimeData* mimeData) {
    if (mimeData == nullptr || !mimeData->hasUrls()) return {};
    return firstLocalImagePath(mimeData->urls());
}

}  // namespace

RgbImage toRgbImage(const QImage& image) {
    RgbImage rgb;
    if (image.isNull()) return rgb;
    // Qt drops alpha here without compositing; files reach the app through core's loader, which already did.
    const QImage source = image.convertToFormat(QImage::Format_RGB888);
    rgb.width = source.width();
    rgb.height = source.height();
    const size_t rowBytes = rowBytesOf(rgb.width);
    rgb.pixels.resize(rowBytes * static_cast<size_t>(rgb.height));
    // QImage pads each row to 4 bytes, so rows are copied one at a time.
    for (int y = 0; y < rgb.height; ++y)
        std::memcpy(rgb.pixels.data() + rowBytes * static_cast<size_t>(y), source.constScanLine(y), rowBytes);
    return rgb;
}

QImage toQImage(const RgbImage& image) {
    const size_t rowBytes = rowBytesOf(image.width);
    const bool wellFormed = image.width > 0 && image.height > 0 &&
                            image.pixels.size() == rowBytes * static_cast<size_t>(image.height);
    if (!wellFormed) return {};
    QImage result(image.width, image.height, QImage::Format_RGB888);
    if (result.isNull()) return {};  // allocation failed
    for (int y = 0; y < image.height; ++y)
        std::memcpy(result.scanLine(y), image.pixels.data() + rowBytes * static_cast<size_t>(y), rowBytes);
    return result;
}

ImageOverlayView::ImageOverlayView(QWidget* parent)
    : QWidget(parent), placeholder_(tr("Drop an image here")) {
    setAcceptDrops(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageOverlayView::setImage(const QImage& image) {
    image_ = image;
    map_ = {};
    recompose();
    updateGeometry();
    update();
}

bool ImageOverlayView::setMap(const FloatArray& pixelMap) {
    try {
        // Composed first, so that a refused map leaves the previous picture untouched.
        QImage candidate = composeImage(image_, pixelMap, opacity_);
        composed_ = std::move(candidate);
        map_ = pixelMap;
    } catch (const InvalidInputError& error) {
        qWarning("ImageOverlayView: map refused: %s", error.what());
        return false;
    }
    update();
    return true;
}

void ImageOverlayView::setOpacity(double opacity) {
    if (std::isnan(opacity)) {
        qWarning("ImageOverlayView: opacity NaN ignored");
        return;
    }
    opacity_ = qBound(0.0, opacity, 1.0);
    recompose();
    update();
}

void ImageOverlayView::setPlaceholderText(const QString& text) {
    placeholder_ = text;
    update();
}

QImage ImageOverlayView::composed() const { return composed_; }

QSize ImageOverlayView::sizeHint() const {
    const QSize preferred(kPreferredEdge, kPreferredEdge);
    if (image_.isNull()) return preferred * 3 / 4;
    QSize size = image_.size();
    if (size.width() > preferred.width() || size.height() > preferred.height())
        size.scale(preferred, Qt::KeepAspectRatio);
    return size;
}

void ImageOverlayView::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Base));
    if (composed_.isNull()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
        return;
    }
    const QSize fitted = composed_.size().scaled(size(), Qt::KeepAspectRatio);
    const QRect target(QPoint((width() - fitted.width()) / 2, (height() - fitted.height()) / 2), fitted);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    painter.drawImage(target, composed_);
}

void ImageOverlayView::dragEnterEvent(QDragEnterEvent* event) {
    if (!droppedImagePath(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void ImageOverlayView::dropEvent(QDropEvent* event) {
    const QString path = droppedImagePath(event->mimeData());
    if (path.isEmpty()) return;
    event->acceptProposedAction();
    emit imageDropped(path);
}

void ImageOverlayView::recompose() {
    // The map was checked against this image when it was set and the opacity is kept within [0, 1], so
    // composing cannot be refused here.
    composed_ = composeImage(image_, map_, opacity_);
}

}  // namespace headscope::widgets
