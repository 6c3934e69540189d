#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "headscope/platform.h"

namespace headscope::cli {

int runVersion(const Arguments& args) {
    args.allowOnly({"json"});
    const PlatformReport report = platformReport();
    if (!args.has("json")) {
        std::fputs(describePlatform(report).c_str(), stdout);
        return 0;
    }
    nlohmann::json devices = nlohmann::json::array();
    for (const CudaDevice& d : report.cudaDevices)
        devices.push_back({{"index", d.index},
                           {"name", d.name},
                           {"compute_capability", std::to_string(d.computeMajor) + "." + std::to_string(d.computeMinor)},
                           {"total_bytes", d.totalBytes},
                           {"free_bytes", d.freeBytes >= 0 ? nlohmann::json(d.freeBytes) : nlohmann::json(nullptr)}});
    const auto orNull = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
    const nlohmann::json out = {{"headscope_version", report.headscopeVersion},
                                {"torch_version", report.torchRuntimeVersion},
                                {"torch_build_version", report.torchBuildVersion},
                                {"cuda_compiled", report.cudaCompiled},
                                {"cuda_version", orNull(report.cudaBuildVersion)},
                                {"cuda_driver_version", orNull(report.cudaDriverVersion)},
                                {"cuda_devices", devices},
                                {"cuda_unavailable_reason", orNull(report.cudaUnavailableReason)}};
    std::puts(out.dump(1).c_str());
    return 0;
}

}  // namespace headscope::cli
