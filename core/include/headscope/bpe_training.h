// Trains a byte-level BPE tokenizer with the pre-tokenizer of Qwen2 (NFC, Qwen2's split pattern, GPT-2 byte
// alphabet) the way Hugging Face `tokenizers`' BpeTrainer does, and writes it in the files Hugging Face
// writes for Qwen2.5-VL (tokenizer.json, vocab.json, merges.txt, tokenizer_config.json) with Qwen2's 22
// added tokens. HeadScope's Tokenizer and transformers load the result as it is.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace headscope {

struct BpeTrainingOptions {
    std::size_t vocabSize = 0;     // byte-level BPE vocabulary including the 256 byte tokens, excluding the
                                   // added tokens; at least 256
    std::size_t minFrequency = 2;  // a pair that occurs fewer times is never merged
};

struct TrainedBpe {
    // Id -> token in the byte-level alphabet ("Ġ" for a space). Training puts the single bytes at ids 0..255
    // in the order of HF's ByteLevel alphabet (by code point of the mapped character: "!" = 0 ... "Ġ" = 220,
    // as in Qwen2), then the merged tokens in the order they were created.
    std::vector<std::string> vocab;
    std::vector<std::pair<std::string, std::string>> merges;  // in rank order
};

// The pieces the trainer counts in one text, in the byte-level alphabet: Qwen2's added tokens
// ("<|im_start|>" etc.) are cut out first (the written tokenizer matches them before anything else, so
// they never contribute to merges), each remaining part is NFC-normalised and split with Qwen2's pattern.
// Throws InvalidInputError when the text is not valid UTF-8.
std::vector<std::string> byteLevelWords(const std::string& text);

// Counts the words of all texts and merges the most frequent adjacent pair until the vocabulary has
// `vocabSize` tokens or no pair occurs `minFrequency` times. Throws InvalidInputError for a vocabSize
// below 256 or a text that is not valid UTF-8.
TrainedBpe trainByteLevelBpe(const std::vector<std::string>& texts, const BpeTrainingOptions& options);

// Writes tokenizer.json, vocab.json, merges.txt and tokenizer_config.json into `folder` (which must exist),
// as Hugging Face writes Qwen2.5-VL's: the 22 added tokens take the ids right after the vocabulary
// (<|endoftext|> = vocab.size(), <|im_start|> = vocab.size() + 1, ...). Each file is written under a
// temporary name and renamed into place once all four are written. Throws Error naming the folder when it
// is missing or a file cannot be written, InvalidInputError when `bpe` is inconsistent (fewer than 256
// tokens, a repeated token, a merge whose parts or result are not in the vocabulary).
void writeQwenTokenizerFiles(const std::string& folder, const TrainedBpe& bpe);

}  // namespace headscope
