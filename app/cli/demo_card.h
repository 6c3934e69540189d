// The demo model's card (README.md): what it was trained on, how, and how well it does.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "headscope/demo_evaluation.h"

namespace headscope::cli {

struct DemoCardFacts {
    std::string modelFolder;
    nlohmann::json config;
    nlohmann::json training;  // training.json, or null
    int64_t parameterCount = 0;
    DemoScore baseline;
    int64_t calibrationCount = 0;
    std::vector<FacSetting> fac;
    size_t facCount = 0;
    int64_t baselineOnFacSubset = 0;  // baseline correct answers among the first facCount questions
    size_t galleryLimit = 0;
    std::vector<ReadingScore> readings;  // teacher-forced, on the first readingCount test questions
    size_t readingCount = 0;
};

std::string demoModelCard(const DemoCardFacts& facts);

}  // namespace headscope::cli
