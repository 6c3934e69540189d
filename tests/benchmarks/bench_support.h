// Shared pieces of the benchmarks: the generated Qwen2-0.5B-sized checkpoint, one loaded session, prompts
// of exact lengths and resident-memory readings.
#pragma once
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "headscope/platform.h"
#include "headscope/random_model.h"
#include "headscope/session.h"

namespace headscope::bench {

inline const std::string& modelFolder() {
    static const std::string folder = [] {
        const char* env = std::getenv("HEADSCOPE_BENCH_MODEL");
        std::string path = env ? env : std::string(HEADSCOPE_BENCH_MODEL_DIR);
        if (!std::filesystem::exists(path)) {
            std::fprintf(stderr, "writing a random Qwen2-0.5B-sized checkpoint to %s (once)\n", path.c_str());
            writeRandomQwenModel(path, randomModelPreset("qwen2-0.5b"), 2024);
        }
        return path;
    }();
    return folder;
}

inline Session& session() {
    static std::unique_ptr<Session> s = [] {
        LoadOptions options;
        options.device = DeviceChoice::Cpu;
        options.dtype = DTypeChoice::Float32;
        return Session::load(modelFolder(), options);
    }();
    return *s;
}

// A text-only prompt of exactly `tokens` ids: the chat frame around filler text, trimmed to length.
inline PreparedInput promptOfLength(const Session& s, int64_t tokens) {
    ChatPrompt prompt;
    for (int i = 0; i < tokens; ++i) prompt.userText += "ab ";
    PreparedInput input = s.prepare(prompt, nullptr);
    input.inputIds.resize(static_cast<size_t>(tokens));
    input.positionIds = computeMropePositions(input.inputIds, {}, s.config().imageTokenId, 2, &input.ropeDelta);
    return input;
}
inline PreparedInput promptOfLength(int64_t tokens) { return promptOfLength(session(), tokens); }

// Resident-set high-water mark in MiB since the last reset (Linux /proc).
inline double peakResidentMiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}
inline double residentMiB() { return static_cast<double>(residentMemoryBytes()) / (1024.0 * 1024.0); }
inline void resetPeakResident() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Makes resident-memory deltas comparable between runs in one process: glibc otherwise raises its mmap
// threshold after a large free and keeps later large buffers on the heap, where freed memory stays resident.
inline void startMemoryMeasurement() {
    static const bool fixedThreshold = mallopt(M_MMAP_THRESHOLD, 1 << 20) == 1;
    (void)fixedThreshold;
    malloc_trim(0);
    resetPeakResident();
}


// Greedy decoding of exactly `newTokens` tokens (no early stop), so runs are comparable.
inline GenerationOptions greedy(int64_t newTokens) {
    GenerationOptions options;
    options.maxNewTokens = newTokens;
    options.stopTokenIds = {-1};
    return options;
}

}  // namespace headscope::bench
