// Pre-tokenisation: cuts normalised text into the pieces that BPE merges independently. Implements the
// Hugging Face `Split` and `ByteLevel` pre-tokenizers and sequences of them.
#pragma once
#include "tokenizer_regex.h"

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace headscope::tok {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct SplitStep {
    std::shared_ptr<const Regex> pattern;
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false;
};

struct ByteLevelStep {
    bool addPrefixSpace = false;
    bool useRegex = true;  // split with the GPT-2 pattern before mapping bytes
};

// Cuts `text` at the matches of `pattern` and arranges matches and gaps as `behavior` says.
std::vector<std::string> splitText(std::string_view text, const Regex& pattern, SplitBehavior behavior,
                                   bool invert);

class PreTokenizer {
public:
    void addStep(SplitStep step) { steps_.emplace_back(std::move(step)); }
    void addStep(ByteLevelStep step) { steps_.emplace_back(step); }

    // Applies the steps in order, each to every piece the previous one produced; empty pieces vanish.
    std::vector<std::string> run(std::string_view text) const;

private:
    using Step = std::variant<SplitStep, ByteLevelStep>;
    std::vector<Step> steps_;
};

}  // namespace headscope::tok
