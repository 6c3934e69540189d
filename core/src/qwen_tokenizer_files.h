// The pieces of Qwen2's tokenizer files that the random model writer and the BPE trainer share: the
// pre-tokenizer pattern, the added tokens, the Qwen2.5-VL chat template, and the file contents exactly as
// Hugging Face writes them (tokenizer.json by `tokenizers`, the others by transformers' save_pretrained).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "headscope/bpe_training.h"

namespace headscope::qwen {

// Qwen2Tokenizer's PRETOKENIZE_REGEX, also the Split pattern of Qwen2's tokenizer.json.
extern const char* const kPretokenizePattern;

// Qwen2's added tokens in id order; the first kSpecialTokenCount are special.
constexpr std::size_t kAddedTokenCount = 22;
constexpr std::size_t kSpecialTokenCount = 14;
extern const char* const kAddedTokens[kAddedTokenCount];

// Qwen2.5-VL's chat template (tokenizer_config.json and chat_template.json).
extern const char* const kChatTemplate;

// The id of an added token when the added tokens start at `firstAddedId` (the BPE vocabulary's size).
// Throws std::logic_error for a content that is not one of kAddedTokens.
int64_t addedTokenId(const std::string& content, int64_t firstAddedId);

// File contents in the layout of Qwen2.5-VL's files. tokenizer.json: the fields in `tokenizers`' order,
// the vocabulary by id, merges as "left right" strings; vocab.json: one line in id order; merges.txt:
// "#version: 0.2" and one "left right" line per merge; tokenizer_config.json: sorted keys.
std::string tokenizerJson(const TrainedBpe& bpe);
std::string vocabJson(const TrainedBpe& bpe);
std::string mergesTxt(const TrainedBpe& bpe);
std::string tokenizerConfigJson(int64_t firstAddedId);

// Writes (file name, contents) pairs into the existing `folder`: all go to temporary names first and are
// renamed into place only when every one was written. Throws Error naming the folder or file.
void writeFilesAtomically(const std::string& folder, const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace headscope::qwen
