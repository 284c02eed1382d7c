// One loaded model: text model + mmproj (mtmd) + context + threadpool + greedy sampler.
// Plain C++ (no N-API): everything here runs on worker threads, except the cheap accessors,
// RequestAbort() (any thread) and the destructor.
#pragma once

#include <atomic>
#include <chrono>
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
    std::vector<unsigned char> rgb;  // width * height * 3 bytes, RGBRGB…; empty when `embedding` is given
    // The image's embedding from an earlier encode (imageTokens × embeddingLength floats): decoded as it is, so the
    // vision encoder does not run. Empty: encode the pixels.
    std::vector<float> embedding;
    bool keepEmbedding = false;  // hand the encoder's output back in GenerateResult::embedding
};

enum class StopReason { Eos, MaxTokens, Aborted };

// A position in the KV cache that holds an image embedding rather than a text token.
constexpr int32_t kImagePosition = -1;

// What the KV cache holds: one entry per position (a text token, or kImagePosition), and which frame's image.
// A first turn (Generate) replaces it; a follow-up (AppendTurn) extends it. Empty after a failed or aborted
// prompt, so a follow-up can only build on a conversation whose prompt was fully evaluated.
struct KvState {
    std::string frameKey;                // caller's id of the image in the cache ("" = none)
    std::vector<int32_t> positions;      // token per position; kImagePosition for image positions
    int32_t imageStart = -1;             // first image position (-1 = no image)
    int32_t imageEnd = -1;               // one past the last image position
    int32_t turns = 0;                   // user turns evaluated since the cache was cleared
    int32_t imageEncodes = 0;            // image encodes since the cache was cleared (1 per conversation)
};

struct GenerateResult {
    std::string text;
    StopReason stopReason = StopReason::MaxTokens;
    int32_t promptTokens = 0;
    int32_t generatedTokens = 0;
    double encodeMs = 0;            // image encode (vision tower + projector)
    double promptEvalMs = 0;        // decoding the prompt: text tokens and image embeddings
    double timeToFirstTokenMs = 0;  // start of generate → first token sampled (0 if stopped before)
    double decodeMs = 0;            // first generated token → end of generation
    int32_t reusedPositions = 0;    // KV positions kept from before this call (follow-ups)
    int32_t evaluatedTokens = 0;    // prompt positions evaluated by this call
    int32_t positions = 0;          // KV positions after this call
    int32_t imageEncodes = 0;       // image encodes done by this call (0 for a follow-up or a given embedding)
    bool usedEmbedding = false;     // the image came from ImageInput::embedding (no encode)
    std::vector<int32_t> tokens;    // the generated token ids (the end-of-turn token not included)
    std::vector<float> embedding;   // the encoder's output, when ImageInput::keepEmbedding asked for it
};

class Session {
public:
    // Throws AddonError.
    static std::unique_ptr<Session> Load(const LoadOptions & options);
    ~Session();

    Session(const Session &) = delete;
    Session & operator=(const Session &) = delete;

    // A first turn: one greedy generation from a cleared KV cache. `emit` receives complete UTF-8 text pieces
    // in order; their concatenation is result.text. `frameKey` names the image for later AppendTurn calls.
    // Throws AddonError.
    GenerateResult Generate(const std::string & prompt, const ImageInput * image, int32_t maxTokens,
                            const std::string & frameKey, const std::function<void(const std::string &)> & emit);

    // A follow-up: keeps the cache up to `fromPosition` (it must hold `frameKey`'s conversation), appends `text`
    // (tokenized without BOS, special tokens parsed) and generates. Positions already in the cache that equal the
    // new tokens are kept, so the image is never encoded again and an unchanged answer is not decoded again.
    // Throws AddonError (MTMD_STATE when the cache holds something else, MTMD_CONTEXT_FULL when it would overflow).
    GenerateResult AppendTurn(const std::string & text, int32_t fromPosition, int32_t maxTokens,
                              const std::string & frameKey, const std::function<void(const std::string &)> & emit);

    // Encodes one image (pixels) and returns the encoder's output in result.embedding (imageTokens × embeddingLength
    // floats), result.encodeMs and imageEncodes 1. Leaves the KV cache and its conversation as they are (the text model
    // does not run), so a follow-up on the kept conversation still continues where it was. Cannot be interrupted.
    // Throws AddonError.
    GenerateResult EncodeImage(const ImageInput & image);

    // Tokenizes a prompt as Generate would (BOS added, image positions as kImagePosition). Not during a generation.
    std::vector<int32_t> Tokenize(const std::string & prompt, bool withImage) const;

    const KvState & kvState() const { return kv_; }

    void RequestAbort() { abort_.store(true); }
    void ClearAbort() { abort_.store(false); }
    bool AbortRequested() const { return abort_.load(); }

    int32_t imageSize() const { return imageSize_; }
    int32_t imageTokens() const { return imageTokens_; }
    int32_t embeddingLength() const { return embeddingLength_; }  // floats per image token (the text model's input width)
    int32_t trainContextSize() const { return trainContextSize_; }
    uint32_t contextSize() const { return contextSize_; }
    uint32_t batchSize() const { return batchSize_; }
    const std::string & description() const { return description_; }
    const std::string & projectorType() const { return projectorType_; }

private:
    Session() = default;
    static bool AbortCallback(void * data);
    void EvalPrompt(const void * chunks, const ImageInput * image, GenerateResult & result, int32_t & nPast, bool & aborted);
    bool DecodeTokens(const int32_t * tokens, int32_t count, int32_t & nPast, bool wantLogits);
    void GenerateTokens(GenerateResult & result, int32_t nPast, int32_t maxTokens, std::chrono::steady_clock::time_point start,
                        const std::function<void(const std::string &)> & emit);
    std::vector<int32_t> TokenizeText(const std::string & text, bool addSpecial) const;
    std::string TokenPiece(int32_t token) const;

    llama_model * model_ = nullptr;
    llama_context * ctx_ = nullptr;
    mtmd_context * mtmd_ = nullptr;
    llama_sampler * sampler_ = nullptr;
    ggml_threadpool * threadpool_ = nullptr;
    void (*threadpoolFree_)(ggml_threadpool *) = nullptr;

    std::atomic<bool> abort_{false};
    KvState kv_;

    int32_t imageSize_ = 0;
    int32_t imageTokens_ = 0;
    int32_t embeddingLength_ = 0;
    int32_t trainContextSize_ = 0;
    uint32_t contextSize_ = 0;
    uint32_t batchSize_ = 0;
    std::string description_;
    std::string projectorType_;
};

}  // namespace mtmd_addon
