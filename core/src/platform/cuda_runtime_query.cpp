#include "platform/cuda_runtime_query.h"

#ifdef HEADSCOPE_WITH_CUDA_RUNTIME
#include <cuda_runtime_api.h>
#endif

namespace headscope::detail {

#ifdef HEADSCOPE_WITH_CUDA_RUNTIME

namespace {

std::string versionText(int version) {  // 13020 -> "13.2"
    return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

std::string errorText(cudaError_t error) {
    return std::string(cudaGetErrorString(error)) + " (" + cudaGetErrorName(error) + ")";
}

}  // namespace

CudaRuntimeView queryCudaRuntime() {
    CudaRuntimeView view;
    int driver = 0;
    if (cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0) {
        view.unavailableReason = "no NVIDIA driver is installed (the CUDA runtime found no libcuda)";
        return view;
    }
    view.driverVersion = versionText(driver);
    int count = 0;
    const cudaError_t countError = cudaGetDeviceCount(&count);
    if (countError != cudaSuccess) {
        view.unavailableReason = "the CUDA runtime found no usable device: " + errorText(countError);
        cudaGetLastError();  // clears the sticky error so later calls start clean
        return view;
    }
    int previous = 0;
    const bool restore = cudaGetDevice(&previous) == cudaSuccess;
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
        CudaDevice device;
        device.index = i;
        device.name = prop.name;
        device.computeMajor = prop.major;
        device.computeMinor = prop.minor;
        device.totalBytes = static_cast<int64_t>(prop.totalGlobalMem);
        size_t freeBytes = 0, totalBytes = 0;
        device.freeBytes = cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess
                               ? static_cast<int64_t>(freeBytes)
                               : -1;
        view.devices.push_back(device);
    }
    if (restore) cudaSetDevice(previous);
    cudaGetLastError();
    if (view.devices.empty()) view.unavailableReason = "the CUDA runtime reports no device";
    return view;
}

#else

CudaRuntimeView queryCudaRuntime() {
    CudaRuntimeView view;
    view.unavailableReason = "this build of LibTorch has no CUDA backend";
    return view;
}

#endif

}  // namespace headscope::detail
