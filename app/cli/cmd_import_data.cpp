// import-data: a published benchmark's file as a native evaluation dataset.
#include <cstdio>

#include "commands.h"
#include "headscope/benchmark_import.h"

namespace headscope::cli {

int runImportData(const Arguments& args) {
    args.allowOnly({"format", "in", "images", "out"});
    const std::string formatName = args.value("format");
    const auto format = parseBenchmarkFormat(formatName);
    if (!format) throw UsageError("--format: unknown format '" + formatName + "' (mathvista, hallusionbench, seedbench, pope, tsv)");
    const ImportResult result = importBenchmark(*format, args.value("in"), args.valueOr("images", ""), args.value("out"));
    for (const ImportProblem& p : result.skipped)
        std::fprintf(stderr, "%s: %s: skipped: %s\n", args.value("in").c_str(), p.where.c_str(), p.message.c_str());
    std::fprintf(stderr, "wrote %lld questions to %s (%zu skipped)\n", static_cast<long long>(result.written),
                 result.datasetPath.c_str(), result.skipped.size());
    return 0;
}

}  // namespace headscope::cli
