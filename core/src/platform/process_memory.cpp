#include <fstream>
#include <string>

#include "headscope/platform.h"

namespace headscope {

int64_t residentMemoryBytes() {
    // Linux: "VmRSS:   123456 kB" in /proc/self/status.
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) != 0) continue;
        try {
            return static_cast<int64_t>(std::stoll(line.substr(6))) * 1024;
        } catch (const std::exception&) {
            return -1;
        }
    }
    return -1;
}

}  // namespace headscope
