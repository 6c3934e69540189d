// make-demo-data: the demo model's held-out questions as an evaluation dataset for `eval`.
#include <cstdio>

#include "commands.h"
#include "headscope/demo_evaluation.h"

namespace headscope::cli {

int runMakeDemoData(const Arguments& args) {
    args.allowOnly({"out", "count", "seed"});
    const int64_t count = args.intOr("count", 1000);
    if (count < 1) throw UsageError("--count must be at least 1");
    const std::string out = args.value("out");
    writeDemoEvalDataset(out, size_t(count), static_cast<uint64_t>(args.intOr("seed", int64_t(kDemoEvaluationSeed))));
    std::fprintf(stderr, "wrote %lld questions to %s/questions.jsonl (images in %s/images)\n",
                 static_cast<long long>(count), out.c_str(), out.c_str());
    return 0;
}

}  // namespace headscope::cli
