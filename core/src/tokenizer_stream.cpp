// StreamingDecoder: emits text as soon as it is final. Decoding is byte-level, so a character can be
// spread over several tokens; until its last byte arrives the decoded text ends in U+FFFD and the ids
// behind it are held back.
#include "headscope/tokenizer.h"


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
    std::vector<int64_t> all = context_;
    all.insert(all.end(), pending_.begin(), pending_.end());
    std::string text, prefix;
    try {
        text = tokenizer_.decode(all, skipSpecial_);
        prefix = tokenizer_.decode(context_, skipSpecial_);
    } catch (...) {
        pending_.pop_back();  // a bad id must not poison later calls
        throw;
    }
    // An unfinished character decodes to U+FFFD: hold the ids back until it completes (or clearly never will).
    if (endsWithReplacementCharacter(text) && pending_.size() <= kMaxHeldIds) return {};
    // The new text is what the pending ids add after the context. Decoding them with the context matters for
    // SentencePiece, where a word's leading space is dropped at the start of a decode.
    std::string fresh = text.compare(0, prefix.size(), prefix) == 0 ? text.substr(prefix.size()) : text;
    context_.assign(1, pending_.back());
    pending_.clear();
    return fresh;
}

std::string StreamingDecoder::flush() {
    if (pending_.empty()) return {};
    std::vector<int64_t> all = context_;
    all.insert(all.end(), pending_.begin(), pending_.end());
    const std::string text = tokenizer_.decode(all, skipSpecial_);
    const std::string prefix = tokenizer_.decode(context_, skipSpecial_);
    pending_.clear();
    return text.compare(0, prefix.size(), prefix) == 0 ? text.substr(prefix.size()) : text;
}

}  // namespace headscope
