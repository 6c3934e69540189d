// The llava-hf LLaVA-1.5 chat template, specialised to an optional system message and one user turn
// (optional image, then text) with add_generation_prompt=True.
#include "headscope/error.h"
#include "headscope/tokenizer.h"

namespace headscope {
namespace {

constexpr const char* kImageToken = "<image>";
constexpr int64_t kMaxImageTokens = int64_t{1} << 22;  // far above any real image; guards against garbage

void requireKnownId(const Tokenizer& tokenizer, int64_t bosTokenId) {
    if (!tokenizer.idToToken(bosTokenId))
        throw InvalidInputError("the BOS token id " + std::to_string(bosTokenId) +
                                " is not in the tokenizer's vocabulary");
}

}  // namespace

std::string renderLlavaChat(const ChatPrompt& prompt) {
    std::string text;
    // The template writes no role for a system message, only its text and a space.
    if (prompt.systemPrompt) text += *prompt.systemPrompt + " ";
    text += "USER: ";
    if (prompt.withImage) text += std::string(kImageToken) + "\n";
    text += prompt.userText + " ";
    text += "ASSISTANT:";
    return text;
}

std::vector<int64_t> encodeLlavaChatWithImage(const Tokenizer& tokenizer, const ChatPrompt& prompt,
                                              int64_t imageTokenCount, int64_t bosTokenId) {
    requireKnownId(tokenizer, bosTokenId);
    const std::optional<int64_t> imageToken = tokenizer.tokenToId(kImageToken);
    if (prompt.withImage && !imageToken)
        throw InvalidInputError(std::string("the tokenizer has no ") + kImageToken +
                                " token, so it cannot encode a LLaVA chat with an image");
    if (prompt.withImage && (imageTokenCount < 1 || imageTokenCount > kMaxImageTokens))
        throw InvalidInputError("an image needs 1.." + std::to_string(kMaxImageTokens) +
                                " image tokens, got " + std::to_string(imageTokenCount));

    const std::vector<int64_t> ids = tokenizer.encode(renderLlavaChat(prompt));
    std::vector<int64_t> expanded{bosTokenId};
    expanded.reserve(1 + ids.size() + static_cast<std::size_t>(prompt.withImage ? imageTokenCount : 0));
    bool imageSeen = false;
    for (int64_t id : ids) {
        if (id != imageToken) {
            expanded.push_back(id);
            continue;
        }
        // The text itself must not add image slots the model would have no image features for.
        if (!prompt.withImage || imageSeen)
            throw InvalidInputError(std::string("the prompt text must not contain ") + kImageToken);
        imageSeen = true;
        expanded.insert(expanded.end(), static_cast<std::size_t>(imageTokenCount), id);
    }
    return expanded;
}

}  // namespace headscope
