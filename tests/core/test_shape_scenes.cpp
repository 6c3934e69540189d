// Synthetic shape scenes: determinism, drawing, every template against an independent oracle and
// hand-written expectations, ambiguity rules, the answer parser and disjoint splits.
#include <QtTest/QtTest>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "expect_error.h"
#include "headscope/shape_scenes.h"

using namespace headscope;
using namespace headscope::shapes;

namespace {

ShapeObject object(ShapeKind kind, ShapeColor color, ShapeSize size, int x, int y) {
    ShapeObject o;
    o.kind = kind;
    o.color = color;
    o.size = size;
    o.centerX = x;
    o.centerY = y;
    return o;
}

Scene handScene(std::vector<ShapeObject> objects) {
    Scene scene;
    scene.objects = std::move(objects);
    return scene;
}

// 2 red circles, 1 red square, 1 blue triangle; the square and triangle share a row.
Scene redBlueScene() {
    return handScene({object(ShapeKind::Circle, ShapeColor::Red, ShapeSize::Small, 40, 40),
                      object(ShapeKind::Circle, ShapeColor::Red, ShapeSize::Small, 180, 40),
                      object(ShapeKind::Square, ShapeColor::Red, ShapeSize::Large, 40, 180),
                      object(ShapeKind::Triangle, ShapeColor::Blue, ShapeSize::Large, 180, 180)});
}

std::vector<Question> byTemplate(const std::vector<Question>& questions, const std::string& id) {
    std::vector<Question> matching;
    for (const Question& q : questions)
        if (q.templateId == id) matching.push_back(q);
    return matching;
}

const Question* findQuestion(const std::vector<Question>& questions, const std::string& text) {
    for (const Question& q : questions)
        if (q.question == text) return &q;
    return nullptr;
}

std::optional<ShapeKind> kindFromPlural(const QString& word) {
    for (ShapeKind k : {ShapeKind::Circle, ShapeKind::Square, ShapeKind::Triangle})
        if (word.toStdString() == kindName(k) || word.toStdString() == kindPlural(k)) return k;
    return std::nullopt;
}

std::optional<ShapeColor> colorFromWord(const QString& word) {
    for (int c = 0; c < kShapeColorCount; ++c)
        if (word.toStdString() == colorName(ShapeColor(c))) return ShapeColor(c);
    return std::nullopt;
}

// Counting written independently of the generator: a plain loop over the object list.
int count(const Scene& scene, std::optional<ShapeColor> color, std::optional<ShapeKind> kind) {
    int n = 0;
    for (const ShapeObject& o : scene.objects)
        n += (!color || o.color == *color) && (!kind || o.kind == *kind);
    return n;
}

const ShapeObject& onlyObject(const Scene& scene, std::optional<ShapeColor> color,
                              std::optional<ShapeKind> kind) {
    const ShapeObject* found = nullptr;
    for (const ShapeObject& o : scene.objects)
        if ((!color || o.color == *color) && (!kind || o.kind == *kind)) {
            if (found) throw std::runtime_error("asked about an object that is not unique");
            found = &o;
        }
    if (!found) throw std::runtime_error("asked about a missing object");
    return *found;
}

std::string yesNo(bool value) { return value ? "yes" : "no"; }

// Reads the question text back and computes the answer from the objects alone.
std::string oracleAnswer(const Scene& scene, const Question& q) {
    const QString text = QString::fromStdString(q.question);
    const auto match = [&](const char* pattern) {
        const QRegularExpressionMatch m = QRegularExpression(QString("^") + pattern + "$").match(text);
        if (!m.hasMatch()) throw std::runtime_error("unexpected wording: " + q.question);
        return m;
    };
    const std::string& id = q.templateId;
    if (id == "count_color") {
        return std::to_string(count(
            scene, colorFromWord(match("How many (\\w+) shapes are there\\?").captured(1)), std::nullopt));
    }
    if (id == "count_shape") {
        return std::to_string(
            count(scene, std::nullopt, kindFromPlural(match("How many (\\w+) are there\\?").captured(1))));
    }
    if (id == "count_color_shape") {
        const auto m = match("How many (\\w+) (\\w+) are there\\?");
        return std::to_string(count(scene, colorFromWord(m.captured(1)), kindFromPlural(m.captured(2))));
    }
    if (id == "color_of_shape") {
        const auto kind = kindFromPlural(match("What color is the (\\w+)\\?").captured(1));
        return colorName(onlyObject(scene, std::nullopt, kind).color);
    }
    if (id == "shape_of_color") {
        const auto color = colorFromWord(match("What shape is the (\\w+) object\\?").captured(1));
        return kindName(onlyObject(scene, color, std::nullopt).kind);
    }
    if (id == "more_color") {
        const auto m = match("Are there more (\\w+) shapes than (\\w+) ones\\?");
        return yesNo(count(scene, colorFromWord(m.captured(1)), std::nullopt) >
                     count(scene, colorFromWord(m.captured(2)), std::nullopt));
    }
    if (id == "more_shape") {
        const auto m = match("Are there more (\\w+) than (\\w+)\\?");
        return yesNo(count(scene, std::nullopt, kindFromPlural(m.captured(1))) >
                     count(scene, std::nullopt, kindFromPlural(m.captured(2))));
    }
    if (id == "sum_shapes") {
        const auto m = match("How many (\\w+) and (\\w+) are there together\\?");
        return std::to_string(count(scene, std::nullopt, kindFromPlural(m.captured(1))) +
                              count(scene, std::nullopt, kindFromPlural(m.captured(2))));
    }
    if (id == "sum_colors") {
        const auto m = match("How many (\\w+) and (\\w+) shapes are there together\\?");
        return std::to_string(count(scene, colorFromWord(m.captured(1)), std::nullopt) +
                              count(scene, colorFromWord(m.captured(2)), std::nullopt));
    }
    if (id == "diff_shapes") {
        const auto m = match("How many more (\\w+) than (\\w+) are there\\?");
        const int difference = count(scene, std::nullopt, kindFromPlural(m.captured(1))) -
                               count(scene, std::nullopt, kindFromPlural(m.captured(2)));
        if (difference <= 0) throw std::runtime_error("difference question without a positive answer");
        return std::to_string(difference);
    }
    if (id == "left_right" || id == "above_below") {
        const auto m = match("Is the (\\w+) (\\w+) (left of|right of|above|below) the (\\w+) (\\w+)\\?");
        const ShapeObject& a = onlyObject(scene, colorFromWord(m.captured(1)), kindFromPlural(m.captured(2)));
        const ShapeObject& b = onlyObject(scene, colorFromWord(m.captured(4)), kindFromPlural(m.captured(5)));
        const QString relation = m.captured(3);
        const bool vertical = relation == "above" || relation == "below";
        const int delta = vertical ? b.centerY - a.centerY : b.centerX - a.centerX;
        if (std::abs(delta) < 16) throw std::runtime_error("spatial question about too close centres");
        const bool aFirst = delta > 0;  // a is left of / above b
        return yesNo((relation == "left of" || relation == "above") == aFirst);
    }
    throw std::runtime_error("unknown template " + id);
}

void checkAgainstOracle(const Scene& scene) {
    for (const Question& q : questionsForScene(scene)) {
        QCOMPARE(q.answer, oracleAnswer(scene, q));
        const ParsedAnswer parsed = parseFinalAnswer(q.target);
        QVERIFY(parsed.found);
        QCOMPARE(parsed.answer, q.answer);
        QVERIFY(q.target.rfind("<think>", 0) == 0);
    }
}

bool sameObjects(const Scene& a, const Scene& b) {
    if (a.objects.size() != b.objects.size()) return false;
    for (size_t i = 0; i < a.objects.size(); ++i) {
        const ShapeObject &x = a.objects[i], &y = b.objects[i];
        if (x.kind != y.kind || x.color != y.color || x.size != y.size || x.centerX != y.centerX ||
            x.centerY != y.centerY)
            return false;
    }
    return true;
}

bool coveredByLater(const Scene& scene, size_t index) {
    const ShapeObject& o = scene.objects[index];
    for (size_t j = index + 1; j < scene.objects.size(); ++j) {
        const ShapeObject& later = scene.objects[j];
        const int r = halfExtent(later.size);
        if (std::abs(o.centerX - later.centerX) <= r && std::abs(o.centerY - later.centerY) <= r) return true;
    }
    return false;
}

}  // namespace

