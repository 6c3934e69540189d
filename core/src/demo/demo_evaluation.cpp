#include "headscope/demo_evaluation.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "headscope/analysis.h"
#include "headscope/error.h"
#include "headscope/eval_dataset.h"

namespace headscope {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kMaxAnswerTokens = 96;  // the longest target is about 60 tokens

void tally(DemoScore& score) {
    score.total = score.correct = score.unparsed = score.perceptionErrors = score.reasoningErrors = 0;
    for (const DemoCase& c : score.cases) {
        score.perceptionErrors += c.error == shapes::ErrorKind::Perception;
        score.reasoningErrors += c.error == shapes::ErrorKind::Reasoning;
    }
    score.perTemplate.clear();
    for (const std::string& id : shapes::templateIds()) {
        TemplateScore t{id, 0, 0, 0};
        for (const DemoCase& c : score.cases) {
            if (c.sample.templateId != id) continue;
            ++t.total;
            t.correct += c.correct;
            t.unparsed += !c.parsed;
        }
        if (t.total == 0) continue;
        score.total += t.total;
        score.correct += t.correct;
        score.unparsed += t.unparsed;
        score.perTemplate.push_back(t);
    }
}

}  // namespace

DemoScore scoreDemoSamples(const Session& session, const std::vector<shapes::Sample>& samples,
                           const HeadControl& control, const EvaluationProgress& progress,
                           const std::atomic<bool>* cancel) {
    DemoScore score;
    GenerationOptions options;
    options.maxNewTokens = kMaxAnswerTokens;
    StatisticsRequest request;  // S_v at the last prompt token
    std::vector<double> shareSum;
    for (size_t i = 0; i < samples.size(); ++i) {
        if (cancel && cancel->load()) break;
        const shapes::Sample& sample = samples[i];
        const RgbImage image = shapes::drawScene(sample.scene);
        ChatPrompt prompt;
        prompt.userText = sample.question;
        const PreparedInput input = session.prepare(prompt, &image);
        const AnalyzedGeneration run = generateAnalyzed(session, input, options, control, request);
        DemoCase c;
        c.sample = sample;
        c.generated = run.generation.text;
        c.tokens = static_cast<int64_t>(run.generation.ids.size());
        const shapes::ParsedAnswer parsed = shapes::parseFinalAnswer(c.generated);
        c.parsed = parsed.found;
        c.predicted = parsed.answer;
        c.correct = parsed.found && shapes::answersMatch(parsed.answer, sample.answer);
        c.error = shapes::classifyAnswer(c.generated, {sample.templateId, sample.question, sample.answer, sample.target});
        score.cases.push_back(std::move(c));

        const FloatArray& share = run.statistics.visualShare;
        if (shareSum.empty()) {
            shareSum.assign(share.data.size(), 0.0);
            score.visualShare = FloatArray(share.shape);
        }
        for (size_t k = 0; k < share.data.size(); ++k) shareSum[k] += share.data[k];
        if (progress) progress(int64_t(i + 1), int64_t(samples.size()));
    }
    for (size_t k = 0; k < shareSum.size(); ++k)
        score.visualShare.data[k] = float(shareSum[k] / double(score.cases.size()));
    tally(score);
    return score;
}

std::vector<double> visualShareByLayer(const FloatArray& visualShare) {
    if (visualShare.shape.size() != 2) throw InvalidInputError("S_v table must be [layers, heads]");
    const int64_t layers = visualShare.dim(0), heads = visualShare.dim(1);
    std::vector<double> out(size_t(layers), 0.0);
    for (int64_t l = 0; l < layers; ++l) {
        for (int64_t h = 0; h < heads; ++h) out[size_t(l)] += visualShare.data[size_t(l * heads + h)];
        out[size_t(l)] /= double(heads);
    }
    return out;
}

