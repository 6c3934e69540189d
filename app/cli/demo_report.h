// Measures a demo model folder on the held-out shape questions and writes what it found beside the
// weights: README.md (the model card), evaluation.json and the hallucination gallery.
#pragma once
#include <cstddef>
#include <string>

#include "commands.h"

namespace headscope::cli {

struct DemoReportOptions {
    std::string modelFolder;
    size_t testCount = 1000;        // held-out questions for accuracy and S_v
    size_t facCount = 300;          // of those, the ones every Functional Attention Control setting answers
    size_t calibrationCount = 200;  // validation questions whose mean S_v classifies the heads
    size_t galleryLimit = 40;
    LoadOptions load;
};

// --count, --fac-count, --calibration-count, --gallery and the load options.
DemoReportOptions demoReportOptionsFrom(const Arguments& args, const std::string& modelFolder);

void writeDemoReport(const DemoReportOptions& options);

}  // namespace headscope::cli