class ShapeScenesTest : public QObject {
    Q_OBJECT

private slots:
    void sameSeedGivesSameSceneImageAndQuestion() {
        const Scene a = sampleScene(42), b = sampleScene(42);
        QVERIFY(sameObjects(a, b));
        QCOMPARE(sceneFingerprint(a), sceneFingerprint(b));
        QCOMPARE(drawScene(a).pixels, drawScene(b).pixels);
        QCOMPARE(sampleQuestion(a, 9).target, sampleQuestion(b, 9).target);
        const auto splitA = makeSplit(Split::Validation, 40, 5), splitB = makeSplit(Split::Validation, 40, 5);
        for (size_t i = 0; i < splitA.size(); ++i) {
            QVERIFY(sameObjects(splitA[i].scene, splitB[i].scene));
            QCOMPARE(splitA[i].question, splitB[i].question);
            QCOMPARE(splitA[i].target, splitB[i].target);
        }
    }

    // Pinned so that a platform or standard library that samples differently is caught.
    void sceneOfSeedOneIsPinned() {
        const Scene scene = sampleScene(1);
        QCOMPARE(sceneFingerprint(scene), uint64_t(4298912377235410747ULL));
    }

    // A bound on the object count changes only the count's range: at the full bound the scene is the default
    // one, below it every scene keeps to it, and out-of-range bounds are refused.
    void objectBoundLimitsTheCountOnly() {
        for (uint64_t seed = 0; seed < 50; ++seed) {
            QVERIFY(sameObjects(sampleScene(seed, kMaxObjects), sampleScene(seed)));
            for (int bound : {1, 3})
                QVERIFY(sampleScene(seed, bound).objects.size() <= size_t(bound));
        }
        std::set<size_t> onesAndTwos;
        for (uint64_t seed = 0; seed < 50; ++seed) onesAndTwos.insert(sampleScene(seed, 2).objects.size());
        QCOMPARE(onesAndTwos, (std::set<size_t>{1, 2}));
        testing::expectInvalid([] { sampleScene(1, 0); }, "object count bound");
        testing::expectInvalid([] { sampleScene(1, kMaxObjects + 1); }, "object count bound");

        // makeSplit applies the bound of each sample's index; without one it is the plain split.
        const auto bounded = makeSplit(Split::Train, 40, 3, [](size_t i) { return i < 20 ? 1 : kMaxObjects; });
        const auto plain = makeSplit(Split::Train, 40, 3);
        size_t large = 0;
        for (size_t i = 0; i < bounded.size(); ++i) {
            if (i < 20) QCOMPARE(bounded[i].scene.objects.size(), size_t(1));
            else large += bounded[i].scene.objects.size() > 1;
            QCOMPARE(sceneSplit(bounded[i].scene), Split::Train);
        }
        QVERIFY(large > 10);
        QVERIFY(sameObjects(makeSplit(Split::Train, 40, 3, {})[7].scene, plain[7].scene));
    }

