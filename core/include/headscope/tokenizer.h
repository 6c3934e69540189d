// Hugging Face BPE tokenizer (tokenizer.json, or vocab.json + merges.txt): byte-level as the Qwen2 family
// uses it, or Llama-style (Prepend/Replace or Metaspace, byte fallback) as llava-hf writes it; plus the
// chat format of Qwen2-VL / Qwen2.5-VL for one user turn with one image.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace headscope {

class Tokenizer {
public:
    // Loads `folder/tokenizer.json`; falls back to `vocab.json` + `merges.txt` (+ `tokenizer_config.json`'s
    // added_tokens_decoder for the special tokens). Throws Error naming the folder when neither is present,
    // FormatError for malformed files.
    static std::unique_ptr<Tokenizer> fromFolder(const std::string& folder);
    static std::unique_ptr<Tokenizer> fromTokenizerJson(const std::string& path);
    static std::unique_ptr<Tokenizer> fromVocabAndMerges(const std::string& vocabJson, const std::string& mergesTxt,
                                                         const std::string& tokenizerConfigJson = {});
    virtual ~Tokenizer() = default;

    // Encodes text. Added tokens (e.g. "<|im_start|>") are matched in the raw text first and map to their
    // ids; the rest is NFC-normalised, pre-tokenised and BPE-merged. No special tokens are added.
    virtual std::vector<int64_t> encode(const std::string& text) const = 0;
    // Decodes ids to UTF-8 text (bytes that do not form valid UTF-8 become U+FFFD, as HF does).
    virtual std::string decode(const std::vector<int64_t>& ids, bool skipSpecialTokens = false) const = 0;

    virtual std::optional<int64_t> tokenToId(const std::string& token) const = 0;
    virtual std::optional<std::string> idToToken(int64_t id) const = 0;
    virtual bool isSpecial(int64_t id) const = 0;
    virtual int64_t vocabSize() const = 0;  // largest id + 1, added tokens included
};

// Decodes a stream of ids one at a time without ever emitting a partial UTF-8 sequence: bytes of an
// unfinished character are held back until the character completes.
class StreamingDecoder {
public:
    explicit StreamingDecoder(const Tokenizer& tokenizer, bool skipSpecialTokens = false);
    std::string push(int64_t id);  // the text that became complete with this id (may be empty)
    std::string flush();           // whatever is held back, invalid bytes as U+FFFD

private:
    const Tokenizer& tokenizer_;
    bool skipSpecial_;
    std::vector<int64_t> context_;  // the last released id: how the next ones decode can depend on it
    std::vector<int64_t> pending_;
};

// A Llama-family SentencePiece tokenizer (tokenizer.model, as LLaVA-1.5 / Vicuna ship it) with the settings of
// transformers' LlamaTokenizer from tokenizer_config.json: added tokens (e.g. <image> 32000, <pad> 32001) from
// added_tokens_decoder, `legacy` (false: only the start of the text gets the dummy-prefix "▁"; text right
// after an added token gets none), add_bos_token / add_eos_token. encode() adds no BOS/EOS (the chat
// encoder does); decode() joins pieces as LlamaTokenizer does. Throws FormatError for a corrupt model file.
std::unique_ptr<Tokenizer> loadSentencePieceTokenizer(const std::string& modelPath,
                                                      const std::string& tokenizerConfigJson);

// The Qwen2-VL / Qwen2.5-VL chat format for one user turn with one image (as the official chat template
// renders it with add_generation_prompt): optional system prompt (the template's default is
// "You are a helpful assistant."), then <|vision_start|><|image_pad|><|vision_end|> and the prompt.
struct ChatPrompt {
    std::string userText;
    std::optional<std::string> systemPrompt;  // nullopt: the template's default system prompt
    bool withImage = true;
};
std::string renderQwenChat(const ChatPrompt& prompt);

// Tokenises a rendered chat and expands the single image pad token to `imageTokenCount` copies.
std::vector<int64_t> encodeChatWithImage(const Tokenizer& tokenizer, const ChatPrompt& prompt,
                                         int64_t imageTokenCount);

// The llava-hf LLaVA-1.5 chat format for one user turn with one image and add_generation_prompt:
// "USER: <image>\n" + text + " ASSISTANT:" (a system prompt, when given, goes first followed by a space, as
// the template renders it: the template drops system messages, so HeadScope prepends it to the text).
std::string renderLlavaChat(const ChatPrompt& prompt);
// BOS + the rendered chat's ids with the one <image> token expanded to `imageTokenCount` copies.
std::vector<int64_t> encodeLlavaChatWithImage(const Tokenizer& tokenizer, const ChatPrompt& prompt,
                                              int64_t imageTokenCount, int64_t bosTokenId);

}  // namespace headscope
