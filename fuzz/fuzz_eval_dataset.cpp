// The evaluation dataset reader (readEvalDataset, which takes a path; it parses one JSON line at a time):
// the input is written to a file and read, and every sample read is used as the evaluator uses it.
#include "fuzz_support.h"
#include "headscope/eval_dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace headscope;
    const std::string path = fuzz::writeScratchFile("questions.jsonl", data, size);
    fuzz::runExpectingErrors(path, [&] {
        const EvalDataset dataset = readEvalDataset(path);
        for (const EvalSample& sample : dataset.samples) {
            (void)samplePrompt(sample);
            (void)evalSampleJson(sample);
            (void)resolveSampleImage(dataset, sample);
        }
    });
    return 0;
}
