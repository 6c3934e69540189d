// StreamingDecoder: emits text as soon as it is final. Decoding is byte-level, so a character can be
// spread over several tokens; until its last byte arrives the decoded text ends in U+FFFD and the ids
// behind it are held back.
#include "headscope/tokenizer.h"

#include <algorithm>

namespace headscope {
namespace {

constexpr std::size_t kMaxHeldIds = 8;  // an unfinished UTF-8 character has at most 3 bytes

bool endsWithReplacementCharacter(const std::string& text) {
    return text.size() >= 3 && text.compare(text.size() - 3, 3, "\xEF\xBF\xBD") == 0;
}

}  // namespace

StreamingDecoder::StreamingDecoder(const Tokenizer& tokenizer, bool skipSpecialTokens)
    : tokenizer_(tokenizer), skipSpecial_(skipSpecialTokens) {}

std::string StreamingDecoder::push(int64_t id) {
    pending_.push_back(id);
    std::string text;
    try {
        text = tokenizer_.decode(pending_, skipSpecial_);
    } catch (...) {
        pending_.pop_back();  // a bad id must not poison later calls
        throw;
    }
    if (!endsWithReplacementCharacter(text)) {
        pending_.clear();
        return text;
    }
    // Release the longest head whose text cannot change any more: decoding head and tail separately
    // gives the same text exactly when no character straddles the cut.
    const std::size_t maxKeep = std::min(pending_.size() - 1, kMaxHeldIds);
    for (std::size_t keep = 1; keep <= maxKeep; ++keep) {
        const auto cut = pending_.end() - static_cast<std::ptrdiff_t>(keep);
        const std::vector<int64_t> head(pending_.begin(), cut), tail(cut, pending_.end());
        std::string headText = tokenizer_.decode(head, skipSpecial_);
        if (headText + tokenizer_.decode(tail, skipSpecial_) == text) {
            pending_ = tail;
            return headText;
        }
    }
    return {};
}

std::string StreamingDecoder::flush() {
    std::string text = tokenizer_.decode(pending_, skipSpecial_);
    pending_.clear();
    return text;
}

}  // namespace headscope