std::vector<FacSetting> scoreFacGrid(const Session& session, const std::vector<shapes::Sample>& samples,
                                     const FloatArray& calibration, const std::vector<FacRule>& rules,
                                     const EvaluationProgress& progress) {
    std::vector<FacSetting> out;
    const int64_t total = int64_t(rules.size() * samples.size());
    for (size_t r = 0; r < rules.size(); ++r) {
        FacSetting setting;
        setting.rule = rules[r];
        setting.classification = classifyHeads(calibration, rules[r]);
        HeadControl control;
        control.gains = classConditionedGains(setting.classification, rules[r]);
        const int64_t before = int64_t(r * samples.size());
        setting.score = scoreDemoSamples(session, samples, control, [&](int64_t done, int64_t) {
            if (progress) progress(before + done, total);
        });
        out.push_back(std::move(setting));
    }
    return out;
}

void writeHallucinationGallery(const std::string& folder, const DemoScore& score, size_t limit) {
    const fs::path target(folder);
    const fs::path staging = target.string() + ".partial";
    fs::remove_all(staging);
    fs::create_directories(staging);
    std::ofstream markdown(staging / "gallery.md", std::ios::binary);
    std::ofstream jsonl(staging / "gallery.jsonl", std::ios::binary);
    markdown << "# Hallucination gallery\n\nHeld-out questions the model answers wrongly. \"Truth\" is the "
                "answer computed from the scene; the thought shows whether the counts read off the image "
                "(perception) or the step after them (reasoning) went wrong; \"Error\" says which, by comparing the "
                "thought's readings with the expected ones.\n";
    size_t written = 0;
    for (size_t i = 0; i < score.cases.size() && written < limit; ++i) {
        const DemoCase& c = score.cases[i];
        if (c.correct) continue;
        const std::string image = "case-" + std::to_string(i) + ".png";
        savePngFile(shapes::drawScene(c.sample.scene), (staging / image).string());
        markdown << "\n## Case " << i << " (" << c.sample.templateId << ")\n\n![scene](" << image << ")\n\n"
                 << "- Question: " << c.sample.question << "\n- Truth: " << c.sample.answer
                 << "\n- Expected thought: `" << c.sample.target << "`\n- Model: `" << c.generated << "`\n- Parsed answer: "
                 << (c.parsed ? c.predicted : std::string("(none)")) << "\n- Error: " << shapes::errorKindName(c.error)
                 << "\n";
        jsonl << nlohmann::json{{"index", i},
                                {"image", image},
                                {"template", c.sample.templateId},
                                {"question", c.sample.question},
                                {"answer", c.sample.answer},
                                {"target", c.sample.target},
                                {"generated", c.generated},
                                {"predicted", c.predicted},
                                {"parsed", c.parsed},
                                {"error", shapes::errorKindName(c.error)},
                                {"scene_seed", c.sample.scene.seed}}
                     .dump()
              << "\n";
        ++written;
    }
    markdown.close();
    jsonl.close();
    if (!markdown || !jsonl) throw Error(staging.string() + ": cannot write the gallery");
    fs::remove_all(target);
    fs::rename(staging, target);
}

void writeDemoEvalDataset(const std::string& folder, size_t count, uint64_t seed) {
    const fs::path target(folder);
    if (fs::exists(target)) throw InvalidInputError(folder + ": already exists; choose a new folder");
    const fs::path staging = target.string() + ".partial";
    fs::remove_all(staging);
    fs::create_directories(staging / "images");
    std::vector<EvalSample> rows;
    const auto samples = shapes::makeSplit(shapes::Split::Test, count, seed);
    for (size_t i = 0; i < samples.size(); ++i) {
        const shapes::Sample& s = samples[i];
        char name[32];
        std::snprintf(name, sizeof name, "test-%04zu", i);
        savePngFile(shapes::drawScene(s.scene), (staging / "images" / (std::string(name) + ".png")).string());
        EvalSample row;
        row.id = name;
        row.image = "images/" + std::string(name) + ".png";
        row.question = s.question;
        row.answer = s.answer;
        const bool number = !s.answer.empty() && std::all_of(s.answer.begin(), s.answer.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
        row.answerType = number ? AnswerType::Number
                                : (s.answer == "yes" || s.answer == "no") ? AnswerType::YesNo : AnswerType::Text;
        row.tags = {s.templateId};
        rows.push_back(std::move(row));
    }
    writeEvalDataset((staging / "questions.jsonl").string(), rows);
    fs::rename(staging, target);
}

}  // namespace headscope
