// What the tokenizer targets do with a tokenizer that loaded: what the app does with one.
#pragma once
#include "headscope/tokenizer.h"

namespace headscope::fuzz {

// Encodes a set of probe texts (ASCII, whitespace runs, combining marks, CJK, emoji, special-token
// spellings), decodes the ids back, streams them, and looks tokens and ids up. Errors are answers.
void exerciseTokenizer(const Tokenizer& tokenizer);

}  // namespace headscope::fuzz
