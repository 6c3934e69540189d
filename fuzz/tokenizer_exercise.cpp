#include "tokenizer_exercise.h"

#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_support.h"

namespace headscope::fuzz {

namespace {

const char* const kProbeTexts[] = {
    "Hello, world! How many circles are there?",
    "  two  spaces\tand a tab\n\nnew lines\r\n",
    "caf\xC3\xA9 cafe\xCC\x81 \xEF\xAC\x81 \xE2\x84\xAB",                      // precomposed, combining, ligature
    "\xE4\xBD\xA0\xE5\xA5\xBD\xE4\xB8\x96\xE7\x95\x8C 123 4567",                // CJK and digits
    "\xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xE2\x96\x81x",             // emoji, a skin tone, U+2581
    "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Hi<|im_end|>",
    "<s> USER: <image>\nWhat is this? ASSISTANT: </s><unk><pad>",
    "don't I'll we've 'S 'LL",
    "",
};

}  // namespace

void exerciseTokenizer(const Tokenizer& tokenizer) {
    for (const char* text : kProbeTexts) {
        runExpectingErrors("", [&] {
            const std::vector<int64_t> ids = tokenizer.encode(text);
            (void)tokenizer.decode(ids, false);
            (void)tokenizer.decode(ids, true);
            StreamingDecoder stream(tokenizer, false);
            for (int64_t id : ids) (void)stream.push(id);
            (void)stream.flush();
        });
    }
    const int64_t vocab = tokenizer.vocabSize();
    std::vector<int64_t> someIds;
    for (int64_t id = 0; id < std::min<int64_t>(vocab, 64); ++id) someIds.push_back(id);
    for (int64_t id = std::max<int64_t>(64, vocab - 16); id < vocab; ++id) someIds.push_back(id);
    someIds.push_back(-1);
    someIds.push_back(vocab);
    for (int64_t id : someIds) {
        const auto token = tokenizer.idToToken(id);
        if (token) (void)tokenizer.tokenToId(*token);
        (void)tokenizer.isSpecial(id);
        runExpectingErrors("", [&] { (void)tokenizer.decode({id}, false); });
    }
    runExpectingErrors("", [&] {
        ChatPrompt prompt;
        prompt.userText = "How many?";
        (void)encodeChatWithImage(tokenizer, prompt, 4);
    });
    runExpectingErrors("", [&] {
        ChatPrompt prompt;
        prompt.userText = "How many?";
        (void)encodeLlavaChatWithImage(tokenizer, prompt, 4, 1);
    });
}

}  // namespace headscope::fuzz
