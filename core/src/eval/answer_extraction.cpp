#include "headscope/answer_extraction.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>
#include <optional>
#include <vector>

#include "eval/answer_text.h"

namespace headscope {

namespace {

using eval_text::toLower;
using eval_text::trim;

bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

struct Candidate {
    std::string text;
    std::string where;  // "boxed", "answer-line", "text"
    bool firstMatch = true;  // a box or an answer line: its first match; the whole region: its last
};

std::string regionOf(const std::string& generated) {
    const size_t close = toLower(generated).rfind("</think>");
    return close == std::string::npos ? generated : generated.substr(close + 8);
}

// The content of the last \boxed{...}, braces balanced; nullopt when there is none (or it never closes).
std::optional<std::string> lastBoxed(const std::string& text) {
    const size_t start = text.rfind("\\boxed{");
    if (start == std::string::npos) return std::nullopt;
    int depth = 1;
    for (size_t i = start + 7; i < text.size(); ++i) {
        if (text[i] == '{') ++depth;
        if (text[i] == '}' && --depth == 0) return text.substr(start + 7, i - start - 7);
    }
    return std::nullopt;
}

// The rest of the line after the last "answer:" or "answer is" (case-insensitive).
std::optional<std::string> lastAnswerLine(const std::string& text) {
    const std::string lower = toLower(text);
    size_t best = std::string::npos, bestEnd = 0;
    for (const std::string marker : {"answer:", "answer is", "answer："}) {
        const size_t at = lower.rfind(marker);
        if (at != std::string::npos && (best == std::string::npos || at > best)) {
            best = at;
            bestEnd = at + marker.size();
        }
    }
    if (best == std::string::npos) return std::nullopt;
    const size_t lineEnd = text.find('\n', bestEnd);
    std::string rest = trim(text.substr(bestEnd, lineEnd == std::string::npos ? std::string::npos : lineEnd - bestEnd));
    if (!rest.empty() && rest.front() == ':') rest = trim(rest.substr(1));
    return rest;
}

Candidate candidateOf(const std::string& region) {
    if (auto boxed = lastBoxed(region)) return {*boxed, "boxed", true};
    if (auto line = lastAnswerLine(region); line && !line->empty()) return {*line, "answer-line", true};
    return {region, "text", false};
}

// Words of ASCII letters and digits with their positions.
struct Word {
    std::string text;
    size_t begin = 0, end = 0;
};

std::vector<Word> wordsOf(const std::string& text) {
    std::vector<Word> words;
    for (size_t i = 0; i < text.size();) {
        if (!isWordChar(text[i])) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < text.size() && isWordChar(text[j])) ++j;
        words.push_back({text.substr(i, j - i), i, j});
        i = j;
    }
    return words;
}

// An option letter standing on its own. In a box or an answer line any lone capital letter of the range
// counts; in free text only the unambiguous forms "(B)", "option B" or a line that is just "B" / "B." / "B)",
// since a lone "A" there is usually an article.
std::optional<std::string> optionLetter(const Candidate& c, size_t options) {
    const std::vector<Word> words = wordsOf(c.text);
    std::optional<std::string> found;
    for (size_t w = 0; w < words.size(); ++w) {
        const Word& word = words[w];
        if (word.text.size() != 1 || word.text[0] < 'A' || word.text[0] >= char('A' + options)) {
            if (word.text.size() == 1 && word.text[0] >= 'a' && word.text[0] < char('a' + options) && c.where != "text" &&
                words.size() == 1)
                return eval_text::toUpper(word.text);  // "answer: b"
            continue;
        }
        bool accept = c.where != "text";
        if (!accept) {
            const bool parenthesised = word.begin > 0 && c.text[word.begin - 1] == '(' && word.end < c.text.size() &&
                                       c.text[word.end] == ')';
            const bool afterOption = w > 0 && toLower(words[w - 1].text) == "option";
            const size_t lineStart = c.text.rfind('\n', word.begin) == std::string::npos ? 0 : c.text.rfind('\n', word.begin) + 1;
            const size_t lineEnd = c.text.find('\n', word.end);
            const std::string line = trim(c.text.substr(lineStart, lineEnd == std::string::npos ? std::string::npos : lineEnd - lineStart));
            const bool aloneOnLine = line == word.text || line == word.text + "." || line == word.text + ")" ||
                                     line == "(" + word.text + ")";
            accept = parenthesised || afterOption || aloneOnLine;
        }
        if (!accept) continue;
        if (c.firstMatch) return word.text;
        found = word.text;
    }
    return found;
}

// The one option whose text appears in the candidate (case-insensitive, whole words); nullopt for none or
// several.
std::optional<std::string> optionByText(const std::string& text, const std::vector<std::string>& choices) {
    const std::string lower = toLower(text);
    std::optional<std::string> found;
    for (size_t i = 0; i < choices.size(); ++i) {
        const std::string option = toLower(trim(choices[i]));
        if (option.empty()) continue;
        for (size_t at = lower.find(option); at != std::string::npos; at = lower.find(option, at + 1)) {
            const bool startOk = at == 0 || !isWordChar(lower[at - 1]);
            const bool endOk = at + option.size() >= lower.size() || !isWordChar(lower[at + option.size()]);
            if (!startOk || !endOk) continue;
            if (found && *found != choiceLetter(i)) return std::nullopt;
            found = choiceLetter(i);
            break;
        }
    }
    return found;
}

std::optional<std::string> yesNo(const Candidate& c) {
    std::optional<std::string> found;
    for (const Word& word : wordsOf(c.text)) {
        const std::string lower = toLower(word.text);
        if (lower != "yes" && lower != "no") continue;
        if (c.firstMatch) return lower;
        found = lower;
    }
    return found;
}

// Numbers as written in running text: optional sign, digits with commas, decimals, "a/b"; \frac{a}{b}.
std::vector<std::string> numbersIn(const std::string& raw) {
    std::string text;
    // \frac{a}{b} and \dfrac{a}{b} read as a/b.
    for (size_t i = 0; i < raw.size();) {
        size_t skip = 0;
        if (raw.compare(i, 6, "\\frac{") == 0) skip = 6;
        else if (raw.compare(i, 7, "\\dfrac{") == 0) skip = 7;
        if (skip) {
            const size_t mid = raw.find("}{", i + skip);
            const size_t end = mid == std::string::npos ? std::string::npos : raw.find('}', mid + 2);
            if (end != std::string::npos) {
                text += raw.substr(i + skip, mid - i - skip) + "/" + raw.substr(mid + 2, end - mid - 2);
                i = end + 1;
                continue;
            }
        }
        text += raw[i++];
    }
    std::vector<std::string> numbers;
    for (size_t i = 0; i < text.size();) {
        const bool sign = (text[i] == '-' || text[i] == '+') && i + 1 < text.size() &&
                          (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '.');
        const bool startsNumber = std::isdigit(static_cast<unsigned char>(text[i])) ||
                                  (text[i] == '.' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])));
        if ((!sign && !startsNumber) || (i > 0 && (std::isalpha(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_'))) {
            ++i;
            continue;
        }
        size_t j = i + (sign ? 1 : 0);
        auto digitsAt = [&](size_t k) { return k < text.size() && std::isdigit(static_cast<unsigned char>(text[k])); };
        while (j < text.size()) {
            if (digitsAt(j)) ++j;
            else if (text[j] == ',' && digitsAt(j + 1) && digitsAt(j + 2) && digitsAt(j + 3) && !digitsAt(j + 4)) j += 4;
            else if (text[j] == '.' && digitsAt(j + 1)) ++j;
            else if (text[j] == '/' && digitsAt(j + 1)) ++j;
            else break;
        }
        std::string number = text.substr(i, j - i);
        if (number.front() == '+') number.erase(0, 1);
        if (eval_text::parseNumber(number)) numbers.push_back(number);
        i = j;
    }
    return numbers;
}

std::optional<std::string> numberWord(const std::string& text) {
    static const char* const words[] = {"zero", "one", "two", "three", "four", "five", "six", "seven",
                                        "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen",
                                        "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};
    for (const Word& word : wordsOf(text))
        for (size_t n = 0; n < std::size(words); ++n)
            if (toLower(word.text) == words[n]) return std::to_string(n);
    return std::nullopt;
}

// The text answer: the candidate, or the region's last non-empty line; without decoration.
std::string textAnswer(const Candidate& c) {
    std::string text = c.text;
    if (c.where == "text") {
        std::string last;
        size_t start = 0;
        while (start <= text.size()) {
            const size_t end = text.find('\n', start);
            const std::string line = trim(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
            if (!line.empty()) last = line;
            if (end == std::string::npos) break;
            start = end + 1;
        }
        text = last;
    }
    text = trim(text);
    for (const std::string decoration : {"**", "*", "\"", "'", "`"})
        while (text.size() >= 2 * decoration.size() && text.compare(0, decoration.size(), decoration) == 0 &&
               text.compare(text.size() - decoration.size(), decoration.size(), decoration) == 0)
            text = trim(text.substr(decoration.size(), text.size() - 2 * decoration.size()));
    return text;
}

std::string normalisedText(const std::string& text) {
    std::string out;
    for (char c : toLower(trim(text))) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
    for (const std::string article : {"the ", "an ", "a "})
        if (out.compare(0, article.size(), article) == 0) {
            out.erase(0, article.size());
            break;
        }
    return out;
}

}  // namespace

ExtractedAnswer extractAnswer(const std::string& generated, const EvalSample& sample) {
    const Candidate c = candidateOf(regionOf(generated));
    auto result = [&](const std::optional<std::string>& answer, const std::string& how) -> std::optional<ExtractedAnswer> {
        if (!answer || answer->empty()) return std::nullopt;
        return ExtractedAnswer{*answer, c.where + "/" + how};
    };
    std::optional<ExtractedAnswer> found;
    switch (sample.answerType) {
    case AnswerType::Choice:
        // An answer that is exactly an option's text ("A square") is that option, not the letter A.
        if (c.where != "text")
            for (size_t i = 0; i < sample.choices.size() && !found; ++i)
                if (normalisedText(c.text) == normalisedText(sample.choices[i])) found = result(choiceLetter(i), "option-text");
        if (!found) found = result(optionLetter(c, sample.choices.size()), "letter");
        if (!found) found = result(optionByText(c.text, sample.choices), "option-text");
        break;
    case AnswerType::YesNo: found = result(yesNo(c), "yes-no"); break;
    case AnswerType::Number: {
        const auto numbers = numbersIn(c.text);
        if (!numbers.empty()) found = result(c.firstMatch ? numbers.front() : numbers.back(), "number");
        else if (c.where != "text") found = result(numberWord(c.text), "number-word");
        break;
    }
    case AnswerType::Text: found = result(textAnswer(c), "text"); break;
    }
    return found ? *found : ExtractedAnswer{"", "none"};
}

bool isCorrectAnswer(const ExtractedAnswer& extracted, const EvalSample& sample) {
    if (!extracted.found()) return false;
    switch (sample.answerType) {
    case AnswerType::Choice:
    case AnswerType::YesNo: return extracted.answer == sample.answer;
    case AnswerType::Number: {
        const auto predicted = eval_text::parseNumber(extracted.answer);
        const auto reference = eval_text::parseNumber(sample.answer);
        if (!predicted || !reference) return false;
        const int places = eval_text::decimalPlaces(sample.answer);
        if (places < 0) return std::abs(*predicted - *reference) <= 1e-9 * std::max(1.0, std::abs(*reference));
        const double scale = std::pow(10.0, places);
        return std::round(*predicted * scale) == std::round(*reference * scale);
    }
    case AnswerType::Text: return normalisedText(extracted.answer) == normalisedText(sample.answer);
    }
    return false;
}

}  // namespace headscope
