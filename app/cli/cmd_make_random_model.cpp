#include <cstdio>

#include "commands.h"
#include "headscope/random_model.h"

namespace headscope::cli {

int runMakeRandomModel(const Arguments& args) {
    args.allowOnly({"out", "preset", "seed"});
    const std::string out = args.value("out");
    writeRandomQwenModel(out, randomModelPreset(args.valueOr("preset", "tiny")),
                         static_cast<uint64_t>(args.intOr("seed", 1234)));
    std::fprintf(stderr, "wrote a randomly initialised %s model to %s\n", args.valueOr("preset", "tiny").c_str(),
                 out.c_str());
    return 0;
}

}  // namespace headscope::cli
