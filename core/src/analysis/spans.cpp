#include <algorithm>

#include "headscope/analysis.h"
#include "headscope/error.h"

namespace headscope {

namespace {

int64_t requireToken(const Tokenizer& tokenizer, const char* token) {
    const auto id = tokenizer.tokenToId(token);
    if (!id) throw InvalidInputError(std::string("the tokenizer has no ") + token + " token");
    return *id;
}

// Every position of `id` in `ids`, ascending.
std::vector<int64_t> positionsOf(const std::vector<int64_t>& ids, int64_t id) {
    std::vector<int64_t> out;
    for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i] == id) out.push_back(static_cast<int64_t>(i));
    return out;
}

}  // namespace

// "USER: <image>\n" + text + " ASSISTANT:": the image run, then the user's text up to the closing role.
std::vector<KeySpan> llavaPromptSpans(const Session& session, const PreparedInput& input) {
    const std::vector<int64_t>& ids = input.inputIds;
    const auto n = static_cast<int64_t>(ids.size());
    const int64_t closing = static_cast<int64_t>(session.tokenizer().encode("ASSISTANT:").size());
    std::vector<KeySpan> spans;
    const auto image = std::find(ids.begin(), ids.end(), session.config().imageTokenId);
    int64_t textBegin = static_cast<int64_t>(session.tokenizer().encode("USER:").size()) + 1;  // after BOS
    if (image != ids.end()) {
        const int64_t begin = image - ids.begin();
        int64_t end = begin;
        while (end < n && ids[static_cast<size_t>(end)] == session.config().imageTokenId) ++end;
        spans.push_back({"image", begin, end});
        textBegin = end + 1;  // past the newline after the image
    }
    spans.push_back({"prompt", textBegin, n - closing});
    spans.erase(std::remove_if(spans.begin(), spans.end(), [](const KeySpan& s) { return s.end <= s.begin; }),
                spans.end());
    return spans;
}

std::vector<KeySpan> promptSpans(const Session& session, const PreparedInput& input) {
    if (session.config().family == ModelFamily::Llava) return llavaPromptSpans(session, input);
    const Tokenizer& tokenizer = session.tokenizer();
    const std::vector<int64_t>& ids = input.inputIds;
    const std::vector<int64_t> starts = positionsOf(ids, requireToken(tokenizer, "<|im_start|>"));
    const std::vector<int64_t> ends = positionsOf(ids, requireToken(tokenizer, "<|im_end|>"));
    // Role names and their newline are their own pre-tokens, so their length can be counted apart.
    const auto roleLength = [&](const char* role) { return static_cast<int64_t>(tokenizer.encode(role).size()); };
    auto endAfter = [&](int64_t position) {
        const auto it = std::upper_bound(ends.begin(), ends.end(), position);
        return it == ends.end() ? static_cast<int64_t>(ids.size()) : *it;
    };

    std::vector<KeySpan> spans;
    if (starts.size() >= 2) {  // system turn, then user turn
        const int64_t systemBegin = starts[0] + 1 + roleLength("system\n");
        spans.push_back({"system", systemBegin, endAfter(starts[0])});
        int64_t userBegin = starts[1] + 1 + roleLength("user\n");
        const int64_t userEnd = endAfter(starts[1]);
        const auto image = std::find(ids.begin() + userBegin, ids.begin() + userEnd, session.config().imageTokenId);
        if (image != ids.begin() + userEnd) {
            const int64_t imageBegin = image - ids.begin();
            int64_t imageEnd = imageBegin;
            while (imageEnd < userEnd && ids[static_cast<size_t>(imageEnd)] == session.config().imageTokenId) ++imageEnd;
            spans.push_back({"image", imageBegin, imageEnd});
            userBegin = imageEnd + 1;  // past <|vision_end|>
        }
        spans.push_back({"prompt", userBegin, userEnd});
    }
    spans.erase(std::remove_if(spans.begin(), spans.end(), [](const KeySpan& s) { return s.end <= s.begin; }),
                spans.end());
    return spans;
}

std::vector<KeySpan> reasoningSpans(const Tokenizer& tokenizer, int64_t promptLength,
                                    const std::vector<int64_t>& generatedIds) {
    std::vector<KeySpan> spans;
    int64_t begin = promptLength;
    auto close = [&](int64_t end) {
        if (end > begin) spans.push_back({"reasoning " + std::to_string(spans.size() + 1), begin, end});
        begin = end;
    };
    for (size_t i = 0; i < generatedIds.size(); ++i) {
        const int64_t position = promptLength + static_cast<int64_t>(i);
        if (tokenizer.isSpecial(generatedIds[i])) {  // an end-of-turn token belongs to no sentence
            close(position);
            begin = position + 1;
            continue;
        }
        if (!tokenizer.idToToken(generatedIds[i])) continue;  // an id without text (padded vocabulary)
        const std::string piece = tokenizer.decode({generatedIds[i]});
        if (piece.find_first_of(".!?\n") != std::string::npos) close(position + 1);
    }
    close(promptLength + static_cast<int64_t>(generatedIds.size()));
    return spans;
}

}  // namespace headscope
