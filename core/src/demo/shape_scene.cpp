// Scene sampling, fingerprints and drawing for the synthetic shape scenes.
#include <algorithm>
#include <cstring>
#include <random>

#include <opencv2/imgproc.hpp>

#include "headscope/error.h"
#include "headscope/shape_scenes.h"

namespace headscope::shapes {

namespace {

// Own helpers over mt19937_64: its raw output is specified by the standard, the distributions are not.
int uniformInt(std::mt19937_64& rng, int low, int high) {
    const uint64_t span = uint64_t(high - low) + 1;
    return low + int(rng() % span);
}

double uniformReal(std::mt19937_64& rng) { return double(rng() >> 11) * (1.0 / 9007199254740992.0); }

// A bounding box overlapping more than this share of the smaller box is rejected; below a quarter the
// other object's centre can never be covered.
constexpr double kMaxOverlapShare = 0.10;
constexpr int kEdgeMargin = 4;
constexpr int kPlacementAttempts = 200;

struct Box {
    int left, top, right, bottom;
    int area() const { return (right - left) * (bottom - top); }
};

Box boundingBox(const ShapeObject& object) {
    const int r = halfExtent(object.size);
    return {object.centerX - r, object.centerY - r, object.centerX + r, object.centerY + r};
}

int intersectionArea(const Box& a, const Box& b) {
    const int w = std::min(a.right, b.right) - std::max(a.left, b.left);
    const int h = std::min(a.bottom, b.bottom) - std::max(a.top, b.top);
    return (w > 0 && h > 0) ? w * h : 0;
}

bool overlapsTooMuch(const ShapeObject& candidate, const std::vector<ShapeObject>& placed) {
    const Box box = boundingBox(candidate);
    for (const ShapeObject& other : placed) {
        const Box otherBox = boundingBox(other);
        const int smaller = std::min(box.area(), otherBox.area());
        if (intersectionArea(box, otherBox) > kMaxOverlapShare * smaller) return true;
    }
    return false;
}

ShapeObject randomObject(std::mt19937_64& rng, int width, int height) {
    ShapeObject object;
    object.kind = ShapeKind(uniformInt(rng, 0, kShapeKindCount - 1));
    object.color = ShapeColor(uniformInt(rng, 0, kShapeColorCount - 1));
    object.size = uniformInt(rng, 0, 1) == 0 ? ShapeSize::Small : ShapeSize::Large;
    const int r = halfExtent(object.size) + kEdgeMargin;
    object.centerX = uniformInt(rng, r, width - 1 - r);
    object.centerY = uniformInt(rng, r, height - 1 - r);
    return object;
}

void sampleBackground(std::mt19937_64& rng, Scene& scene) {
    // Light, nearly neutral tones so that no background reads as a palette colour.
    const int base = uniformInt(rng, 215, 250);
    for (uint8_t& channel : scene.background) channel = uint8_t(base + uniformInt(rng, -5, 5));
    scene.noiseAmplitude = uniformReal(rng) < 0.5 ? 0 : uniformInt(rng, 4, 12);
}

// The backdrop is lit unevenly: its red fades towards the right and its blue towards the bottom, by up to
// this share, so that a patch's pixels say where it lies (on a uniform backdrop the vision tower's attention
// treats every place alike). Measured over 1,000 held-out questions, it did not teach the model where objects
// are (its left/right and above/below answers stay near chance); the bundled model was trained with it.
constexpr double kBackdropRamp = 0.3;

void fillBackground(const Scene& scene, cv::Mat& canvas) {
    for (int y = 0; y < canvas.rows; ++y) {
        auto* row = canvas.ptr<uint8_t>(y);
        const double blue = scene.background[2] * (1.0 - kBackdropRamp * y / (canvas.rows - 1));
        for (int x = 0; x < canvas.cols; ++x) {
            row[3 * x] = cv::saturate_cast<uint8_t>(scene.background[0] * (1.0 - kBackdropRamp * x / (canvas.cols - 1)));
            row[3 * x + 1] = scene.background[1];
            row[3 * x + 2] = cv::saturate_cast<uint8_t>(blue);
        }
    }
    if (scene.noiseAmplitude <= 0) return;
    std::mt19937_64 rng(mixSeed(scene.seed ^ 0x6e6f697365ULL));
    for (int y = 0; y < canvas.rows; ++y) {
        auto* row = canvas.ptr<uint8_t>(y);
        for (int x = 0; x < canvas.cols * 3; x += 3) {
            const int delta = uniformInt(rng, -scene.noiseAmplitude, scene.noiseAmplitude);
            for (int c = 0; c < 3; ++c) row[x + c] = cv::saturate_cast<uint8_t>(row[x + c] + delta);
        }
    }
}

void drawObject(const ShapeObject& object, cv::Mat& canvas, const cv::Scalar& color, int lineType) {
    const int r = halfExtent(object.size);
    const cv::Point centre(object.centerX, object.centerY);
    switch (object.kind) {
    case ShapeKind::Circle: cv::circle(canvas, centre, r, color, cv::FILLED, lineType); break;
    case ShapeKind::Square: {
        // A little inside the box so that a square's area is close to a circle's of the same size.
        const int h = r * 7 / 8;
        cv::rectangle(canvas, cv::Point(centre.x - h, centre.y - h), cv::Point(centre.x + h, centre.y + h),
                      color, cv::FILLED, lineType);
        break;
    }
    case ShapeKind::Triangle: {
        const cv::Point corners[3] = {
            {centre.x, centre.y - r}, {centre.x + r, centre.y + r}, {centre.x - r, centre.y + r}};
        cv::fillConvexPoly(canvas, corners, 3, color, lineType);
        break;
    }
    }
}

void hashBytes(uint64_t& hash, const void* data, size_t size) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < size; ++i) {
        hash ^= bytes[i];
        hash *= 0x100000001b3ULL;
    }
}

