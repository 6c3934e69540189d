// A one-line progress bar on stderr with rate and ETA: redrawn in place on a terminal, printed as plain
// lines at most every few seconds otherwise (logs, CI).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace headscope::cli {

std::string formatDuration(double seconds);  // "42 s", "3 min 05 s", "1 h 02 min"

class ProgressBar {
public:
    explicit ProgressBar(std::string label);
    // `etaSeconds` < 0: estimated from the rate since the first call.
    void update(int64_t done, int64_t total, const std::string& detail = {}, double etaSeconds = -1);
    void finish();  // ends the line

private:
    std::string label_;
    bool terminal_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point started_, lastPrint_;
    int64_t firstDone_ = -1;
};

}  // namespace headscope::cli
