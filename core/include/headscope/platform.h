// What this build runs on: HeadScope's version, the LibTorch it was compiled against and the one loaded now,
// whether LibTorch's CUDA backend is compiled in, and the CUDA devices the runtime can see. Plain C++;
// callable from any thread (the CUDA queries never create a context on a device that is not used).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace headscope {

struct CudaDevice {
    int index = 0;
    std::string name;
    int computeMajor = 0;  // compute capability, e.g. 8.6
    int computeMinor = 0;
    int64_t totalBytes = 0;
    int64_t freeBytes = 0;  // -1 when the runtime could not say
};

struct PlatformReport {
    std::string headscopeVersion;
    std::string torchBuildVersion;    // the LibTorch headers HeadScope was compiled against, "2.15.0"
    std::string torchRuntimeVersion;  // the LibTorch library loaded in this process
    bool cudaCompiled = false;        // LibTorch's CUDA backend is linked in
    std::string cudaBuildVersion;     // the CUDA version that backend was built with, "13.2"; empty without
    std::string cudaDriverVersion;    // the installed driver's CUDA version; empty when there is no driver
    std::vector<CudaDevice> cudaDevices;
    std::string cudaUnavailableReason;  // why cudaDevices is empty, when it is
};

// Asks LibTorch and the CUDA runtime afresh on every call.
PlatformReport platformReport();

// The report as a few lines of text, for --version and the About box.
std::string describePlatform(const PlatformReport& report);

// Resident memory of this process in bytes (VmRSS), or -1 when the system does not tell.
int64_t residentMemoryBytes();

}  // namespace headscope
