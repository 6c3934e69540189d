// A compiled PCRE2 pattern (UTF + Unicode properties, JIT when available) that lists its matches.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace headscope::tok {

struct MatchSpan {
    std::size_t begin;
    std::size_t end;
};

class Regex {
public:
    // Throws FormatError "<context>: ..." when the pattern does not compile. A literal pattern matches
    // its text verbatim.
    Regex(const std::string& pattern, bool literal, const std::string& context);
    ~Regex();
    Regex(Regex&&) noexcept;
    Regex& operator=(Regex&&) noexcept;

    // All non-overlapping, non-empty matches from left to right. `subject` must be valid UTF-8.
    // Safe to call from several threads at once.
    std::vector<MatchSpan> findAll(std::string_view subject) const;

private:
    struct Compiled;
    std::unique_ptr<Compiled> compiled_;
};

}  // namespace headscope::tok
