// tokenizer.json loading (Tokenizer::fromTokenizerJson, which takes a path): the input is written to a
// file, loaded, and a tokenizer that loads is used as the app uses one.
#include "fuzz_support.h"
#include "headscope/tokenizer.h"
#include "tokenizer_exercise.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace headscope;
    const std::string path = fuzz::writeScratchFile("tokenizer.json", data, size);
    std::unique_ptr<Tokenizer> tokenizer;
    fuzz::runExpectingErrors(path, [&] { tokenizer = Tokenizer::fromTokenizerJson(path); });
    if (tokenizer) fuzz::exerciseTokenizer(*tokenizer);
    return 0;
}
