#include "tokenizer_regex.h"

#include "headscope/error.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace headscope::tok {
namespace {

std::string pcre2Message(int errorCode) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(errorCode, buffer, sizeof buffer);
    return reinterpret_cast<const char*>(buffer);
}

struct MatchDataDeleter {
    void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
using MatchData = std::unique_ptr<pcre2_match_data, MatchDataDeleter>;

}  // namespace

struct Regex::Compiled {
    pcre2_code* code = nullptr;
    ~Compiled() { pcre2_code_free(code); }

    // One match attempt; falls back to the interpreter when the JIT runs out of its small default stack
    // (possible on very long runs of one character class).
    int match(std::string_view subject, std::size_t offset, uint32_t options, pcre2_match_data* data) const {
        const auto* text = reinterpret_cast<PCRE2_SPTR>(subject.data());
        int rc = pcre2_match(code, text, subject.size(), offset, options | PCRE2_NO_UTF_CHECK, data, nullptr);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
            rc = pcre2_match(code, text, subject.size(), offset, options | PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT,
                             data, nullptr);
        return rc;
    }
};

Regex::Regex(const std::string& pattern, bool literal, const std::string& context)
    : compiled_(std::make_unique<Compiled>()) {
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    // PCRE2 refuses UCP together with LITERAL; a literal pattern has no character classes anyway.
    const uint32_t options = PCRE2_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP);
    compiled_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options,
                                    &errorCode, &errorOffset, nullptr);
    if (!compiled_->code)
        throw FormatError(context + ": the pattern does not compile at offset " +
                          std::to_string(errorOffset) + ": " + pcre2Message(errorCode));
    pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE);  // without JIT support matching just runs slower
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

std::vector<MatchSpan> Regex::findAll(std::string_view subject) const {
    std::vector<MatchSpan> spans;
    MatchData data(pcre2_match_data_create_from_pattern(compiled_->code, nullptr));
    if (!data) throw Error("out of memory while matching a tokenizer pattern");
    std::size_t offset = 0;
    uint32_t options = 0;
    while (offset <= subject.size()) {
        const int rc = compiled_->match(subject, offset, options, data.get());
        if (rc == PCRE2_ERROR_NOMATCH) {
            if (options == 0) break;
            // No non-empty match here after an empty one: step over one character and search on.
            options = 0;
            do {
                ++offset;
            } while (offset < subject.size() && (static_cast<uint8_t>(subject[offset]) & 0xC0) == 0x80);
            continue;
        }
        if (rc < 0) throw Error("tokenizer pattern matching failed: " + pcre2Message(rc));
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
        const MatchSpan span{ovector[0], ovector[1]};
        if (span.end > span.begin) spans.push_back(span);
        offset = span.end;
        // After an empty match, look for a non-empty one at the same place before moving on.
        options = span.end == span.begin ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
    }
    return spans;
}

}  // namespace headscope::tok
