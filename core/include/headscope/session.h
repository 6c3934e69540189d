// A loaded model and everything needed to run it: the public entry point of the engine. Plain C++ only;
// LibTorch stays behind the pimpl.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <exception>
#include <string>
#include <vector>

#include "headscope/array.h"
#include "headscope/config.h"
#include "headscope/image.h"
#include "headscope/tokenizer.h"

namespace headscope {

enum class DeviceChoice { Auto, Cpu, Cuda };
enum class DTypeChoice { Auto, Float32, BFloat16, Float16 };
// How the decoder computes attention when no statistic needs its probabilities. Fused is LibTorch 2.x's
// scaled_dot_product_attention; eager (softmax of explicit scores, in query chunks) is the reference and
// always serves the analyses that read attention weights.
enum class AttentionChoice { Auto, Fused, Eager };

bool parseDeviceChoice(const std::string& text, DeviceChoice* out);  // "auto", "cpu", "cuda"
bool parseDTypeChoice(const std::string& text, DTypeChoice* out);    // "auto", "fp32", "bf16", "fp16"
bool parseAttentionChoice(const std::string& text, AttentionChoice* out);  // "auto", "fused", "eager"

struct LoadOptions {
    DeviceChoice device = DeviceChoice::Auto;  // Auto: CUDA when present, else CPU
    DTypeChoice dtype = DTypeChoice::Auto;     // Auto: bf16 on CUDA, fp32 on CPU
    int threads = 0;                           // CPU threads for LibTorch; 0 = one per core
    AttentionChoice attention = AttentionChoice::Auto;  // Auto: fused where this LibTorch has it
};

struct ModelInfo {
    std::string folder;
    std::string name;  // the folder's name
    ModelConfig config;
    std::string configHash;  // FNV-1a 64 of config.json's bytes, hex: tells copies of one model from others
    std::string device;  // "cpu", "cuda:0"
    std::string dtype;   // "float32", "bfloat16", "float16"
    std::string attention;  // "fused" or "eager": the path of runs that read no attention weights
    int threads = 0;
    int64_t parameterCount = 0;
    int64_t parameterBytes = 0;                // in the compute dtype, on the device
    int64_t residentBytesAfterLoad = -1;       // the process's resident memory once loaded (-1: unknown)
    int64_t deviceBytesAfterLoad = -1;         // on CUDA: memory LibTorch holds on the device once loaded
    std::vector<std::string> unusedTensors;    // present in the checkpoint, read by no module
    std::vector<std::string> nonFiniteTensors;  // weights holding NaN or infinity in the compute dtype
};

// A prompt ready to run: token ids with the image pad expanded, the processed image and M-RoPE positions.
struct PreparedInput {
    std::vector<int64_t> inputIds;
    std::optional<ProcessedImage> image;
    Int64Array positionIds;  // [3, N] (t, h, w); all three equal for families with plain RoPE
    int64_t ropeDelta = 0;   // position of token N is N + ropeDelta on every axis
    bool multimodalRope = false;  // positions and the image grid are Qwen's M-RoPE ones (written by `dump`)
};

struct PrefillOutput {
    FloatArray lastLogits;     // [vocab] at the last prompt token
    FloatArray leadingLogits;  // [N, k]: logits of vocab ids 0..k-1 at every prompt position
};

struct SamplingOptions {
    bool doSample = false;  // false: greedy (argmax)
    double temperature = 1.0;
    int64_t topK = 0;  // 0 = off
    double topP = 1.0;
    uint64_t seed = 0;
};

struct GenerationOptions {
    int64_t maxNewTokens = 256;
    SamplingOptions sampling;
    std::vector<int64_t> stopTokenIds;  // empty: the model's eos ids
};

struct GenerationResult {
    std::vector<int64_t> ids;  // generated ids, the stop token included when one ended the run
    std::string text;          // decoded, special tokens dropped
    std::vector<float> logprobs;  // log p of each generated id under the unmodified distribution
    bool stoppedAtEos = false;
    bool cancelled = false;
    int64_t promptTokens = 0;
    double prefillSeconds = 0;  // vision tower + prompt
    double decodeSeconds = 0;
};

// Called once per generated id with the text it completed (may be empty mid-character).
using TokenCallback = std::function<void(int64_t id, const std::string& textPiece)>;
// Reports loading progress in [0, 1] with a short label.
using ProgressCallback = std::function<void(double fraction, const std::string& stage)>;

class Session {
public:
    // Loads a Hugging Face model folder (config.json, weights, tokenizer, preprocessor config). Throws Error
    // with a message naming the file, field or tensor at fault.
    static std::unique_ptr<Session> load(const std::string& folder, const LoadOptions& options = {},
                                         const ProgressCallback& progress = {});
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const ModelInfo& info() const;
    const ModelConfig& config() const;
    const Tokenizer& tokenizer() const;
    const ImageProcessorConfig& imageProcessorConfig() const;  // Qwen2-VL / Qwen2.5-VL
    const ClipProcessorConfig& clipProcessorConfig() const;    // LLaVA
    const GenerationDefaults& generationDefaults() const;

