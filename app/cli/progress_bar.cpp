#include "progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace headscope::cli {

std::string formatDuration(double seconds) {
    if (!(seconds >= 0)) return "?";
    const auto total = static_cast<long long>(seconds + 0.5);
    char text[32];
    if (total < 60) std::snprintf(text, sizeof text, "%lld s", total);
    else if (total < 3600) std::snprintf(text, sizeof text, "%lld min %02lld s", total / 60, total % 60);
    else std::snprintf(text, sizeof text, "%lld h %02lld min", total / 3600, total % 3600 / 60);
    return text;
}

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), terminal_(isatty(fileno(stderr)) != 0), started_(std::chrono::steady_clock::now()),
      lastPrint_(started_) {}

void ProgressBar::update(int64_t done, int64_t total, const std::string& detail, double etaSeconds) {
    const auto now = std::chrono::steady_clock::now();
    if (firstDone_ < 0) {
        firstDone_ = done;
        started_ = now;
    }
    const bool last = done >= total;
    if (!terminal_ && !last && std::chrono::duration<double>(now - lastPrint_).count() < 5.0 && drawn_) return;
    lastPrint_ = now;
    const double elapsed = std::chrono::duration<double>(now - started_).count();
    const double rate = elapsed > 0 ? double(done - firstDone_) / elapsed : 0;
    if (etaSeconds < 0) etaSeconds = rate > 0 ? double(total - done) / rate : -1;
    constexpr int kWidth = 24;
    const int filled = total > 0 ? int(double(kWidth) * double(done) / double(total)) : 0;
    std::string bar(size_t(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "%s%s [%s] %lld/%lld  %.2f/s  %s elapsed  ETA %s%s%s", terminal_ ? "\r\033[K" : "",
                 label_.c_str(), bar.c_str(), static_cast<long long>(done), static_cast<long long>(total), rate,
                 formatDuration(elapsed).c_str(), formatDuration(etaSeconds).c_str(), detail.empty() ? "" : "  ",
                 detail.c_str());
    if (!terminal_) std::fputc('\n', stderr);
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressBar::finish() {
    if (terminal_ && drawn_) std::fputc('\n', stderr);
    drawn_ = false;
}

}  // namespace headscope::cli
