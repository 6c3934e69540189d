#include "tokenizer_pretokenize.h"

#include "tokenizer_unicode.h"

namespace headscope::tok {
namespace {

// The pattern of GPT-2, used by ByteLevel when use_regex is true.
const Regex& gpt2Pattern() {
    static const Regex pattern(
        R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)", false,
        "built-in GPT-2 pre-tokenizer pattern");
    return pattern;
}

struct Segment {
    std::size_t begin;
    std::size_t end;
    bool isMatch;
};

// Matches and the gaps between them, covering the whole text.
std::vector<Segment> segmentText(std::string_view text, const Regex& pattern, bool invert) {
    std::vector<Segment> segments;
    std::size_t previousEnd = 0;
    for (const MatchSpan& match : pattern.findAll(text)) {
        if (match.begin > previousEnd) segments.push_back({previousEnd, match.begin, invert});
        segments.push_back({match.begin, match.end, !invert});
        previousEnd = match.end;
    }
    if (previousEnd < text.size()) segments.push_back({previousEnd, text.size(), invert});
    return segments;
}

// Joins each match to the segment before it (MergedWithPrevious) or, with the segments reversed, to the
// one after it (MergedWithNext), exactly as `tokenizers` folds them.
template <typename Iterator>
std::vector<Segment> mergeMatchesIntoNeighbour(Iterator first, Iterator last, bool forward) {
    std::vector<Segment> merged;
    bool previousMatch = false;
    for (; first != last; ++first) {
        if (first->isMatch && !previousMatch && !merged.empty()) {
            if (forward)
                merged.back().end = first->end;
            else
                merged.back().begin = first->begin;
        } else {
            merged.push_back({first->begin, first->end, false});
        }
        previousMatch = first->isMatch;
    }
    return merged;
}

std::vector<Segment> joinContiguousMatches(const std::vector<Segment>& segments) {
    std::vector<Segment> joined;
    bool previousMatch = false;
    for (const Segment& segment : segments) {
        if (segment.isMatch == previousMatch && !joined.empty())
            joined.back().end = segment.end;
        else
            joined.push_back({segment.begin, segment.end, false});
        previousMatch = segment.isMatch;
    }
    return joined;
}

std::vector<Segment> arrange(std::vector<Segment> segments, SplitBehavior behavior) {
    switch (behavior) {
    case SplitBehavior::Isolated:
        return segments;
    case SplitBehavior::Removed: {
        std::vector<Segment> kept;
        for (const Segment& segment : segments)
            if (!segment.isMatch) kept.push_back(segment);
        return kept;
    }
    case SplitBehavior::MergedWithPrevious:
        return mergeMatchesIntoNeighbour(segments.begin(), segments.end(), true);
    case SplitBehavior::MergedWithNext: {
        auto merged = mergeMatchesIntoNeighbour(segments.rbegin(), segments.rend(), false);
        return {merged.rbegin(), merged.rend()};
    }
    case SplitBehavior::Contiguous:
        return joinContiguousMatches(segments);
    }
    return segments;
}

void applyByteLevel(const ByteLevelStep& step, std::string_view piece, std::vector<std::string>& out) {
    std::string text(piece);
    if (step.addPrefixSpace && text.front() != ' ') text.insert(text.begin(), ' ');
    const auto& alphabet = ByteLevelAlphabet::instance();
    if (!step.useRegex) {
        out.push_back(alphabet.encode(text));
        return;
    }
    for (const std::string& part : splitText(text, gpt2Pattern(), SplitBehavior::Isolated, false))
        out.push_back(alphabet.encode(part));
}

std::string replaceAll(std::string_view text, std::string_view from, std::string_view to) {
    std::string out;
    for (std::size_t pos = 0;;) {
        const std::size_t found = text.find(from, pos);
        out.append(text.substr(pos, found - pos));
        if (found == std::string_view::npos) return out;
        out.append(to);
        pos = found + from.size();
    }
}

// As `tokenizers`' Metaspace: First prepends only to a piece that starts at offset 0 of the input.
void applyMetaspace(const MetaspaceStep& step, std::string_view piece, bool atTextStart,
                    std::vector<std::string>& out) {
    std::string text = replaceAll(piece, " ", step.replacement);
    const bool prepend = step.prependScheme == PrependScheme::Always ||
                         (step.prependScheme == PrependScheme::First && atTextStart);
    if (prepend && text.compare(0, step.replacement.size(), step.replacement) != 0)
        text.insert(0, step.replacement);
    if (!step.split) {
        out.push_back(std::move(text));
        return;
    }
    // Split with MergedWithNext: every piece but the first begins with a replacement character.
    std::size_t begin = 0;
    for (std::size_t found = text.find(step.replacement, 1); found != std::string::npos;
         found = text.find(step.replacement, found + step.replacement.size())) {
        if (found > begin) out.push_back(text.substr(begin, found - begin));
        begin = found;
    }
    if (begin < text.size()) out.push_back(text.substr(begin));
}

}  // namespace

std::vector<std::string> splitText(std::string_view text, const Regex& pattern, SplitBehavior behavior,
                                   bool invert) {
    std::vector<std::string> pieces;
    for (const Segment& segment : arrange(segmentText(text, pattern, invert), behavior))
        if (segment.end > segment.begin)
            pieces.emplace_back(text.substr(segment.begin, segment.end - segment.begin));
    return pieces;
}

std::vector<std::string> PreTokenizer::run(std::string_view text, bool atTextStart) const {
    std::vector<std::string> pieces;
    if (text.empty()) return pieces;
    pieces.emplace_back(text);
    for (const Step& step : steps_) {
        std::vector<std::string> next;
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            const std::string& piece = pieces[i];
            if (const auto* split = std::get_if<SplitStep>(&step)) {
                for (std::string& part : splitText(piece, *split->pattern, split->behavior, split->invert))
                    next.push_back(std::move(part));
            } else if (const auto* metaspace = std::get_if<MetaspaceStep>(&step)) {
                applyMetaspace(*metaspace, piece, atTextStart && i == 0, next);
            } else {
                applyByteLevel(std::get<ByteLevelStep>(step), piece, next);
            }
        }
        pieces = std::move(next);
    }
    return pieces;
}

}  // namespace headscope::tok
