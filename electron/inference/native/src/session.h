// One loaded model: text model + mmproj (mtmd) + context + threadpool + greedy sampler.
// Plain C++ (no N-API): everything here runs on worker threads, except the cheap accessors,
// RequestAbort() (any thread) and the destructor.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct llama_model;
struct llama_context;
struct llama_sampler;
struct mtmd_context;
struct ggml_threadpool;

namespace mtmd_addon {

// An error with a stable code for the JS side (err.code).
class AddonError : public std::runtime_error {
public:
    AddonError(std::string code, const std::string & message) : std::runtime_error(message), code_(std::move(code)) {}
    const std::string & code() const { return code_; }

private:
    std::string code_;
};

struct LoadOptions {
    std::string modelPath;
    std::string mmprojPath;
    uint32_t contextSize = 4096;
    uint32_t batchSize = 512;
    int32_t threads = 1;
    int32_t gpuLayers = 0;
    bool useGpuForVision = false;
};

struct ImageInput {
    uint32_t width = 0;
    uint32_t height = 0;
    std::vector<unsigned char> rgb;  // width * height * 3 bytes, RGBRGB…
};

enum class StopReason { Eos, MaxTokens, Aborted };

struct GenerateResult {
    std::string text;
    StopReason stopReason = StopReason::MaxTokens;
    int32_t promptTokens = 0;
    int32_t generatedTokens = 0;
    double encodeMs = 0;            // image encode (vision tower + projector)
    double promptEvalMs = 0;        // decoding the prompt: text tokens and image embeddings
    double timeToFirstTokenMs = 0;  // start of generate → first token sampled (0 if stopped before)
    double decodeMs = 0;            // first generated token → end of generation
};

class Session {
public:
    // Throws AddonError.
    static std::unique_ptr<Session> Load(const LoadOptions & options);
    ~Session();

    Session(const Session &) = delete;
    Session & operator=(const Session &) = delete;

    // Runs one greedy generation from a cleared KV cache. `emit` receives complete UTF-8 text pieces in
    // order; their concatenation is result.text. Throws AddonError.
    GenerateResult Generate(const std::string & prompt, const ImageInput * image, int32_t maxTokens,
                            const std::function<void(const std::string &)> & emit);

    void RequestAbort() { abort_.store(true); }
    void ClearAbort() { abort_.store(false); }
    bool AbortRequested() const { return abort_.load(); }

    int32_t imageSize() const { return imageSize_; }
    int32_t imageTokens() const { return imageTokens_; }
    int32_t trainContextSize() const { return trainContextSize_; }
    uint32_t contextSize() const { return contextSize_; }
    uint32_t batchSize() const { return batchSize_; }
    const std::string & description() const { return description_; }
    const std::string & projectorType() const { return projectorType_; }

private:
    Session() = default;
    static bool AbortCallback(void * data);
    void EvalPrompt(const void * chunks, GenerateResult & result, int32_t & nPast, bool & aborted);
    std::string TokenPiece(int32_t token) const;

    llama_model * model_ = nullptr;
    llama_context * ctx_ = nullptr;
    mtmd_context * mtmd_ = nullptr;
    llama_sampler * sampler_ = nullptr;
    ggml_threadpool * threadpool_ = nullptr;
    void (*threadpoolFree_)(ggml_threadpool *) = nullptr;

    std::atomic<bool> abort_{false};

    int32_t imageSize_ = 0;
    int32_t imageTokens_ = 0;
    int32_t trainContextSize_ = 0;
    uint32_t contextSize_ = 0;
    uint32_t batchSize_ = 0;
    std::string description_;
    std::string projectorType_;
};

}  // namespace mtmd_addon
