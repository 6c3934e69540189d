// The safetensors reader on a whole file: the input is written to a file and opened as SafetensorsFile and as
// a WeightStore, and every tensor is looked up and converted.
#include "fuzz_support.h"
#include "headscope/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace headscope;
    const std::string path = fuzz::writeScratchFile("model.safetensors", data, size);
    fuzz::runExpectingErrors(path, [&] {
        const SafetensorsFile file(path);
        (void)file.metadata();
        for (const TensorView& view : file.tensors()) {
            if (file.find(view.name) != &view) std::abort();
            (void)view.numel();
            (void)toFloatVector(view);
            try {
                (void)toInt64Vector(view);
            } catch (const InvalidInputError&) {
                // a floating tensor has no integer values: the documented answer
            }
        }
    });
    fuzz::runExpectingErrors(path, [&] {
        const WeightStore store(path);
        for (const std::string& name : store.names())
            if (!store.find(name)) std::abort();
        (void)store.totalBytes();
    });
    return 0;
}
