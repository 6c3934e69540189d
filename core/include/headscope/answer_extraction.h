// The final answer of a reasoning model's generation, read the way benchmark graders read it, and whether
// it is right.
//
// Where: the text after the last </think> (the whole text when there is none). In it, the candidate is the
// last \boxed{...}, else the rest of the last "Answer:" / "answer is" line, else the whole region. Then, by
// the question's answer type:
//   choice  an option letter ("B", "(B)", "B.", "option B"), else the one option whose text appears;
//   yes_no  the word yes or no;
//   number  a number (thousands commas, decimals, a fraction, \frac{a}{b}; units and words around it are
//           ignored; number words zero..twenty in an answer line);
//   text    the candidate itself (the last line of the region when there is no answer line).
// In an answer line or a box the first match counts; in the whole region the last one (reasoning ends with
// its conclusion). The rule that fired is kept as "<where>/<how>", e.g. "answer-line/number".
#pragma once
#include <string>

#include "headscope/eval_dataset.h"

namespace headscope {

struct ExtractedAnswer {
    std::string answer;  // in the form of EvalSample::answer; empty when nothing was found
    std::string rule;    // "boxed/letter", "answer-line/number", "text/yes-no", ... or "none"
    bool found() const { return !answer.empty(); }
};

ExtractedAnswer extractAnswer(const std::string& generated, const EvalSample& sample);

// Choice and yes_no: the same letter or word. Number: equal after rounding the prediction to as many
// decimals as the reference shows ("3.5" accepts 3.50 and 3.46, not 3.4); fractions compare exactly (1e-9).
// Text: equal ignoring case, repeated spaces, a final period and a leading article.
bool isCorrectAnswer(const ExtractedAnswer& extracted, const EvalSample& sample);

}  // namespace headscope
