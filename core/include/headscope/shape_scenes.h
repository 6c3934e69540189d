// Synthetic shape scenes for the demo model: seeded scenes of coloured circles, squares and triangles, drawn
// with OpenCV, template questions whose answers are computed from the scene's object list, reasoning-style
// targets ("<think>...</think>\nAnswer: ..."), the final-answer parser, and disjoint train/validation/test
// splits. Everything is deterministic from a seed on every platform (no std distributions).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "headscope/image.h"

namespace headscope::shapes {

enum class ShapeKind { Circle, Square, Triangle };
enum class ShapeColor { Red, Green, Blue, Yellow, Purple };
enum class ShapeSize { Small, Large };

constexpr int kShapeKindCount = 3;
constexpr int kShapeColorCount = 5;
// 224 px = 16 patches of 14 px = 8 x 8 merged tokens (merge 2): 64 image tokens per scene.
constexpr int kSceneSize = 224;
constexpr int kSceneGridCells = 8;  // columns / rows named in spatial thoughts, one per merged token
constexpr int kMaxObjects = 8;

std::string kindName(ShapeKind kind);          // "circle"
std::string kindPlural(ShapeKind kind);        // "circles"
std::string colorName(ShapeColor color);       // "red"
std::array<uint8_t, 3> colorRgb(ShapeColor color);
int halfExtent(ShapeSize size);                // half the side of the object's bounding box, in px

struct ShapeObject {
    ShapeKind kind = ShapeKind::Circle;
    ShapeColor color = ShapeColor::Red;
    ShapeSize size = ShapeSize::Small;
    int centerX = 0;
    int centerY = 0;
};

struct Scene {
    int width = kSceneSize;
    int height = kSceneSize;
    std::vector<ShapeObject> objects;  // in drawing order: later objects are drawn on top
    uint64_t seed = 0;                 // also seeds the background texture
    std::array<uint8_t, 3> background = {235, 235, 235};  // at the top left: red fades rightwards, blue downwards
    int noiseAmplitude = 0;            // 0: plain background; else grey noise in [-a, a] per pixel
};

// 1..maxObjects (at most kMaxObjects) objects whose bounding boxes overlap by at most a small fraction of the
// smaller box, so every object's centre stays visible. A smaller maxObjects changes only the object count's range.
Scene sampleScene(uint64_t seed, int maxObjects = kMaxObjects);
RgbImage drawScene(const Scene& scene);

// Where the objects are, as the merged image tokens see them: for the kSceneGridCells x kSceneGridCells
// cells in row-major order (the order of the merged image tokens), one flag per (colour, kind) class,
// index color * kShapeKindCount + kind, set when the centre of such an object lies in the cell (the cell
// gridRow / gridColumn name). [cells * cells * classes].
constexpr int kShapeClassCount = kShapeColorCount * kShapeKindCount;
std::vector<uint8_t> objectCentreCells(const Scene& scene);

// Hash of the scene's content (size, background, objects; not the seed), equal for equal layouts.
uint64_t sceneFingerprint(const Scene& scene);
// splitmix64: the seed mixer behind every derived stream.
uint64_t mixSeed(uint64_t value);

// Grid cell of a coordinate, 1-based, as the spatial thoughts name it.
int gridColumn(const Scene& scene, const ShapeObject& object);
int gridRow(const Scene& scene, const ShapeObject& object);

struct Question {
    std::string templateId;
    std::string question;
    std::string answer;  // final answer, normalised ("3", "yes", "red", "circle")
    std::string target;  // "<think>thought</think>\nAnswer: answer"
};

// Template ids, in a fixed order.
const std::vector<std::string>& templateIds();
// Every question the templates can ask about the scene; templates whose subject is ambiguous there
// (no unique object, centres too close for a spatial relation) contribute nothing.
std::vector<Question> questionsForScene(const Scene& scene);
// One question: a template chosen uniformly among those applicable, then one of its instances.
Question sampleQuestion(const Scene& scene, uint64_t seed);

// A training task beside the templates: "List the shapes in the picture." The thought names every object
// with its grid cell in reading order (row, then column) and the answer is their number. It gives the
// vision tower dense supervision (every object of the scene, not one or two counts); the evaluation
// splits never ask it.
Question describeScene(const Scene& scene);
constexpr const char* kDescribeTemplateId = "describe";

// A second training task: "Count the shapes of each color and kind." The thought gives the count of every
// (colour, kind) class present, colours then kinds in their enum order, and the answer is the number of
// objects: `red circles: 2, blue triangles: 1. shapes: 3.` It trains directly the per-class counts the
// templates' thoughts read, without the grid cells the description also asks for.
Question inventoryScene(const Scene& scene);
constexpr const char* kInventoryTemplateId = "inventory";

struct Sample {
    Scene scene;
    std::string question;
    std::string answer;
    std::string target;
    std::string templateId;
};

enum class Split { Train, Validation, Test };
std::string splitName(Split split);
// The split a scene belongs to, from its fingerprint (80 / 10 / 10): equal scenes always land in the same
// split, so splits cannot share a scene even when seed streams happen to produce the same layout.
Split sceneSplit(const Scene& scene);
// `count` samples, one per distinct scene, from the split's own seed stream. `maxObjects`, when given, bounds
// the object count of the i-th sample (a training curriculum); the evaluation splits use the full range.
std::vector<Sample> makeSplit(Split split, size_t count, uint64_t seed,
                              const std::function<int(size_t index)>& maxObjects = {});

struct ParsedAnswer {
    std::string answer;  // normalised
    bool found = false;
};

// Lower case, trimmed, trailing period and a leading article dropped, number words as digits.
std::string normalizeAnswer(const std::string& text);
// The "Answer:" line after </think> (or anywhere when there is no <think>); not found when the thought is
// unterminated or the line is missing or empty.
ParsedAnswer parseFinalAnswer(const std::string& generated);
bool answersMatch(const std::string& predicted, const std::string& truth);

// Where a generation went wrong, judged against the question's expected target. The readings are what the
// thought reads off the image: its first sentence (the counts, or the grid cells), or the whole thought for
// the colour or kind of a unique object. Perception: the readings differ from the expected ones. Reasoning:
// the readings are right and the final answer is not. Unparsed: no final answer was found.
enum class ErrorKind { None, Perception, Reasoning, Unparsed };
std::string errorKindName(ErrorKind kind);  // "none", "perception", "reasoning", "unparsed"
ErrorKind classifyAnswer(const std::string& generated, const Question& expected);

}  // namespace headscope::shapes
