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

struct TrainedBpe {
    // Id -> token in the byte-level alphabet ("Ġ" for a space). Training puts the single bytes at ids 0..255
    // in the order of HF's ByteLevel alphabet (by code point of the mapped character: "!" = 0 ... "Ġ" = 220,
    // as in Qwen2), then the merged tokens in the order they were created.
    std::vector<std::string> vocab;
    std::vector<std::pair<std::string, std::string>> merges;  // in rank order
};

// Writes tokenizer.json, vocab.json, merges.txt and tokenizer_config.json into `folder` (which must exist),
// as Hugging Face writes Qwen2.5-VL's: the 22 added tokens take the ids right after the vocabulary
// (<|endoftext|> = vocab.size(), <|im_start|> = vocab.size() + 1, ...). Each file is written under a
// temporary name and renamed into place once all four are written. Throws Error naming the folder when it
// is missing or a file cannot be written, InvalidInputError when `bpe` is inconsistent (fewer than 256
// tokens, a repeated token, a merge whose parts or result are not in the vocabulary).
void writeQwenTokenizerFiles(const std::string& folder, const TrainedBpe& bpe);

}  // namespace headscope
