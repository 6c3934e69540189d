// What most commands start with: a loaded model and one prepared prompt (with --image, --pixel-values or
// text only), and the shared parsing of head gains and decoding options.
#pragma once
#include <memory>
#include <set>
#include <string>

#include "commands.h"
#include "headscope/head_control.h"
#include "headscope/session.h"

namespace headscope::cli {

struct ModelInput {
    std::unique_ptr<Session> session;
    PreparedInput input;
    std::string imagePath;  // empty without --image
};

// The options loadModelInput reads, for allowOnly().
extern const std::set<std::string> kModelInputOptions;

// --model DIR [--image FILE | --pixel-values FILE.safetensors] --prompt TEXT [--system TEXT] plus
// --device / --dtype / --threads. Notes unused checkpoint tensors on stderr.
ModelInput loadModelInput(const Arguments& args);

// --gains L:H:G,L:H:G,... over unit gains of the model's [layers, heads]; no option gives an empty control.
HeadControl gainsFrom(const Arguments& args, const Session& session);

// --max-new-tokens, --sample, --temperature, --top-k, --top-p, --seed (defaults from generation_config.json).
extern const std::set<std::string> kDecodingOptions;
GenerationOptions decodingFrom(const Arguments& args, const Session& session);

}  // namespace headscope::cli
