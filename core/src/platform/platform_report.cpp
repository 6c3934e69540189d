#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

#include <sstream>

#include "headscope/platform.h"
#include "headscope/version.h"
#include "platform/cuda_runtime_query.h"

namespace headscope {

namespace {

// "KEY=value" from LibTorch's build settings line, or "" when absent.
std::string buildSetting(const std::string& config, const std::string& key) {
    const std::string needle = key + "=";
    size_t at = config.find(needle);
    while (at != std::string::npos && at > 0 && config[at - 1] != ' ' && config[at - 1] != ',')
        at = config.find(needle, at + 1);
    if (at == std::string::npos) return {};
    const size_t start = at + needle.size();
    const size_t end = config.find_first_of(", \n", start);
    return config.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string gib(int64_t bytes) {
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(1);
    out << static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0) << " GiB";
    return out.str();
}

}  // namespace

PlatformReport platformReport() {
    PlatformReport report;
    report.headscopeVersion = headscopeVersion();
    report.torchBuildVersion = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                               std::to_string(TORCH_VERSION_PATCH);
    const std::string config = at::show_config();
    report.torchRuntimeVersion = buildSetting(config, "TORCH_VERSION");
    if (report.torchRuntimeVersion.empty()) report.torchRuntimeVersion = "unknown";
    try {
        // Only LibTorch's CUDA backend answers this; without it the hooks refuse.
        const long cudart = at::detail::getCUDAHooks().versionCUDART();
        report.cudaCompiled = true;
        report.cudaBuildVersion = std::to_string(cudart / 1000) + "." + std::to_string((cudart % 1000) / 10);
    } catch (const std::exception&) {
        report.cudaCompiled = false;
    }
    if (report.cudaCompiled) {
        const detail::CudaRuntimeView cuda = detail::queryCudaRuntime();
        report.cudaDriverVersion = cuda.driverVersion;
        report.cudaDevices = cuda.devices;
        report.cudaUnavailableReason = cuda.unavailableReason;
    } else {
        report.cudaUnavailableReason = "this LibTorch was built without CUDA";
    }
    return report;
}

std::string describePlatform(const PlatformReport& report) {
    std::ostringstream out;
    out << "HeadScope " << report.headscopeVersion << "\n";
    out << "LibTorch " << report.torchRuntimeVersion << " (built against " << report.torchBuildVersion << ")\n";
    if (report.cudaCompiled) out << "CUDA compiled in: yes, CUDA " << report.cudaBuildVersion << "\n";
    else out << "CUDA compiled in: no\n";
    if (!report.cudaDriverVersion.empty()) out << "NVIDIA driver: CUDA " << report.cudaDriverVersion << "\n";
    if (report.cudaDevices.empty()) {
        out << "CUDA devices: none (" << report.cudaUnavailableReason << ")\n";
    } else {
        out << "CUDA devices: " << report.cudaDevices.size() << "\n";
        for (const CudaDevice& d : report.cudaDevices) {
            out << "  cuda:" << d.index << "  " << d.name << ", compute " << d.computeMajor << "." << d.computeMinor
                << ", " << gib(d.totalBytes);
            if (d.freeBytes >= 0) out << " (" << gib(d.freeBytes) << " free)";
            out << "\n";
        }
    }
    return out.str();
}

}  // namespace headscope
