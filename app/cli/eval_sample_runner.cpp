#include "eval_sample_runner.h"

#include <chrono>

#include "commands.h"
#include "eval_run_files.h"
#include "head_table_output.h"
#include "headscope/analysis.h"
#include "headscope/answer_extraction.h"
#include "rule_options.h"

namespace headscope::cli {

const std::vector<std::string> kEvalModes = {"vanilla", "fac", "vcd"};

std::optional<RgbImage> loadSampleImage(const EvalDataset& dataset, const EvalSample& sample) {
    const std::string path = resolveSampleImage(dataset, sample);
    if (path.empty()) return std::nullopt;
    return loadImageFile(path);
}

EvalRecord newEvalRecord(const EvalSample& sample, int64_t index, const std::string& mode, const GenerationOptions& d) {
    EvalRecord r;
    r.index = index;
    r.id = sample.id;
    r.mode = mode;
    r.image = sample.image;
    r.prompt = samplePrompt(sample);
    r.reference = sample.answer;
    r.answerType = answerTypeName(sample.answerType);
    r.tags = sample.tags;
    r.maxNewTokens = d.maxNewTokens;
    r.sampled = d.sampling.doSample;
    r.temperature = d.sampling.temperature;
    r.topK = d.sampling.topK;
    r.topP = d.sampling.topP;
    r.seed = d.sampling.seed;
    return r;
}

void finishEvalRecord(EvalRecord& r, const EvalSample& sample, const GenerationResult& generation, double seconds) {
    r.latencySeconds = seconds;
    r.generated = generation.text;
    r.promptTokens = generation.promptTokens;
    r.generatedTokens = static_cast<int64_t>(generation.ids.size());
    const ExtractedAnswer extracted = extractAnswer(generation.text, sample);
    r.extracted = extracted.answer;
    r.rule = extracted.rule;
    r.correct = isCorrectAnswer(extracted, sample);
}

EvalRecord runEvalSample(const Session& session, const EvalSample& sample, const std::optional<RgbImage>& image,
                         int64_t index, const std::string& mode, const EvalModeSettings& settings) {
    const GenerationOptions& d = settings.decoding;
    EvalRecord r = newEvalRecord(sample, index, mode, d);
    ChatPrompt prompt;
    prompt.userText = r.prompt;
    const PreparedInput input = session.prepare(prompt, image ? &*image : nullptr);
    // The latency covers everything a mode does for the question (for fac: identifying the heads too).
    const auto start = std::chrono::steady_clock::now();
    GenerationResult generation;
    if (mode == "vanilla") {
        generation = session.generate(input, d);
    } else if (mode == "fac") {
        HeadControl control;
        if (settings.profileGains) {
            control.gains = *settings.profileGains;
            r.modeSettings["gains"] = "profile";
        } else {
            const HeadSelection selection = selectHeadsAtLastPromptToken(session, input, settings.rule);
            control.gains = selection.gains;
            r.modeSettings["gains"] = "identified on the question";
            r.modeSettings["rule"] = describeRule(settings.rule);
            r.modeSettings["selected_heads"] = classCountsLine(selection.classification);
        }
        if (!control.isIdentity()) r.profileHash = gainTableHash(control.gains.data);
        generation = generateControlled(session, input, d, control);
    } else if (mode == "vcd") {
        VcdOptions vcd = settings.vcd;
        vcd.noiseSeed = d.sampling.seed + uint64_t(index);
        r.modeSettings = {{"alpha", shortNumber(vcd.alpha)}, {"beta", shortNumber(vcd.beta)},
                          {"noise_step", std::to_string(vcd.noiseStep)}, {"noise_seed", std::to_string(vcd.noiseSeed)}};
        generation = generateContrastive(session, input, d, vcd);
    } else {
        throw UsageError("unknown mode '" + mode + "'");
    }
    finishEvalRecord(r, sample, generation, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return r;
}

}  // namespace headscope::cli