    void differentSeedsDiffer() {
        std::set<uint64_t> fingerprints;
        for (uint64_t seed = 0; seed < 300; ++seed) fingerprints.insert(sceneFingerprint(sampleScene(seed)));
        QCOMPARE(fingerprints.size(), size_t(300));
        QVERIFY(drawScene(sampleScene(1)).pixels != drawScene(sampleScene(2)).pixels);
    }

    void objectCountsAndPlacementStayInRange() {
        std::set<size_t> counts;
        bool plain = false, textured = false;
        for (uint64_t seed = 0; seed < 500; ++seed) {
            const Scene scene = sampleScene(seed);
            QVERIFY(!scene.objects.empty() && scene.objects.size() <= size_t(kMaxObjects));
            counts.insert(scene.objects.size());
            (scene.noiseAmplitude == 0 ? plain : textured) = true;
            QCOMPARE(scene.width, 224);
            for (const ShapeObject& o : scene.objects) {
                const int r = halfExtent(o.size);
                QVERIFY(o.centerX - r >= 0 && o.centerX + r < scene.width);
                QVERIFY(o.centerY - r >= 0 && o.centerY + r < scene.height);
            }
        }
        QCOMPARE(counts.size(), size_t(kMaxObjects));
        QVERIFY(plain && textured);
    }

    void centrePixelsHaveTheObjectColour() {
        int checked = 0;
        for (uint64_t seed = 100; seed < 160; ++seed) {
            const Scene scene = sampleScene(seed);
            const RgbImage image = drawScene(scene);
            QCOMPARE(image.width, 224);
            QCOMPARE(image.pixels.size(), size_t(224 * 224 * 3));
            for (size_t i = 0; i < scene.objects.size(); ++i) {
                if (coveredByLater(scene, i)) continue;
                const ShapeObject& o = scene.objects[i];
                const size_t at = (size_t(o.centerY) * size_t(image.width) + size_t(o.centerX)) * 3;
                const auto rgb = colorRgb(o.color);
                for (int c = 0; c < 3; ++c) QCOMPARE(image.pixels[at + size_t(c)], rgb[size_t(c)]);
                ++checked;
            }
        }
        QVERIFY(checked > 100);
    }

