#include "device.h"

#include <thread>

#include "headscope/error.h"
#include "headscope/platform.h"

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 8)
#include <ATen/DeviceAccelerator.h>
#define HEADSCOPE_DEVICE_ALLOCATOR_STATS 1
#endif

namespace headscope {

bool parseDeviceChoice(const std::string& text, DeviceChoice* out) {
    if (text == "auto") *out = DeviceChoice::Auto;
    else if (text == "cpu") *out = DeviceChoice::Cpu;
    else if (text == "cuda" || text == "gpu") *out = DeviceChoice::Cuda;
    else return false;
    return true;
}

bool parseDTypeChoice(const std::string& text, DTypeChoice* out) {
    if (text == "auto") *out = DTypeChoice::Auto;
    else if (text == "fp32" || text == "float32") *out = DTypeChoice::Float32;
    else if (text == "bf16" || text == "bfloat16") *out = DTypeChoice::BFloat16;
    else if (text == "fp16" || text == "float16") *out = DTypeChoice::Float16;
    else return false;
    return true;
}

bool parseAttentionChoice(const std::string& text, AttentionChoice* out) {
    if (text == "auto") *out = AttentionChoice::Auto;
    else if (text == "fused" || text == "sdpa") *out = AttentionChoice::Fused;
    else if (text == "eager") *out = AttentionChoice::Eager;
    else return false;
    return true;
}

int setComputeThreads(int threads) { return detail::configureThreads(threads); }

namespace detail {

Placement choosePlacement(const LoadOptions& options) {
    Placement p;
    const bool cudaPresent = torch::cuda::is_available();
    if (options.device == DeviceChoice::Cuda && !cudaPresent) {
        const PlatformReport found = platformReport();
        std::string what = "LibTorch " + found.torchRuntimeVersion;
        what += found.cudaCompiled ? " with CUDA " + found.cudaBuildVersion + " compiled in" : " without CUDA";
        if (found.cudaCompiled)
            what += found.cudaDriverVersion.empty() ? ", no NVIDIA driver"
                                                    : ", an NVIDIA driver for CUDA " + found.cudaDriverVersion;
        throw InvalidInputError("CUDA was requested but no CUDA device is available: " + found.cudaUnavailableReason +
                                " (found " + what + "); use --device cpu or auto");
    }
    const bool useCuda = options.device == DeviceChoice::Cuda || (options.device == DeviceChoice::Auto && cudaPresent);
    p.device = useCuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    switch (options.dtype) {
        case DTypeChoice::Auto: p.dtype = useCuda ? torch::kBFloat16 : torch::kFloat32; break;
        case DTypeChoice::Float32: p.dtype = torch::kFloat32; break;
        case DTypeChoice::BFloat16: p.dtype = torch::kBFloat16; break;
        case DTypeChoice::Float16: p.dtype = torch::kFloat16; break;
    }
    if (!useCuda && p.dtype == torch::kFloat16)
        throw InvalidInputError("fp16 needs a CUDA device (LibTorch has no fp16 matrix products on CPU); "
                                "on CPU use fp32 or bf16");
    return p;
}

bool chooseFusedAttention(AttentionChoice choice) {
    if (choice == AttentionChoice::Fused && !HEADSCOPE_FUSED_ATTENTION)
        throw InvalidInputError("fused attention needs LibTorch 2.5 or later; this build has LibTorch " +
                                std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR));
    return choice != AttentionChoice::Eager && HEADSCOPE_FUSED_ATTENTION;
}

void synchronize(const torch::Device& device) {
    if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

int64_t deviceBytesAllocated(const torch::Device& device) {
#ifdef HEADSCOPE_DEVICE_ALLOCATOR_STATS
    if (device.is_cuda()) {
        const auto stats = at::getDeviceAllocator(c10::kCUDA)->getDeviceStats(device.index());
        return stats.allocated_bytes[0].current;  // [0]: the aggregate over pool kinds
    }
#endif
    return -1;
}

int configureThreads(int requested) {
    if (requested < 0 || requested > kMaxComputeThreads)
        throw InvalidInputError("thread count " + std::to_string(requested) + " is outside 0 (one per core) to " +
                                std::to_string(kMaxComputeThreads));
    int threads = requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
    if (threads <= 0) threads = 1;
    torch::set_num_threads(threads);
    return torch::get_num_threads();
}

std::string deviceLabel(const torch::Device& device) { return device.str(); }

std::string dtypeLabel(torch::ScalarType dtype) {
    switch (dtype) {
        case torch::kFloat32: return "float32";
        case torch::kBFloat16: return "bfloat16";
        case torch::kFloat16: return "float16";
        default: return c10::toString(dtype);
    }
}

}  // namespace detail
}  // namespace headscope
