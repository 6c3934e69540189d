// Question templates over shape scenes: each thought first states what is read off the image (counts,
// attributes, grid cells) and then the reasoning step, so perception and reasoning errors can be told apart.
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <unordered_set>

#include "headscope/shape_scenes.h"

namespace headscope::shapes {

namespace {

// Centres closer than this (in px) along the asked axis make a spatial relation ambiguous.
constexpr int kSpatialMargin = 16;

const ShapeKind kKinds[] = {ShapeKind::Circle, ShapeKind::Square, ShapeKind::Triangle};
const ShapeColor kColors[] = {ShapeColor::Red, ShapeColor::Green, ShapeColor::Blue, ShapeColor::Yellow,
                              ShapeColor::Purple};

int countObjects(const Scene& scene, std::optional<ShapeColor> color, std::optional<ShapeKind> kind) {
    int count = 0;
    for (const ShapeObject& object : scene.objects)
        if ((!color || object.color == *color) && (!kind || object.kind == *kind)) ++count;
    return count;
}

std::string countLabel(std::optional<ShapeColor> color, std::optional<ShapeKind> kind) {
    const std::string noun = kind ? kindPlural(*kind) : "shapes";
    return color ? colorName(*color) + " " + noun : noun;
}

std::string fact(const std::string& label, int count) { return label + ": " + std::to_string(count); }

Question makeQuestion(const std::string& id, const std::string& question, const std::string& thought,
                      const std::string& answer) {
    return {id, question, answer, "<think>" + thought + "</think>\nAnswer: " + answer};
}

std::string yesNo(bool value) { return value ? "yes" : "no"; }

// "red circles: 2, red squares: 1. 2 + 1 = 3." over the non-empty parts; "red shapes: 0." when none.
std::string sumThought(const std::vector<std::pair<std::string, int>>& parts, const std::string& emptyLabel) {
    std::string listed, sum;
    int total = 0, nonEmpty = 0;
    for (const auto& [label, count] : parts) {
        if (count == 0) continue;
        listed += (nonEmpty ? ", " : "") + fact(label, count);
        sum += (nonEmpty ? " + " : "") + std::to_string(count);
        total += count;
        ++nonEmpty;
    }
    if (nonEmpty == 0) return fact(emptyLabel, 0) + ".";
    if (nonEmpty == 1) return listed + ".";
    return listed + ". " + sum + " = " + std::to_string(total) + ".";
}

void addCountByColor(const Scene& scene, std::vector<Question>& out) {
    for (ShapeColor color : kColors) {
        std::vector<std::pair<std::string, int>> parts;
        for (ShapeKind kind : kKinds)
            parts.emplace_back(countLabel(color, kind), countObjects(scene, color, kind));
        out.push_back(makeQuestion("count_color", "How many " + colorName(color) + " shapes are there?",
                                   sumThought(parts, countLabel(color, std::nullopt)),
                                   std::to_string(countObjects(scene, color, std::nullopt))));
    }
}

void addCountByShape(const Scene& scene, std::vector<Question>& out) {
    for (ShapeKind kind : kKinds) {
        std::vector<std::pair<std::string, int>> parts;
        for (ShapeColor color : kColors)
            parts.emplace_back(countLabel(color, kind), countObjects(scene, color, kind));
        out.push_back(makeQuestion("count_shape", "How many " + kindPlural(kind) + " are there?",
                                   sumThought(parts, countLabel(std::nullopt, kind)),
                                   std::to_string(countObjects(scene, std::nullopt, kind))));
    }
}

void addCountByColorAndShape(const Scene& scene, std::vector<Question>& out) {
    for (ShapeColor color : kColors)
        for (ShapeKind kind : kKinds) {
            const int count = countObjects(scene, color, kind);
            out.push_back(makeQuestion("count_color_shape",
                                       "How many " + countLabel(color, kind) + " are there?",
                                       fact(countLabel(color, kind), count) + ".", std::to_string(count)));
        }
}

const ShapeObject* uniqueObject(const Scene& scene, std::optional<ShapeColor> color,
                                std::optional<ShapeKind> kind) {
    const ShapeObject* found = nullptr;
    for (const ShapeObject& object : scene.objects) {
        if ((color && object.color != *color) || (kind && object.kind != *kind)) continue;
        if (found) return nullptr;
        found = &object;
    }
    return found;
}

void addColorOfUniqueShape(const Scene& scene, std::vector<Question>& out) {
    for (ShapeKind kind : kKinds) {
        const ShapeObject* object = uniqueObject(scene, std::nullopt, kind);
        if (!object) continue;
        const std::string answer = colorName(object->color);
        out.push_back(makeQuestion(
            "color_of_shape", "What color is the " + kindName(kind) + "?",
            fact(kindPlural(kind), 1) + ". the " + kindName(kind) + " is " + answer + ".", answer));
    }
}

void addShapeOfUniqueColor(const Scene& scene, std::vector<Question>& out) {
    for (ShapeColor color : kColors) {
        const ShapeObject* object = uniqueObject(scene, color, std::nullopt);
        if (!object) continue;
        const std::string answer = kindName(object->kind);
        out.push_back(makeQuestion("shape_of_color", "What shape is the " + colorName(color) + " object?",
                                   fact(countLabel(color, std::nullopt), 1) + ". the " + colorName(color) +
                                       " shape is a " + answer + ".",
                                   answer));
    }
}

// "red shapes: 2, blue shapes: 1. 2 > 1."
std::string comparisonThought(const std::string& labelA, int a, const std::string& labelB, int b) {
    const char* relation = a > b ? " > " : (a < b ? " < " : " = ");
    return fact(labelA, a) + ", " + fact(labelB, b) + ". " + std::to_string(a) + relation +
           std::to_string(b) + ".";
}

void addMoreColor(const Scene& scene, std::vector<Question>& out) {
    for (ShapeColor a : kColors)
        for (ShapeColor b : kColors) {
            if (a == b) continue;
            const int countA = countObjects(scene, a, std::nullopt),
                      countB = countObjects(scene, b, std::nullopt);
            out.push_back(makeQuestion(
                "more_color", "Are there more " + colorName(a) + " shapes than " + colorName(b) + " ones?",
                comparisonThought(countLabel(a, std::nullopt), countA, countLabel(b, std::nullopt), countB),
                yesNo(countA > countB)));
        }
}

void addMoreShape(const Scene& scene, std::vector<Question>& out) {
    for (ShapeKind a : kKinds)
        for (ShapeKind b : kKinds) {
            if (a == b) continue;
            const int countA = countObjects(scene, std::nullopt, a),
                      countB = countObjects(scene, std::nullopt, b);
            out.push_back(makeQuestion(
                "more_shape", "Are there more " + kindPlural(a) + " than " + kindPlural(b) + "?",
                comparisonThought(kindPlural(a), countA, kindPlural(b), countB), yesNo(countA > countB)));
        }
}

// "circles: 2, squares: 1. 2 + 1 = 3." with both terms always shown, zeros included.
std::string additionThought(const std::string& labelA, int a, const std::string& labelB, int b) {
    return fact(labelA, a) + ", " + fact(labelB, b) + ". " + std::to_string(a) + " + " + std::to_string(b) +
           " = " + std::to_string(a + b) + ".";
}

void addSumShapes(const Scene& scene, std::vector<Question>& out) {
    for (int i = 0; i < kShapeKindCount; ++i)
        for (int j = i + 1; j < kShapeKindCount; ++j) {
            const ShapeKind a = kKinds[i], b = kKinds[j];
            const int countA = countObjects(scene, std::nullopt, a),
                      countB = countObjects(scene, std::nullopt, b);
            out.push_back(makeQuestion(
                "sum_shapes", "How many " + kindPlural(a) + " and " + kindPlural(b) + " are there together?",
                additionThought(kindPlural(a), countA, kindPlural(b), countB),
                std::to_string(countA + countB)));
        }
}

void addSumColors(const Scene& scene, std::vector<Question>& out) {
    for (int i = 0; i < kShapeColorCount; ++i)
        for (int j = i + 1; j < kShapeColorCount; ++j) {
            const ShapeColor a = kColors[i], b = kColors[j];
            const int countA = countObjects(scene, a, std::nullopt),
                      countB = countObjects(scene, b, std::nullopt);
            out.push_back(makeQuestion(
                "sum_colors",
                "How many " + colorName(a) + " and " + colorName(b) + " shapes are there together?",
                additionThought(countLabel(a, std::nullopt), countA, countLabel(b, std::nullopt), countB),
                std::to_string(countA + countB)));
        }
}

// Asked only when the first count is larger, so the answer is a positive difference.
void addDifferenceShapes(const Scene& scene, std::vector<Question>& out) {
    for (ShapeKind a : kKinds)
        for (ShapeKind b : kKinds) {
            const int countA = countObjects(scene, std::nullopt, a),
                      countB = countObjects(scene, std::nullopt, b);
            if (a == b || countA <= countB) continue;
            const std::string thought = fact(kindPlural(a), countA) + ", " + fact(kindPlural(b), countB) +
                                        ". " + std::to_string(countA) + " - " + std::to_string(countB) +
                                        " = " + std::to_string(countA - countB) + ".";
            out.push_back(makeQuestion(
                "diff_shapes", "How many more " + kindPlural(a) + " than " + kindPlural(b) + " are there?",
                thought, std::to_string(countA - countB)));
        }
}

std::string objectName(const ShapeObject& object) {
    return colorName(object.color) + " " + kindName(object.kind);
}

// Objects that a colour + shape phrase names unambiguously.
std::vector<const ShapeObject*> uniquelyNamedObjects(const Scene& scene) {
    std::vector<const ShapeObject*> named;
    for (const ShapeObject& object : scene.objects)
        if (uniqueObject(scene, object.color, object.kind) == &object) named.push_back(&object);
    return named;
}

struct Axis {
    const char* id;
    const char* cellWord;     // "column"
    const char* lowRelation;  // relation of the object with the smaller cell: "left of"
    const char* highRelation;
    const char* lowWord;  // "left": the conclusion in the thought
    const char* highWord;
    bool vertical;
};

const Axis kAxes[] = {{"left_right", "column", "left of", "right of", "left", "right", false},
                      {"above_below", "row", "above", "below", "above", "below", true}};

void addSpatial(const Scene& scene, const Axis& axis, std::vector<Question>& out) {
    const auto named = uniquelyNamedObjects(scene);
    for (const ShapeObject* a : named)
        for (const ShapeObject* b : named) {
            if (a == b) continue;
            const int posA = axis.vertical ? a->centerY : a->centerX,
                      posB = axis.vertical ? b->centerY : b->centerX;
            const int cellA = axis.vertical ? gridRow(scene, *a) : gridColumn(scene, *a);
            const int cellB = axis.vertical ? gridRow(scene, *b) : gridColumn(scene, *b);
            if (cellA == cellB || std::abs(posA - posB) < kSpatialMargin) continue;
            const bool aLow = cellA < cellB;
            const std::string thought = objectName(*a) + ": " + axis.cellWord + " " + std::to_string(cellA) +
                                        ", " + objectName(*b) + ": " + axis.cellWord + " " +
                                        std::to_string(cellB) + ". " + std::to_string(cellA) +
                                        (aLow ? " < " : " > ") + std::to_string(cellB) + ", so the " +
                                        objectName(*a) + " is " + (aLow ? axis.lowWord : axis.highWord) + ".";
            for (bool askLow : {true, false}) {
                const std::string relation = askLow ? axis.lowRelation : axis.highRelation;
                out.push_back(makeQuestion(
                    axis.id, "Is the " + objectName(*a) + " " + relation + " the " + objectName(*b) + "?",
                    thought, yesNo(askLow == aLow)));
            }
        }
}

}  // namespace

const std::vector<std::string>& templateIds() {
    static const std::vector<std::string> ids = {
        "count_color", "count_shape", "count_color_shape", "color_of_shape", "shape_of_color", "more_color",
        "more_shape",  "sum_shapes",  "sum_colors",        "diff_shapes",    "left_right",     "above_below"};
    return ids;
}

std::vector<Question> questionsForScene(const Scene& scene) {
    std::vector<Question> questions;
    addCountByColor(scene, questions);
    addCountByShape(scene, questions);
    addCountByColorAndShape(scene, questions);
    addColorOfUniqueShape(scene, questions);
    addShapeOfUniqueColor(scene, questions);
    addMoreColor(scene, questions);
    addMoreShape(scene, questions);
    addSumShapes(scene, questions);
    addSumColors(scene, questions);
    addDifferenceShapes(scene, questions);
    for (const Axis& axis : kAxes) addSpatial(scene, axis, questions);
    return questions;
}

Question describeScene(const Scene& scene) {
    std::vector<const ShapeObject*> order;
    for (const ShapeObject& object : scene.objects) order.push_back(&object);
    std::stable_sort(order.begin(), order.end(), [&](const ShapeObject* a, const ShapeObject* b) {
        return std::pair(gridRow(scene, *a), gridColumn(scene, *a)) < std::pair(gridRow(scene, *b), gridColumn(scene, *b));
    });
    std::string thought;
    for (const ShapeObject* object : order)
        thought += (thought.empty() ? "" : "; ") + objectName(*object) + ": row " +
                   std::to_string(gridRow(scene, *object)) + ", column " + std::to_string(gridColumn(scene, *object));
    const std::string count = std::to_string(scene.objects.size());
    return makeQuestion(kDescribeTemplateId, "List the shapes in the picture.", thought + ". shapes: " + count + ".",
                        count);
}

Question inventoryScene(const Scene& scene) {
    std::string thought;
    for (ShapeColor color : kColors)
        for (ShapeKind kind : kKinds) {
            const int count = countObjects(scene, color, kind);
            if (count > 0) thought += (thought.empty() ? "" : ", ") + fact(countLabel(color, kind), count);
        }
    const std::string count = std::to_string(scene.objects.size());
    return makeQuestion(kInventoryTemplateId, "Count the shapes of each color and kind.", thought + ". shapes: " + count + ".",
                        count);
}

Question sampleQuestion(const Scene& scene, uint64_t seed) {
    const std::vector<Question> all = questionsForScene(scene);
    std::vector<std::string> applicable;
    for (const std::string& id : templateIds())
        for (const Question& q : all)
            if (q.templateId == id) {
                applicable.push_back(id);
                break;
            }
    const uint64_t templateDraw = mixSeed(seed);
    const std::string& chosen = applicable[templateDraw % applicable.size()];
    std::vector<const Question*> instances;
    for (const Question& q : all)
        if (q.templateId == chosen) instances.push_back(&q);
    return *instances[mixSeed(templateDraw) % instances.size()];
}

std::string splitName(Split split) {
    switch (split) {
    case Split::Train: return "train";
    case Split::Validation: return "validation";
    case Split::Test: return "test";
    }
    return "";
}

Split sceneSplit(const Scene& scene) {
    const uint64_t bucket = mixSeed(sceneFingerprint(scene)) % 10;
    if (bucket == 0) return Split::Test;
    if (bucket == 1) return Split::Validation;
    return Split::Train;
}

std::vector<Sample> makeSplit(Split split, size_t count, uint64_t seed, const std::function<int(size_t)>& maxObjects) {
    // Separate seed domains per split; membership by fingerprint keeps equal layouts out of the other splits.
    const uint64_t domain = mixSeed(seed ^ (0x5350'4c49'5400'0000ULL + uint64_t(split)));
    std::vector<Sample> samples;
    samples.reserve(count);
    std::unordered_set<uint64_t> seen;
    for (uint64_t index = 0; samples.size() < count; ++index) {
        const uint64_t sceneSeed = mixSeed(domain + index);
        Scene scene = sampleScene(sceneSeed, maxObjects ? maxObjects(samples.size()) : kMaxObjects);
        if (sceneSplit(scene) != split || !seen.insert(sceneFingerprint(scene)).second) continue;
        Question q = sampleQuestion(scene, sceneSeed ^ 0x7175657374696f6eULL);
        samples.push_back({std::move(scene), std::move(q.question), std::move(q.answer), std::move(q.target),
                           std::move(q.templateId)});
    }
    return samples;
}

}  // namespace headscope::shapes