    // The backdrop's red fades by 30% from the left edge to the right, its blue by 30% from top to bottom;
    // green stays. Hand-computed for a plain backdrop (240, 230, 220): at the right edge red 240 x 0.7 = 168,
    // at column 111 240 x (1 - 0.3 x 111 / 223) = 204.2, at the bottom edge blue 220 x 0.7 = 154.
    void backdropIsLitUnevenly() {
        Scene scene;
        scene.background = {240, 230, 220};
        scene.noiseAmplitude = 0;
        const RgbImage image = drawScene(scene);
        auto pixel = [&](int x, int y) {
            const size_t at = (size_t(y) * size_t(image.width) + size_t(x)) * 3;
            return std::array<int, 3>{image.pixels[at], image.pixels[at + 1], image.pixels[at + 2]};
        };
        QCOMPARE(pixel(0, 0), (std::array<int, 3>{240, 230, 220}));
        QCOMPARE(pixel(223, 0), (std::array<int, 3>{168, 230, 220}));
        QCOMPARE(pixel(111, 0), (std::array<int, 3>{204, 230, 220}));
        QCOMPARE(pixel(0, 223), (std::array<int, 3>{240, 230, 154}));
        QCOMPARE(pixel(223, 223), (std::array<int, 3>{168, 230, 154}));
        for (int x = 1; x < 224; ++x) QVERIFY(pixel(x, 50)[0] <= pixel(x - 1, 50)[0]);
    }

    void handBuiltSceneTargets() {
        const auto questions = questionsForScene(redBlueScene());
        const std::map<std::string, std::string> expected = {
            {"How many red shapes are there?",
             "<think>red circles: 2, red squares: 1. 2 + 1 = 3.</think>\nAnswer: 3"},
            {"How many blue shapes are there?", "<think>blue triangles: 1.</think>\nAnswer: 1"},
            {"How many green shapes are there?", "<think>green shapes: 0.</think>\nAnswer: 0"},
            {"How many circles are there?", "<think>red circles: 2.</think>\nAnswer: 2"},
            {"How many red circles are there?", "<think>red circles: 2.</think>\nAnswer: 2"},
            {"How many blue squares are there?", "<think>blue squares: 0.</think>\nAnswer: 0"},
            {"What color is the square?", "<think>squares: 1. the square is red.</think>\nAnswer: red"},
            {"What color is the triangle?",
             "<think>triangles: 1. the triangle is blue.</think>\nAnswer: blue"},
            {"What shape is the blue object?",
             "<think>blue shapes: 1. the blue shape is a triangle.</think>\nAnswer: triangle"},
            {"Are there more red shapes than blue ones?",
             "<think>red shapes: 3, blue shapes: 1. 3 > 1.</think>\nAnswer: yes"},
            {"Are there more blue shapes than red ones?",
             "<think>blue shapes: 1, red shapes: 3. 1 < 3.</think>\nAnswer: no"},
            {"Are there more squares than triangles?",
             "<think>squares: 1, triangles: 1. 1 = 1.</think>\nAnswer: no"},
            {"How many circles and squares are there together?",
             "<think>circles: 2, squares: 1. 2 + 1 = 3.</think>\nAnswer: 3"},
            {"How many red and blue shapes are there together?",
             "<think>red shapes: 3, blue shapes: 1. 3 + 1 = 4.</think>\nAnswer: 4"},
            {"How many more circles than squares are there?",
             "<think>circles: 2, squares: 1. 2 - 1 = 1.</think>\nAnswer: 1"},
            {"Is the red square left of the blue triangle?",
             "<think>red square: column 2, blue triangle: column 7. 2 < 7, so the red square is left."
             "</think>\nAnswer: yes"},
            {"Is the blue triangle left of the red square?",
             "<think>blue triangle: column 7, red square: column 2. 7 > 2, so the blue triangle is right."
             "</think>\nAnswer: no"},
        };
        for (const auto& [text, target] : expected) {
            const Question* q = findQuestion(questions, text);
            QVERIFY2(q, text.c_str());
            QCOMPARE(q->target, target);
        }
        const std::map<std::string, size_t> perTemplate = {
            {"count_color", 5},    {"count_shape", 3}, {"count_color_shape", 15}, {"color_of_shape", 2},
            {"shape_of_color", 1}, {"more_color", 20}, {"more_shape", 6},         {"sum_shapes", 3},
            {"sum_colors", 10},    {"diff_shapes", 2}, {"left_right", 4},         {"above_below", 0}};
        for (const auto& [id, n] : perTemplate) QCOMPARE(byTemplate(questions, id).size(), n);
    }