    // Builds the model input for one user turn in the model's chat format. With an image: preprocesses it;
    // `pixels` instead lets a caller supply already processed pixel values (parity checks): Qwen's patch rows
    // with their grid, or LLaVA's [1, 3, size, size] (the grid is then ignored). Throws InvalidInputError for an empty
    // prompt or one that does not fit the context.
    PreparedInput prepare(const ChatPrompt& prompt, const RgbImage* image) const;
    PreparedInput prepareWithPixels(const ChatPrompt& prompt, ProcessedImage pixels) const;

    // One forward pass over the prompt.
    PrefillOutput prefill(const PreparedInput& input, int64_t leadingVocabColumns = 8) const;

    // Generates up to maxNewTokens. `cancel`, when set by another thread, ends the run after the current
    // token; the result then holds what was generated so far and cancelled = true.
    GenerationResult generate(const PreparedInput& input, const GenerationOptions& options,
                              const TokenCallback& onToken = {},
                              const std::atomic<bool>* cancel = nullptr) const;

    // Internal state (the LibTorch model), shared with core's own analyses.
    struct Impl;
    Impl& impl() const { return *impl_; }

private:
    explicit Session(std::unique_ptr<Impl> impl);
    PrefillOutput prefillUnchecked(const PreparedInput& input, int64_t leadingVocabColumns) const;
    PreparedInput prepareQwenPixels(const ChatPrompt& prompt, ProcessedImage pixels) const;
    PreparedInput prepareLlavaPixels(const ChatPrompt& prompt, ProcessedImage pixels) const;
    std::unique_ptr<Impl> impl_;
};

// How the model will see an image of width x height: the size after resizing (and cropping), the grid of
// image tokens and their number. Plain arithmetic, callable from any thread.
struct ImageInputShape {
    int64_t width = 0;
    int64_t height = 0;
    int64_t gridWidth = 0;   // image tokens per row
    int64_t gridHeight = 0;  // rows of image tokens
    int64_t tokens = 0;
};
ImageInputShape imageInputShape(const ModelConfig& config, const ImageProcessorConfig& qwen,
                                const ClipProcessorConfig& clip, int64_t width, int64_t height);

// Sets LibTorch's CPU thread count for every session of the process (0 = one per core); returns the count
// in effect. Throws InvalidInputError beyond kMaxComputeThreads (each thread is an OS thread and a stack).
constexpr int kMaxComputeThreads = 1024;
int setComputeThreads(int threads);

// The sentence to show a user for any exception from core. Core's public calls report headscope::Error; a
// LibTorch error that escapes one anyway loses its C++ backtrace here, which helps no user.
std::string userMessage(const std::exception& error);

// Multimodal RoPE positions (t, h, w) for a sequence with image pad runs, as transformers' get_rope_index
// computes them: text counts up on all three axes; an image block takes (0, row, col) offsets from the
// position after the preceding text; text after it continues from the largest position + 1.
// Returns [3, N] and writes the delta (max + 1 - N) used for generated tokens.
Int64Array computeMropePositions(const std::vector<int64_t>& inputIds, const std::vector<GridTHW>& grids,
                                 int64_t imageTokenId, int64_t spatialMergeSize, int64_t* ropeDelta);

}  // namespace headscope
