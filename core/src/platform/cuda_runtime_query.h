// The CUDA devices as the CUDA runtime reports them. Compiled against the CUDA runtime only when LibTorch
// brings its CUDA backend; otherwise it reports that CUDA is not part of this build. No LibTorch here.
#pragma once
#include <string>
#include <vector>

#include "headscope/platform.h"

namespace headscope::detail {

struct CudaRuntimeView {
    std::string driverVersion;   // "13.0"; empty when no driver is installed
    std::vector<CudaDevice> devices;
    std::string unavailableReason;  // set when devices is empty
};

CudaRuntimeView queryCudaRuntime();

}  // namespace headscope::detail