    // The training-only description walks the objects in reading order, whatever their drawing order.
    void descriptionListsObjectsInReadingOrder() {
        const char* expected =
            "<think>red circle: row 2, column 2; red circle: row 2, column 7; red square: row 7, column 2; "
            "blue triangle: row 7, column 7. shapes: 4.</think>\nAnswer: 4";
        const Question described = describeScene(redBlueScene());
        QCOMPARE(described.target, std::string(expected));
        QCOMPARE(described.answer, std::string("4"));
        QCOMPARE(described.templateId, std::string(kDescribeTemplateId));
        Scene reversed = redBlueScene();
        std::reverse(reversed.objects.begin(), reversed.objects.end());
        QCOMPARE(describeScene(reversed).target, std::string(expected));
        QCOMPARE(parseFinalAnswer(described.target).answer, std::string("4"));
        // Never one of the evaluated templates.
        for (const Question& q : questionsForScene(redBlueScene())) QVERIFY(q.templateId != kDescribeTemplateId);
    }

    // The training-only inventory counts each colour and kind present, colours then kinds in their enum order
    // (red before blue, circles before squares), whatever the drawing order; absent classes are left out.
    void inventoryCountsEveryClassPresent() {
        const char* expected = "<think>red circles: 2, red squares: 1, blue triangles: 1. shapes: 4.</think>\nAnswer: 4";
        Scene scene = redBlueScene();
        const Question counted = inventoryScene(scene);
        QCOMPARE(counted.target, std::string(expected));
        QCOMPARE(counted.answer, std::string("4"));
        QCOMPARE(counted.templateId, std::string(kInventoryTemplateId));
        std::reverse(scene.objects.begin(), scene.objects.end());
        QCOMPARE(inventoryScene(scene).target, std::string(expected));
        scene.objects.push_back(object(ShapeKind::Square, ShapeColor::Green, ShapeSize::Small, 110, 110));
        QCOMPARE(inventoryScene(scene).target,
                 std::string("<think>red circles: 2, red squares: 1, green squares: 1, blue triangles: 1. "
                             "shapes: 5.</think>\nAnswer: 5"));
        QCOMPARE(parseFinalAnswer(counted.target).answer, std::string("4"));
        for (const Question& q : questionsForScene(redBlueScene())) QVERIFY(q.templateId != kInventoryTemplateId);
    }

    // Centres (40, 40), (180, 40), (40, 180), (180, 180) lie in cells (row 1, column 1), (1, 6), (6, 1) and
    // (6, 6), counting from 0 in 28-px cells: the cells gridRow / gridColumn name, less one.
    void objectCentreCellsByHand() {
        auto flagged = [](const std::vector<uint8_t>& flags) {
            std::set<std::pair<int, int>> cellAndClass;
            for (size_t i = 0; i < flags.size(); ++i)
                if (flags[i]) cellAndClass.insert({int(i) / kShapeClassCount, int(i) % kShapeClassCount});
            return cellAndClass;
        };
        const int redCircle = int(ShapeColor::Red) * kShapeKindCount + int(ShapeKind::Circle);
        const int redSquare = int(ShapeColor::Red) * kShapeKindCount + int(ShapeKind::Square);
        const int blueTriangle = int(ShapeColor::Blue) * kShapeKindCount + int(ShapeKind::Triangle);
        const auto flags = objectCentreCells(redBlueScene());
        QCOMPARE(flags.size(), size_t(64 * kShapeClassCount));
        QCOMPARE(flagged(flags), (std::set<std::pair<int, int>>{
                                     {1 * 8 + 1, redCircle}, {1 * 8 + 6, redCircle}, {6 * 8 + 1, redSquare},
                                     {6 * 8 + 6, blueTriangle}}));
        // Two red circles centred in one cell (x and y 30 and 50 both fall in 28..55) share one flag.
        const auto pair = objectCentreCells(handScene({object(ShapeKind::Circle, ShapeColor::Red, ShapeSize::Small, 30, 30),
                                                       object(ShapeKind::Circle, ShapeColor::Red, ShapeSize::Small, 50, 50)}));
        QCOMPARE(flagged(pair), (std::set<std::pair<int, int>>{{1 * 8 + 1, redCircle}}));
    }

