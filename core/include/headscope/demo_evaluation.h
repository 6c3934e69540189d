// Measures the demo model on the held-out shape questions: final-answer accuracy overall and per template,
// the teacher-forced readings of the expected thoughts, the visual share S_v per layer, and accuracy under
// Functional Attention Control with a profile calibrated on the validation split; writes the hallucination
// gallery and the model card.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "headscope/head_classes.h"
#include "headscope/head_control.h"
#include "headscope/session.h"
#include "headscope/shape_scenes.h"

namespace headscope {

// The seed of the held-out questions the model card and the tests report on.
constexpr uint64_t kDemoEvaluationSeed = 1;

struct DemoCase {
    shapes::Sample sample;
    std::string generated;  // the model's text, special tokens dropped
    std::string predicted;  // the parsed final answer (normalised); empty when none was found
    bool parsed = false;
    bool correct = false;
    shapes::ErrorKind error = shapes::ErrorKind::None;  // where a wrong answer went wrong
    int64_t tokens = 0;
};

struct TemplateScore {
    std::string templateId;
    int64_t total = 0;
    int64_t correct = 0;
    int64_t unparsed = 0;
};

struct DemoScore {
    std::vector<DemoCase> cases;
    std::vector<TemplateScore> perTemplate;  // in shapes::templateIds() order, templates with no case left out
    int64_t total = 0;
    int64_t correct = 0;
    int64_t unparsed = 0;
    int64_t perceptionErrors = 0;  // wrong answers whose thought misread the image
    int64_t reasoningErrors = 0;   // wrong answers from right readings
    FloatArray visualShare;  // [layers, heads]: S_v at the last prompt token, mean over the cases
    double accuracy() const { return total ? double(correct) / double(total) : 0.0; }
};

using EvaluationProgress = std::function<void(int64_t done, int64_t total)>;

// Greedy answers to `samples` with `control` applied (identity: the plain model). A set `cancel` stops
// early; the score then covers the cases done.
DemoScore scoreDemoSamples(const Session& session, const std::vector<shapes::Sample>& samples,
                           const HeadControl& control = {}, const EvaluationProgress& progress = {},
                           const std::atomic<bool>* cancel = nullptr);

// Mean S_v over the heads of each layer: [layers].
std::vector<double> visualShareByLayer(const FloatArray& visualShare);

// What a target character reads off the image or states. In the thought: colour and kind words, the grid row
// and column after "row " / "column ", other numbers of the first sentence (the counts read), later numbers
// (the arithmetic); after </think>: the final answer's value; everything else is format.
enum class ReadingKind { Colour, Kind, Row, Column, Count, Arithmetic, Answer, Format };
constexpr int kReadingKindCount = 8;
std::string readingKindName(ReadingKind kind);  // "colour", "kind", "row", "column", "count", "arithmetic", ...
std::vector<ReadingKind> classifyTargetCharacters(const std::string& target);

struct ReadingScore {
    ReadingKind kind = ReadingKind::Format;
    int64_t tokens = 0;   // target tokens of this kind (a token takes the kind of its first non-space character)
    int64_t correct = 0;  // tokens the model ranks first given the right text before them
    double lossSum = 0;   // summed cross-entropy, nats
};

// Teacher-forced readings: each sample's expected target after its prompt and image in one pass, every
// target token scored by kind. Shows what the model reads wrongly (columns, kinds, counts) apart from what
// it concludes. One score per kind, in ReadingKind order.
std::vector<ReadingScore> scoreDemoReadings(const Session& session, const std::vector<shapes::Sample>& samples,
                                            const EvaluationProgress& progress = {});

struct FacSetting {
    FacRule rule;
    HeadClassification classification;
    DemoScore score;
};

// One Functional Attention Control run per rule: heads classified from `calibration` S_v (mean over a
// calibration set), the class gains applied to every sample.
std::vector<FacSetting> scoreFacGrid(const Session& session, const std::vector<shapes::Sample>& samples,
                                     const FloatArray& calibration, const std::vector<FacRule>& rules,
                                     const EvaluationProgress& progress = {});

// The cases answered wrongly (or unparsed): gallery.md with each image (written as PNG beside it), question,
// thought and answer, and gallery.jsonl with the same fields. At most `limit` cases.
void writeHallucinationGallery(const std::string& folder, const DemoScore& score, size_t limit);

// Writes the first `count` held-out test questions of `seed` (those eval-demo reports on, by default) as an
// evaluation dataset in the native JSONL format: FOLDER/questions.jsonl and one PNG per scene in
// FOLDER/images/. Counts are "number" questions, yes/no ones "yes_no", colours and kinds "text"; each is
// tagged with its template. The folder is written beside and renamed into place; an existing one is refused.
void writeDemoEvalDataset(const std::string& folder, size_t count, uint64_t seed = kDemoEvaluationSeed);

}  // namespace headscope
