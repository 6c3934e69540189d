// The Qwen2-VL / Qwen2.5-VL chat template, specialised to one user turn (optional image, then text) with
// add_generation_prompt=True.
#include "headscope/error.h"
#include "headscope/tokenizer.h"

namespace headscope {
namespace {

constexpr const char* kDefaultSystemPrompt = "You are a helpful assistant.";
constexpr const char* kImagePad = "<|image_pad|>";
constexpr int64_t kMaxImageTokens = int64_t{1} << 22;  // far above any real image; guards against garbage

int64_t requireTokenId(const Tokenizer& tokenizer, const std::string& token) {
    const auto id = tokenizer.tokenToId(token);
    if (!id)
        throw InvalidInputError("the tokenizer has no " + token +
                                " token, so it cannot use the Qwen chat format");
    return *id;
}

}  // namespace

std::string renderQwenChat(const ChatPrompt& prompt) {
    std::string text = "<|im_start|>system\n";
    text += prompt.systemPrompt ? *prompt.systemPrompt : kDefaultSystemPrompt;
    text += "<|im_end|>\n<|im_start|>user\n";
    if (prompt.withImage) text += "<|vision_start|><|image_pad|><|vision_end|>";
    text += prompt.userText;
    text += "<|im_end|>\n<|im_start|>assistant\n";
    return text;
}

std::vector<int64_t> encodeChatWithImage(const Tokenizer& tokenizer, const ChatPrompt& prompt,
                                         int64_t imageTokenCount) {
    for (const char* marker : {"<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>"})
        requireTokenId(tokenizer, marker);
    const int64_t imagePad = requireTokenId(tokenizer, kImagePad);
    if (prompt.withImage && (imageTokenCount < 1 || imageTokenCount > kMaxImageTokens))
        throw InvalidInputError("an image needs 1.." + std::to_string(kMaxImageTokens) +
                                " image tokens, got " + std::to_string(imageTokenCount));

    const std::vector<int64_t> ids = tokenizer.encode(renderQwenChat(prompt));
    std::vector<int64_t> expanded;
    expanded.reserve(ids.size() + static_cast<std::size_t>(prompt.withImage ? imageTokenCount : 0));
    bool padSeen = false;
    for (int64_t id : ids) {
        if (id != imagePad) {
            expanded.push_back(id);
            continue;
        }
        // The text itself must not add image slots the model would have no image features for.
        if (!prompt.withImage || padSeen)
            throw InvalidInputError(std::string("the prompt text must not contain ") + kImagePad);
        padSeen = true;
        expanded.insert(expanded.end(), static_cast<std::size_t>(imageTokenCount), imagePad);
    }
    return expanded;
}

}  // namespace headscope