    void ambiguousSubjectsAreNotAsked() {
        const auto questions = questionsForScene(redBlueScene());
        QVERIFY(!findQuestion(questions, "What color is the circle?"));      // two circles
        QVERIFY(!findQuestion(questions, "What shape is the red object?"));  // three red shapes
        QVERIFY(!findQuestion(questions, "How many more squares than triangles are there?"));  // equal
        for (const Question& q : byTemplate(questions, "left_right"))
            QVERIFY(q.question.find("circle") == std::string::npos);  // red circles are not unique

        // Centres 8 px apart horizontally but in different rows: only the vertical relation is asked.
        const Scene close =
            handScene({object(ShapeKind::Circle, ShapeColor::Red, ShapeSize::Small, 100, 120),
                       object(ShapeKind::Square, ShapeColor::Blue, ShapeSize::Small, 108, 60)});
        const auto closeQuestions = questionsForScene(close);
        QCOMPARE(byTemplate(closeQuestions, "left_right").size(), size_t(0));
        QCOMPARE(byTemplate(closeQuestions, "above_below").size(), size_t(4));
        const Question* above = findQuestion(closeQuestions, "Is the blue square above the red circle?");
        QVERIFY(above);
        QCOMPARE(above->target,
                 std::string("<think>blue square: row 3, red circle: row 5. 3 < 5, so the blue "
                             "square is above.</think>\nAnswer: yes"));

        // Different pixels but the same grid column: not asked either.
        const Scene sameColumn =
            handScene({object(ShapeKind::Circle, ShapeColor::Red, ShapeSize::Small, 30, 40),
                       object(ShapeKind::Square, ShapeColor::Blue, ShapeSize::Small, 50, 190)});
        QCOMPARE(byTemplate(questionsForScene(sameColumn), "left_right").size(), size_t(0));
    }

    void everyTemplateMatchesTheOracle() {
        checkAgainstOracle(redBlueScene());
        checkAgainstOracle(
            handScene({object(ShapeKind::Triangle, ShapeColor::Yellow, ShapeSize::Large, 60, 60),
                       object(ShapeKind::Triangle, ShapeColor::Purple, ShapeSize::Small, 150, 70),
                       object(ShapeKind::Square, ShapeColor::Green, ShapeSize::Small, 110, 170),
                       object(ShapeKind::Circle, ShapeColor::Green, ShapeSize::Large, 40, 170)}));
        checkAgainstOracle(
            handScene({object(ShapeKind::Circle, ShapeColor::Blue, ShapeSize::Small, 112, 112)}));
        for (uint64_t seed = 0; seed < 200; ++seed) checkAgainstOracle(sampleScene(seed));
    }

    void parserReadsTheFinalAnswer() {
        const auto parsed = [](const std::string& text) { return parseFinalAnswer(text); };
        QCOMPARE(parsed("<think>red circles: 2, red squares: 1. 2 + 1 = 3.</think>\nAnswer: 3").answer,
                 std::string("3"));
        QCOMPARE(parsed("Answer: 3.").answer, std::string("3"));
        QCOMPARE(parsed("  answer:   Yes  ").answer, std::string("yes"));
        QCOMPARE(parsed("<think>x</think>\n\n  Answer:  Red. \n").answer, std::string("red"));
        QCOMPARE(parsed("<think>Answer: 2</think>\nAnswer: 3").answer, std::string("3"));
        QCOMPARE(parsed("Answer: three").answer, std::string("3"));
        QCOMPARE(parsed("Answer: a circle").answer, std::string("circle"));
        QCOMPARE(parsed("<THINK>x</THINK>ANSWER: NO").answer, std::string("no"));
        QVERIFY(parsed("<think>x</think>\nAnswer: 4").found);
        QVERIFY(!parsed("<think>counting: Answer: 4").found);  // thought never closed
        QVERIFY(!parsed("<think>Answer: 2</think>\nthe answer is 3").found);
        QVERIFY(!parsed("<think>x</think>\nAnswer:   \n").found);
        QVERIFY(!parsed("").found);
    }

