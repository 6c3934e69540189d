// Final-answer extraction and comparison for generations on the shape scenes.
#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>

#include "eval/answer_text.h"
#include "headscope/shape_scenes.h"

namespace headscope::shapes {

namespace {

using eval_text::toLower;
using eval_text::trim;

bool startsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

bool allDigits(const std::string& text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string numberWordAsDigits(const std::string& word) {
    static const char* const words[] = {"zero",  "one",   "two",  "three", "four",   "five",  "six",
                                        "seven", "eight", "nine", "ten",   "eleven", "twelve"};
    for (size_t i = 0; i < std::size(words); ++i)
        if (word == words[i]) return std::to_string(i);
    return word;
}

// Text the answer line is searched in: after the thought, or nothing when the thought never ends.
std::optional<std::string> textAfterThought(const std::string& generated) {
    const std::string lower = toLower(generated);
    const size_t close = lower.rfind("</think>");
    if (close != std::string::npos) return generated.substr(close + 8);
    if (lower.find("<think>") != std::string::npos) return std::nullopt;
    return generated;
}

// The text between <think> and </think>, or nothing when either is missing.
std::optional<std::string> thought(const std::string& text) {
    const size_t open = text.find("<think>");
    const size_t close = text.find("</think>");
    if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
    return text.substr(open + 7, close - open - 7);
}

// The part of a thought read off the image (see classifyAnswer).
std::string readings(const std::string& thoughtText, const std::string& templateId) {
    if (templateId == "color_of_shape" || templateId == "shape_of_color") return trim(thoughtText);
    const size_t end = thoughtText.find(". ");
    return trim(end == std::string::npos ? thoughtText : thoughtText.substr(0, end));
}

}  // namespace

std::string errorKindName(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::None: return "none";
    case ErrorKind::Perception: return "perception";
    case ErrorKind::Reasoning: return "reasoning";
    case ErrorKind::Unparsed: return "unparsed";
    }
    return "";
}

ErrorKind classifyAnswer(const std::string& generated, const Question& expected) {
    const ParsedAnswer parsed = parseFinalAnswer(generated);
    if (!parsed.found) return ErrorKind::Unparsed;
    if (answersMatch(parsed.answer, expected.answer)) return ErrorKind::None;
    const auto got = thought(generated), wanted = thought(expected.target);
    if (!got || !wanted) return ErrorKind::Perception;  // no thought to compare: the answer is a bare reading
    return readings(*got, expected.templateId) == readings(*wanted, expected.templateId) ? ErrorKind::Reasoning
                                                                                        : ErrorKind::Perception;
}

std::string normalizeAnswer(const std::string& text) {
    std::string answer = trim(toLower(text));
    while (!answer.empty() && (answer.back() == '.' || answer.back() == '!'))
        answer = trim(answer.substr(0, answer.size() - 1));
    for (const char* article : {"a ", "an ", "the "})
        if (startsWith(answer, article)) answer = trim(answer.substr(std::string(article).size()));
    if (allDigits(answer)) {
        const size_t firstNonZero = answer.find_first_not_of('0');
        return firstNonZero == std::string::npos ? "0" : answer.substr(firstNonZero);
    }
    return numberWordAsDigits(answer);
}

ParsedAnswer parseFinalAnswer(const std::string& generated) {
    const std::optional<std::string> tail = textAfterThought(generated);
    if (!tail) return {};
    const std::string lower = toLower(*tail);
    const size_t marker = lower.rfind("answer:");
    if (marker == std::string::npos) return {};
    const size_t start = marker + 7;
    const size_t lineEnd = tail->find('\n', start);
    const std::string answer = normalizeAnswer(
        tail->substr(start, lineEnd == std::string::npos ? std::string::npos : lineEnd - start));
    if (answer.empty()) return {};
    return {answer, true};
}

bool answersMatch(const std::string& predicted, const std::string& truth) {
    const std::string normalisedTruth = normalizeAnswer(truth);
    return !normalisedTruth.empty() && normalizeAnswer(predicted) == normalisedTruth;
}

}  // namespace headscope::shapes
