// tokenizer.model (a serialised SentencePiece ModelProto) reading through loadSentencePieceTokenizer, the
// loader the app calls (it takes a path): the input is written to a file, loaded with LlamaTokenizer's
// defaults (no tokenizer_config.json), and a tokenizer that loads is used as the app uses one.
#include "fuzz_support.h"
#include "headscope/tokenizer.h"
#include "tokenizer_exercise.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace headscope;
    const std::string path = fuzz::writeScratchFile("tokenizer.model", data, size);
    std::unique_ptr<Tokenizer> tokenizer;
    fuzz::runExpectingErrors(path, [&] { tokenizer = loadSentencePieceTokenizer(path, ""); });
    if (tokenizer) fuzz::exerciseTokenizer(*tokenizer);
    return 0;
}
