#include "models/weight_loader.h"

#include <set>
#include <sstream>

#include "headscope/error.h"

namespace headscope::models {

namespace {

torch::ScalarType scalarTypeOf(const TensorView& view) {
    switch (view.dtype) {
        case DType::F64: return torch::kFloat64;
        case DType::F32: return torch::kFloat32;
        case DType::F16: return torch::kFloat16;
        case DType::BF16: return torch::kBFloat16;
        case DType::I64: return torch::kInt64;
        case DType::I32: return torch::kInt32;
        case DType::I16: return torch::kInt16;
        case DType::I8: return torch::kInt8;
        case DType::U8: return torch::kUInt8;
        case DType::Bool: return torch::kBool;
    }
    throw Error("tensor '" + view.name + "': unsupported dtype");
}

std::string shapeText(c10::IntArrayRef shape) {
    std::ostringstream out;
    out << "[";
    for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
    out << "]";
    return out.str();
}

}  // namespace

torch::Tensor tensorFromView(const TensorView& view, const torch::Device& device, torch::ScalarType dtype) {
    auto source = torch::from_blob(const_cast<uint8_t*>(view.data), view.shape,
                                   torch::TensorOptions().dtype(scalarTypeOf(view)));
    return source.to(torch::TensorOptions().device(device).dtype(dtype), /*non_blocking=*/false, /*copy=*/true);
}

LoadReport loadParameters(torch::nn::Module& module, const WeightStore& store, const NameCandidates& candidates,
                          const torch::Device& device, torch::ScalarType dtype, const ProgressCallback& progress) {
    torch::NoGradGuard noGrad;
    LoadReport report;
    std::set<std::string> used;
    auto parameters = module.named_parameters(/*recurse=*/true);
    size_t done = 0;
    for (auto& item : parameters) {
        const std::string& name = item.key();
        torch::Tensor& parameter = item.value();
        const TensorView* view = nullptr;
        std::vector<std::string> tried = candidates(name);
        for (const std::string& candidate : tried)
            if ((view = store.find(candidate))) break;
        if (!view) {
            std::string names;
            for (const auto& t : tried) names += (names.empty() ? "'" : ", '") + t + "'";
            throw InvalidInputError("checkpoint is missing tensor " + names + " (expected shape " +
                                    shapeText(parameter.sizes()) + ")");
        }
        if (c10::IntArrayRef(view->shape) != parameter.sizes())
            throw InvalidInputError("checkpoint tensor '" + view->name + "' has shape " + shapeText(view->shape) +
                                    " but the config implies " + shapeText(parameter.sizes()));
        if (view->dtype != DType::F32 && view->dtype != DType::F16 && view->dtype != DType::BF16 &&
            view->dtype != DType::F64)
            throw InvalidInputError("checkpoint tensor '" + view->name + "' has dtype " + dtypeName(view->dtype) +
                                    "; weights must be floating point");
        parameter.set_data(tensorFromView(*view, device, dtype));
        // Loaded anyway (a researcher may want to see what such a model does), but never silently.
        if (!torch::isfinite(parameter).all().item<bool>()) report.nonFiniteTensors.push_back(view->name);
        used.insert(view->name);
        report.parameterCount += parameter.numel();
        report.parameterBytes += parameter.numel() * static_cast<int64_t>(parameter.element_size());
        if (progress) progress(static_cast<double>(++done) / static_cast<double>(parameters.size()), "weights");
    }
    for (const std::string& name : store.names())
        if (!used.count(name)) report.unusedTensors.push_back(name);
    return report;
}

}  // namespace headscope::models
