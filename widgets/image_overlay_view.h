// An image with a heat map blended onto it (colour-mapped, adjustable opacity), scaled to fit the widget
// with its aspect ratio kept. Accepts dropped image files.
#pragma once
#include <QImage>
#include <QWidget>

#include "headscope/array.h"
#include "headscope/image.h"

namespace headscope::widgets {

class ImageOverlayView : public QWidget {
    Q_OBJECT

public:
    explicit ImageOverlayView(QWidget* parent = nullptr);

    void setImage(const QImage& image);  // clears the map
    // map [image height, image width] (in the image's own pixels); empty removes the overlay. A map that
    // does not fit the image (or has non-finite values) is refused: false, and the view stays as it was.
    bool setMap(const FloatArray& pixelMap);
    void setOpacity(double opacity);  // 0 .. 1
    void setPlaceholderText(const QString& text);

    const QImage& image() const { return image_; }
    double opacity() const { return opacity_; }
    bool hasMap() const { return !map_.data.empty(); }
    // The picture as drawn: the image with the overlay blended in, at the image's resolution.
    QImage composed() const;

    QSize sizeHint() const override;

signals:
    void imageDropped(const QString& path);

protected:
    void paintEvent(QPaintEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void recompose();

    QImage image_;
    FloatArray map_;
    double opacity_ = 0.55;
    QImage composed_;
    QString placeholder_;
};

// QImage <-> core's RgbImage (8-bit RGB), for handing pictures to the engine and back.
RgbImage toRgbImage(const QImage& image);
QImage toQImage(const RgbImage& image);

}  // namespace headscope::widgets