void hashInt(uint64_t& hash, int64_t value) { hashBytes(hash, &value, sizeof value); }

}  // namespace

std::string kindName(ShapeKind kind) {
    switch (kind) {
    case ShapeKind::Circle: return "circle";
    case ShapeKind::Square: return "square";
    case ShapeKind::Triangle: return "triangle";
    }
    return "";
}

std::string kindPlural(ShapeKind kind) { return kindName(kind) + "s"; }

std::string colorName(ShapeColor color) {
    switch (color) {
    case ShapeColor::Red: return "red";
    case ShapeColor::Green: return "green";
    case ShapeColor::Blue: return "blue";
    case ShapeColor::Yellow: return "yellow";
    case ShapeColor::Purple: return "purple";
    }
    return "";
}

std::array<uint8_t, 3> colorRgb(ShapeColor color) {
    switch (color) {
    case ShapeColor::Red: return {220, 40, 40};
    case ShapeColor::Green: return {40, 170, 60};
    case ShapeColor::Blue: return {40, 80, 220};
    case ShapeColor::Yellow: return {230, 190, 20};
    case ShapeColor::Purple: return {140, 60, 190};
    }
    return {0, 0, 0};
}

int halfExtent(ShapeSize size) { return size == ShapeSize::Small ? 14 : 24; }

uint64_t mixSeed(uint64_t value) {
    value += 0x9e3779b97f4a7c15ULL;
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
}

Scene sampleScene(uint64_t seed, int maxObjects) {
    if (maxObjects < 1 || maxObjects > kMaxObjects)
        throw InvalidInputError("sampleScene: the object count bound must be in 1.." + std::to_string(kMaxObjects) +
                                " (got " + std::to_string(maxObjects) + ")");
    std::mt19937_64 rng(seed);
    Scene scene;
    scene.seed = seed;
    sampleBackground(rng, scene);
    const int wanted = uniformInt(rng, 1, maxObjects);
    for (int i = 0; i < wanted; ++i) {
        for (int attempt = 0; attempt < kPlacementAttempts; ++attempt) {
            const ShapeObject candidate = randomObject(rng, scene.width, scene.height);
            if (overlapsTooMuch(candidate, scene.objects)) continue;
            scene.objects.push_back(candidate);
            break;
        }
    }
    return scene;
}

RgbImage drawScene(const Scene& scene) {
    cv::Mat canvas(scene.height, scene.width, CV_8UC3);  // channels in RGB order throughout
    fillBackground(scene, canvas);
    for (const ShapeObject& object : scene.objects) {
        const auto rgb = colorRgb(object.color);
        drawObject(object, canvas, cv::Scalar(rgb[0], rgb[1], rgb[2]), cv::LINE_AA);
    }
    RgbImage image;
    image.width = scene.width;
    image.height = scene.height;
    image.pixels.resize(size_t(scene.width) * size_t(scene.height) * 3);
    for (int y = 0; y < scene.height; ++y)
        std::memcpy(image.pixels.data() + size_t(y) * size_t(scene.width) * 3, canvas.ptr<uint8_t>(y),
                    size_t(scene.width) * 3);
    return image;
}

uint64_t sceneFingerprint(const Scene& scene) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    hashInt(hash, scene.width);
    hashInt(hash, scene.height);
    hashBytes(hash, scene.background.data(), scene.background.size());
    hashInt(hash, scene.noiseAmplitude);
    hashInt(hash, int64_t(scene.objects.size()));
    for (const ShapeObject& object : scene.objects) {
        hashInt(hash, int(object.kind));
        hashInt(hash, int(object.color));
        hashInt(hash, int(object.size));
        hashInt(hash, object.centerX);
        hashInt(hash, object.centerY);
    }
    return hash;
}

int gridColumn(const Scene& scene, const ShapeObject& object) {
    return std::clamp(object.centerX * kSceneGridCells / scene.width, 0, kSceneGridCells - 1) + 1;
}

int gridRow(const Scene& scene, const ShapeObject& object) {
    return std::clamp(object.centerY * kSceneGridCells / scene.height, 0, kSceneGridCells - 1) + 1;
}

std::vector<uint8_t> objectCentreCells(const Scene& scene) {
    std::vector<uint8_t> flags(size_t(kSceneGridCells * kSceneGridCells * kShapeClassCount), 0);
    for (const ShapeObject& object : scene.objects) {
        const int cell = (gridRow(scene, object) - 1) * kSceneGridCells + gridColumn(scene, object) - 1;
        flags[size_t(cell * kShapeClassCount + int(object.color) * kShapeKindCount + int(object.kind))] = 1;
    }
    return flags;
}

}  // namespace headscope::shapes