    // Perception when what the thought reads off the image differs, reasoning when only the conclusion does.
    void errorsAreClassedByTheirReadings() {
        const Question sum{"sum_shapes", "How many circles and triangles are there together?", "5",
                           "<think>circles: 2, triangles: 3. 2 + 3 = 5.</think>\nAnswer: 5"};
        QCOMPARE(classifyAnswer("<think>circles: 2, triangles: 3. 2 + 3 = 5.</think>\nAnswer: 5", sum), ErrorKind::None);
        QCOMPARE(classifyAnswer("<think>circles: 2, triangles: 2. 2 + 2 = 4.</think>\nAnswer: 4", sum),
                 ErrorKind::Perception);
        QCOMPARE(classifyAnswer("<think>circles: 2, triangles: 3. 2 + 3 = 6.</think>\nAnswer: 6", sum),
                 ErrorKind::Reasoning);
        QCOMPARE(classifyAnswer("<think>circles: 2, triangles: 3. 2 + 3 = 5.</think>\nAnswer: 6", sum),
                 ErrorKind::Reasoning);
        QCOMPARE(classifyAnswer("<think>circles: 2, triangles: 3. 2 + 3 = 5.", sum), ErrorKind::Unparsed);
        QCOMPARE(classifyAnswer("Answer: 4", sum), ErrorKind::Perception);
        // A unique object's colour is read off the image in the thought's second sentence too.
        const Question colour{"color_of_shape", "What color is the circle?", "yellow",
                              "<think>circles: 1. the circle is yellow.</think>\nAnswer: yellow"};
        QCOMPARE(classifyAnswer("<think>circles: 1. the circle is blue.</think>\nAnswer: blue", colour),
                 ErrorKind::Perception);
        QCOMPARE(classifyAnswer("<think>circles: 1. the circle is yellow.</think>\nAnswer: blue", colour),
                 ErrorKind::Reasoning);
        // Single-sentence thoughts: the reading is the answer.
        const Question none{"count_color", "How many green shapes are there?", "0",
                            "<think>green shapes: 0.</think>\nAnswer: 0"};
        QCOMPARE(classifyAnswer("<think>green shapes: 1.</think>\nAnswer: 1", none), ErrorKind::Perception);
        QCOMPARE(errorKindName(ErrorKind::Reasoning), std::string("reasoning"));
    }

    void answersMatchAfterNormalising() {
        QVERIFY(answersMatch("Yes.", "yes"));
        QVERIFY(answersMatch(" 03 ", "3"));
        QVERIFY(answersMatch("two", "2"));
        QVERIFY(answersMatch("The Triangle", "triangle"));
        QVERIFY(!answersMatch("3", "4"));
        QVERIFY(!answersMatch("no", "yes"));
        QVERIFY(!answersMatch("", ""));
        QCOMPARE(normalizeAnswer(" Purple. "), std::string("purple"));
        QCOMPARE(normalizeAnswer("0"), std::string("0"));
    }

    void splitsShareNoSceneAndCoverEveryTemplate() {
        const auto train = makeSplit(Split::Train, 3000, 11);
        const auto validation = makeSplit(Split::Validation, 1000, 11);
        const auto test = makeSplit(Split::Test, 1000, 11);
        std::map<uint64_t, Split> owner;
        std::map<std::string, int> templates;
        const auto collect = [&](const std::vector<Sample>& samples, Split split, size_t expected) {
            QCOMPARE(samples.size(), expected);
            for (const Sample& s : samples) {
                QCOMPARE(sceneSplit(s.scene), split);
                QVERIFY2(owner.emplace(sceneFingerprint(s.scene), split).second, "scene repeated");
                QCOMPARE(parseFinalAnswer(s.target).answer, s.answer);
                ++templates[s.templateId];
            }
        };
        collect(train, Split::Train, 3000);
        collect(validation, Split::Validation, 1000);
        collect(test, Split::Test, 1000);
        for (const std::string& id : templateIds()) QVERIFY2(templates[id] >= 50, id.c_str());
        QCOMPARE(templates.size(), templateIds().size());
        // Another seed gives other test scenes.
        QVERIFY(!sameObjects(makeSplit(Split::Test, 1, 12)[0].scene, test[0].scene));
    }
};

QTEST_APPLESS_MAIN(ShapeScenesTest)
#include "test_shape_scenes.moc"
