// Pre-tokenisation: cuts normalised text into the pieces that BPE merges independently. Implements the
// Hugging Face `Split`, `ByteLevel` and `Metaspace` pre-tokenizers and sequences of them.
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

enum class PrependScheme { First, Always, Never };

// Spaces become `replacement` ("▁"), which is also put in front of the piece as `prependScheme` says
// (First: only at the very start of the text); `split` cuts before every replacement character.
struct MetaspaceStep {
    std::string replacement;
    PrependScheme prependScheme = PrependScheme::Always;
    bool split = true;
};

// Cuts `text` at the matches of `pattern` and arranges matches and gaps as `behavior` says.
std::vector<std::string> splitText(std::string_view text, const Regex& pattern, SplitBehavior behavior,
                                   bool invert);

class PreTokenizer {
public:
    void addStep(SplitStep step) { steps_.emplace_back(std::move(step)); }
    void addStep(ByteLevelStep step) { steps_.emplace_back(step); }
    void addStep(MetaspaceStep step) { steps_.emplace_back(std::move(step)); }

    // Applies the steps in order, each to every piece the previous one produced; empty pieces vanish.
    // `atTextStart` says whether `text` begins the whole input (added tokens cut it into several texts).
    std::vector<std::string> run(std::string_view text, bool atTextStart = true) const;

private:
    using Step = std::variant<SplitStep, ByteLevelStep, MetaspaceStep>;
    std::vector<Step> steps_;
};

}  // namespace headscope::tok
