// Teacher-forced readings of the demo model: the expected target scored token by token, by what each token
// reads off the image (colour, kind, cell, count) or states (arithmetic, answer, format).
#include <algorithm>
#include <cctype>

#include "headscope/demo_evaluation.h"
#include "headscope/error.h"
#include "sampler.h"

namespace headscope {

namespace {

// Marks every occurrence of `word` inside [begin, end) of `text` as `kind`.
void markWord(const std::string& text, const std::string& word, size_t begin, size_t end, ReadingKind kind,
              std::vector<ReadingKind>& kinds) {
    for (size_t at = text.find(word, begin); at != std::string::npos && at + word.size() <= end;
         at = text.find(word, at + 1))
        for (size_t i = at; i < at + word.size(); ++i) kinds[i] = kind;
}

bool precededBy(const std::string& text, size_t at, const std::string& word) {
    return at >= word.size() && text.compare(at - word.size(), word.size(), word) == 0;
}

}  // namespace

std::string readingKindName(ReadingKind kind) {
    switch (kind) {
    case ReadingKind::Colour: return "colour";
    case ReadingKind::Kind: return "kind";
    case ReadingKind::Row: return "row";
    case ReadingKind::Column: return "column";
    case ReadingKind::Count: return "count";
    case ReadingKind::Arithmetic: return "arithmetic";
    case ReadingKind::Answer: return "answer";
    case ReadingKind::Format: return "format";
    }
    return "format";
}

std::vector<ReadingKind> classifyTargetCharacters(const std::string& target) {
    std::vector<ReadingKind> kinds(target.size(), ReadingKind::Format);
    const std::string open = "<think>", close = "</think>", answerLabel = "Answer: ";
    const size_t thoughtBegin = target.rfind(open, 0) == 0 ? open.size() : 0;
    const size_t thoughtEnd = std::min(target.find(close), target.size());
    for (int c = 0; c < shapes::kShapeColorCount; ++c)
        markWord(target, shapes::colorName(shapes::ShapeColor(c)), thoughtBegin, thoughtEnd, ReadingKind::Colour, kinds);
    for (int k = 0; k < shapes::kShapeKindCount; ++k)
        markWord(target, shapes::kindName(shapes::ShapeKind(k)), thoughtBegin, thoughtEnd, ReadingKind::Kind, kinds);
    const size_t firstSentenceEnd = std::min(target.find(". ", thoughtBegin), thoughtEnd);
    for (size_t i = thoughtBegin; i < thoughtEnd; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(target[i]))) continue;
        size_t start = i;  // the number's first digit decides for all of it
        while (start > thoughtBegin && std::isdigit(static_cast<unsigned char>(target[start - 1]))) --start;
        if (precededBy(target, start, "row ")) kinds[i] = ReadingKind::Row;
        else if (precededBy(target, start, "column ")) kinds[i] = ReadingKind::Column;
        else kinds[i] = start < firstSentenceEnd ? ReadingKind::Count : ReadingKind::Arithmetic;
    }
    const size_t label = target.find(answerLabel, thoughtEnd);
    if (thoughtEnd < target.size() && label != std::string::npos)
        for (size_t i = label + answerLabel.size(); i < target.size() && target[i] != '\n'; ++i)
            kinds[i] = ReadingKind::Answer;
    return kinds;
}

std::vector<ReadingScore> scoreDemoReadings(const Session& session, const std::vector<shapes::Sample>& samples,
                                            const EvaluationProgress& progress) {
    std::vector<ReadingScore> scores(kReadingKindCount);
    for (int k = 0; k < kReadingKindCount; ++k) scores[size_t(k)].kind = ReadingKind(k);
    const Tokenizer& tokenizer = session.tokenizer();
    const auto endOfTurn = tokenizer.tokenToId("<|im_end|>");
    if (!endOfTurn) throw InvalidInputError("demo readings: the tokenizer has no <|im_end|> token");
    const int64_t vocab = session.config().text.vocabSize;
    for (size_t s = 0; s < samples.size(); ++s) {
        const shapes::Sample& sample = samples[s];
        const RgbImage image = shapes::drawScene(sample.scene);
        ChatPrompt prompt;
        prompt.userText = sample.question;
        PreparedInput input = session.prepare(prompt, &image);
        const int64_t promptLength = static_cast<int64_t>(input.inputIds.size());
        std::vector<int64_t> target = tokenizer.encode(sample.target);
        target.push_back(*endOfTurn);
        const int64_t total = promptLength + static_cast<int64_t>(target.size());
        // Text after the prompt continues the positions on every axis (token i sits at i + ropeDelta).
        Int64Array positions({3, total});
        for (int64_t axis = 0; axis < 3; ++axis)
            for (int64_t i = 0; i < total; ++i)
                positions.data[size_t(axis * total + i)] =
                    i < promptLength ? input.positionIds.data[size_t(axis * promptLength + i)] : i + input.ropeDelta;
        input.positionIds = std::move(positions);
        input.inputIds.insert(input.inputIds.end(), target.begin(), target.end());
        const PrefillOutput out = session.prefill(input, vocab);

        const std::vector<ReadingKind> characters = classifyTargetCharacters(sample.target);
        size_t at = 0;  // characters of the target consumed by the tokens before
        for (size_t j = 0; j < target.size(); ++j) {
            ReadingKind kind = ReadingKind::Format;
            if (j + 1 < target.size()) {  // the last one is <|im_end|>
                const std::string piece = tokenizer.decode({target[j]});
                for (size_t c = 0; c < piece.size() && at + c < characters.size(); ++c)
                    if (piece[c] != ' ') {
                        kind = characters[at + c];
                        break;
                    }
                at += piece.size();
            }
            // The logits that predict target token j: greedy decoding's first maximum, and its log-probability.
            const auto row = out.leadingLogits.data.begin() + (promptLength + int64_t(j) - 1) * vocab;
            const std::vector<float> logits(row, row + vocab);
            const auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
            ReadingScore& score = scores[size_t(kind)];
            score.tokens += 1;
            score.correct += best == target[j];
            score.lossSum -= double(detail::logProbability(logits, target[j]));
        }
        if (progress) progress(int64_t(s) + 1, int64_t(samples.size()));
    }
    return scores;
}

}  // namespace headscope
