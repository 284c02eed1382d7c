#include "session.h"

#include "mtmd-log.h"
#include "utf8.h"

#include "ggml-backend.h"
#include "ggml.h"
#include "gguf.h"
#include "llama.h"
#include "mtmd.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace mtmd_addon {

namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The files are checked before llama.cpp sees them: llama.cpp and clip report problems only in logs.
void CheckGgufFile(const std::string & path, const char * what) {
    if (path.empty()) {
        throw AddonError("MTMD_FILE", std::string("No path was given for the ") + what + ".");
    }
    std::error_code ec;
    const std::filesystem::path fsPath = std::filesystem::u8path(path);
    const auto status = std::filesystem::status(fsPath, ec);
    if (ec || !std::filesystem::exists(status)) {
        throw AddonError("MTMD_FILE", std::string("The ") + what + " file does not exist: " + path);
    }
    if (!std::filesystem::is_regular_file(status)) {
        throw AddonError("MTMD_FILE", std::string("The ") + what + " path is not a regular file: " + path);
    }
    std::ifstream in(fsPath, std::ios::binary);
    char magic[4] = {0, 0, 0, 0};
    if (!in.good()) {
        throw AddonError("MTMD_FILE", std::string("The ") + what + " file cannot be opened for reading: " + path);
    }
    in.read(magic, 4);
    if (in.gcount() != 4 || std::memcmp(magic, "GGUF", 4) != 0) {
        throw AddonError("MTMD_FILE", std::string("The ") + what + " file is not a GGUF file: " + path);
    }
}

struct MmprojInfo {
    int32_t imageSize = 0;
    std::string projectorType;
};

MmprojInfo ReadMmprojInfo(const std::string & path) {
    gguf_init_params params{};
    params.no_alloc = true;
    params.ctx = nullptr;
    gguf_context * gguf = gguf_init_from_file(path.c_str(), params);
    if (gguf == nullptr) {
        throw AddonError("MTMD_MMPROJ_LOAD",
                         "The vision projector (mmproj) could not be loaded: its GGUF header is unreadable: " + path);
    }
    MmprojInfo info;
    const int64_t sizeKey = gguf_find_key(gguf, "clip.vision.image_size");
    if (sizeKey >= 0 && gguf_get_kv_type(gguf, sizeKey) == GGUF_TYPE_UINT32) {
        info.imageSize = static_cast<int32_t>(gguf_get_val_u32(gguf, sizeKey));
    } else if (sizeKey >= 0 && gguf_get_kv_type(gguf, sizeKey) == GGUF_TYPE_INT32) {
        info.imageSize = gguf_get_val_i32(gguf, sizeKey);
    }
    for (const char * key : {"clip.projector_type", "clip.vision.projector_type"}) {
        const int64_t id = gguf_find_key(gguf, key);
        if (id >= 0 && gguf_get_kv_type(gguf, id) == GGUF_TYPE_STRING) {
            info.projectorType = gguf_get_val_str(gguf, id);
            break;
        }
    }
    const int64_t archKey = gguf_find_key(gguf, "general.architecture");
    const std::string arch = archKey >= 0 && gguf_get_kv_type(gguf, archKey) == GGUF_TYPE_STRING
                                 ? gguf_get_val_str(gguf, archKey)
                                 : "";
    gguf_free(gguf);
    if (arch != "clip") {
        throw AddonError("MTMD_MMPROJ_LOAD",
                         "The vision projector (mmproj) could not be loaded: " + path +
                             " is not an mmproj file (general.architecture is '" + arch + "', expected 'clip').");
    }
    if (info.imageSize <= 0) {
        throw AddonError("MTMD_MMPROJ_LOAD", "The vision projector (mmproj) could not be loaded: " + path +
                                                 " has no vision encoder (clip.vision.image_size is missing).");
    }
    return info;
}

struct ChunksDeleter {
    void operator()(mtmd_input_chunks * chunks) const { mtmd_input_chunks_free(chunks); }
};
using ChunksPtr = std::unique_ptr<mtmd_input_chunks, ChunksDeleter>;

struct BitmapDeleter {
    void operator()(mtmd_bitmap * bitmap) const { mtmd_bitmap_free(bitmap); }
};
using BitmapPtr = std::unique_ptr<mtmd_bitmap, BitmapDeleter>;

struct BatchDeleter {
    void operator()(llama_batch * batch) const {
        llama_batch_free(*batch);
        delete batch;
    }
};
using BatchPtr = std::unique_ptr<llama_batch, BatchDeleter>;

BatchPtr MakeTokenBatch(int32_t capacity) { return BatchPtr(new llama_batch(llama_batch_init(capacity, 0, 1))); }

// Restores causal attention however the image decode ends.
class NonCausalScope {
public:
    NonCausalScope(llama_context * ctx, bool enabled) : ctx_(ctx), enabled_(enabled) {
        if (enabled_) llama_set_causal_attn(ctx_, false);
    }
    ~NonCausalScope() {
        if (enabled_) llama_set_causal_attn(ctx_, true);
    }

private:
    llama_context * ctx_;
    bool enabled_;
};

// Installs llama's abort callback for a scope.
class AbortCallbackScope {
public:
    AbortCallbackScope(llama_context * ctx, ggml_abort_callback callback, void * data) : ctx_(ctx) {
        llama_set_abort_callback(ctx_, callback, data);
    }
    ~AbortCallbackScope() { llama_set_abort_callback(ctx_, nullptr, nullptr); }

private:
    llama_context * ctx_;
};

[[noreturn]] void ThrowDecodeError(int32_t rc, const char * what) {
    throw AddonError("MTMD_DECODE",
                     std::string("llama_decode failed while decoding ") + what + " (code " + std::to_string(rc) +
                         (rc == 1 ? ": no room left in the context" : "") + ").");
}

}  // namespace

std::unique_ptr<Session> Session::Load(const LoadOptions & options) {
    InstallMtmdLogger();

    if (options.threads < 1) throw AddonError("MTMD_BAD_INPUT", "threads must be at least 1.");
    CheckGgufFile(options.modelPath, "text model");
    CheckGgufFile(options.mmprojPath, "vision projector (mmproj)");

    if (ggml_backend_dev_count() == 0 || ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) == nullptr) {
        throw AddonError("MTMD_NO_BACKEND",
                         "No ggml CPU backend is registered in the libllama this addon is bound to. Call "
                         "node-llama-cpp's getLlama() before loading the addon, and load the addon build that "
                         "matches the variant node-llama-cpp loaded (llama.gpu).");
    }

    const MmprojInfo mmprojInfo = ReadMmprojInfo(options.mmprojPath);

    std::unique_ptr<Session> session(new Session());
    session->imageSize_ = mmprojInfo.imageSize;
    session->projectorType_ = mmprojInfo.projectorType;

    llama_model_params modelParams = llama_model_default_params();
    modelParams.n_gpu_layers = options.gpuLayers;
    session->model_ = llama_model_load_from_file(options.modelPath.c_str(), modelParams);
    if (session->model_ == nullptr) {
        throw AddonError("MTMD_MODEL_LOAD", "The text model could not be loaded: " + options.modelPath +
                                                " (llama.cpp rejected it; its log has the reason).");
    }

    char desc[256] = {0};
    llama_model_desc(session->model_, desc, sizeof(desc));
    session->description_ = desc;
    session->trainContextSize_ = llama_model_n_ctx_train(session->model_);

    mtmd_context_params mtmdParams = mtmd_context_params_default();
    mtmdParams.use_gpu = options.useGpuForVision;
    mtmdParams.n_threads = options.threads;
    mtmdParams.print_timings = false;
    mtmdParams.warmup = true;  // reserves the vision graph now, so a missing backend op fails at load
    {
        MtmdErrorCapture capture;
        session->mtmd_ = mtmd_init_from_file(options.mmprojPath.c_str(), session->model_, mtmdParams);
        if (session->mtmd_ == nullptr) {
            std::string cause = capture.Text();
            if (cause.empty()) cause = "unknown error (see stderr)";
            throw AddonError("MTMD_MMPROJ_LOAD", "The vision projector (mmproj) could not be loaded: " + cause);
        }
    }
    if (!mtmd_support_vision(session->mtmd_)) {
        throw AddonError("MTMD_MMPROJ_LOAD",
                         "The vision projector (mmproj) could not be loaded: it has no vision encoder.");
    }
    if (mtmd_decode_use_mrope(session->mtmd_)) {
        throw AddonError("MTMD_UNSUPPORTED", "This model uses M-RoPE image positions, which this addon does not "
                                             "implement (it supports Gemma 3-style projectors).");
    }

    // Tokens per image: tokenize the marker with a placeholder bitmap of the projector's size.
    {
        BitmapPtr placeholder(mtmd_bitmap_init(static_cast<uint32_t>(session->imageSize_),
                                               static_cast<uint32_t>(session->imageSize_), nullptr));
        ChunksPtr chunks(mtmd_input_chunks_init());
        const char * marker = mtmd_default_marker();
        mtmd_input_text text{marker, std::strlen(marker), false, true};
        const mtmd_bitmap * bitmaps[] = {placeholder.get()};
        if (placeholder == nullptr || mtmd_tokenize(session->mtmd_, chunks.get(), &text, bitmaps, 1) != 0) {
            throw AddonError("MTMD_MMPROJ_LOAD", "The vision projector (mmproj) loaded, but an image of " +
                                                     std::to_string(session->imageSize_) +
                                                     " px could not be tokenized.");
        }
        for (size_t i = 0; i < mtmd_input_chunks_size(chunks.get()); ++i) {
            const mtmd_input_chunk * chunk = mtmd_input_chunks_get(chunks.get(), i);
            if (mtmd_input_chunk_get_type(chunk) == MTMD_INPUT_CHUNK_TYPE_IMAGE) {
                session->imageTokens_ += static_cast<int32_t>(mtmd_input_chunk_get_n_tokens(chunk));
            }
        }
    }

    // n_batch = n_ubatch >= 256 and >= the image's tokens, so an image decodes in one ubatch
    // (Gemma 3 attends non-causally inside the image; a split would silently change the result).
    const uint32_t batch = std::max<uint32_t>({options.batchSize, 256u, static_cast<uint32_t>(session->imageTokens_)});
    llama_context_params ctxParams = llama_context_default_params();
    ctxParams.n_ctx = options.contextSize;
    ctxParams.n_batch = batch;
    ctxParams.n_ubatch = batch;
    ctxParams.n_seq_max = 1;
    ctxParams.n_threads = options.threads;
    ctxParams.n_threads_batch = options.threads;
    ctxParams.no_perf = true;
    // A full-size cache for the sliding-window layers too: a follow-up cuts the cache back to where the new turn
    // starts (llama_memory_seq_rm), which a pruned sliding-window cache cannot do exactly. Costs memory on the
    // real model (about 0.3 GB more at 4096 tokens), buys follow-ups without evaluating the image again.
    ctxParams.swa_full = true;
    session->ctx_ = llama_init_from_model(session->model_, ctxParams);
    if (session->ctx_ == nullptr) {
        throw AddonError("MTMD_CONTEXT", "Could not create a context of " + std::to_string(options.contextSize) +
                                             " tokens (batch " + std::to_string(batch) +
                                             "); try a smaller context or fewer GPU layers.");
    }
    session->contextSize_ = llama_n_ctx(session->ctx_);
    session->batchSize_ = llama_n_batch(session->ctx_);
    if (session->contextSize_ <= static_cast<uint32_t>(session->imageTokens_) + 8) {
        throw AddonError("MTMD_CONTEXT", "The context (" + std::to_string(session->contextSize_) +
                                             " tokens) is too small for an image of " +
                                             std::to_string(session->imageTokens_) + " tokens.");
    }

    // A persistent CPU threadpool with polling 0: without one, ggml creates and joins threads on every
    // graph; the default poll (50) keeps idle workers spinning against the vision encoder.
    if (ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU)) {
        ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(cpu);
        using NewFn = ggml_threadpool * (*)(ggml_threadpool_params *);
        using FreeFn = void (*)(ggml_threadpool *);
        auto newFn = reinterpret_cast<NewFn>(ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_new"));
        auto freeFn = reinterpret_cast<FreeFn>(ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_free"));
        if (newFn != nullptr && freeFn != nullptr) {
            ggml_threadpool_params tpParams = ggml_threadpool_params_default(options.threads);
            tpParams.poll = 0;
            session->threadpool_ = newFn(&tpParams);
            if (session->threadpool_ != nullptr) {
                session->threadpoolFree_ = freeFn;
                llama_attach_threadpool(session->ctx_, session->threadpool_, session->threadpool_);
            }
        }
    }

    session->sampler_ = llama_sampler_chain_init(llama_sampler_chain_default_params());
    llama_sampler_chain_add(session->sampler_, llama_sampler_init_greedy());

    return session;
}

Session::~Session() {
    if (sampler_ != nullptr) llama_sampler_free(sampler_);
    if (ctx_ != nullptr) {
        if (threadpool_ != nullptr) llama_detach_threadpool(ctx_);
        llama_free(ctx_);
    }
    if (threadpool_ != nullptr && threadpoolFree_ != nullptr) threadpoolFree_(threadpool_);
    if (mtmd_ != nullptr) mtmd_free(mtmd_);
    if (model_ != nullptr) llama_model_free(model_);
}

bool Session::AbortCallback(void * data) { return static_cast<Session *>(data)->abort_.load(std::memory_order_relaxed); }

std::string Session::TokenPiece(int32_t token) const {
    const llama_vocab * vocab = llama_model_get_vocab(model_);
    std::string piece(64, '\0');
    int32_t n = llama_token_to_piece(vocab, token, piece.data(), static_cast<int32_t>(piece.size()), 0, false);
    if (n < 0) {
        piece.resize(static_cast<size_t>(-n));
        n = llama_token_to_piece(vocab, token, piece.data(), static_cast<int32_t>(piece.size()), 0, false);
    }
    piece.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return piece;
}

void Session::EvalPrompt(const void * chunksPtr, GenerateResult & result, int32_t & nPast, bool & aborted) {
    const auto * chunks = static_cast<const mtmd_input_chunks *>(chunksPtr);
    const size_t nChunks = mtmd_input_chunks_size(chunks);
    const int32_t nBatch = static_cast<int32_t>(batchSize_);
    const int32_t nEmbd = llama_model_n_embd_inp(model_);
    BatchPtr textBatch = MakeTokenBatch(nBatch);
    double encodeMs = 0;
    const auto evalStart = Clock::now();

    for (size_t c = 0; c < nChunks; ++c) {
        const mtmd_input_chunk * chunk = mtmd_input_chunks_get(chunks, c);
        const bool lastChunk = c + 1 == nChunks;
        const auto type = mtmd_input_chunk_get_type(chunk);

        if (type == MTMD_INPUT_CHUNK_TYPE_TEXT) {
            size_t nTokens = 0;
            const llama_token * tokens = mtmd_input_chunk_get_tokens_text(chunk, &nTokens);
            for (size_t offset = 0; offset < nTokens; offset += static_cast<size_t>(nBatch)) {
                const int32_t count = static_cast<int32_t>(std::min<size_t>(nBatch, nTokens - offset));
                llama_batch & b = *textBatch;
                b.n_tokens = count;
                for (int32_t i = 0; i < count; ++i) {
                    b.token[i] = tokens[offset + i];
                    b.pos[i] = nPast + i;
                    b.n_seq_id[i] = 1;
                    b.seq_id[i][0] = 0;
                    b.logits[i] = false;
                }
                if (lastChunk && offset + count == nTokens) b.logits[count - 1] = true;
                const int32_t rc = llama_decode(ctx_, b);
                if (rc == 2 || AbortRequested()) {
                    aborted = true;
                    break;
                }
                if (rc != 0) ThrowDecodeError(rc, "the prompt");
                nPast += count;
            }
        } else if (type == MTMD_INPUT_CHUNK_TYPE_IMAGE) {
            if (AbortRequested()) {
                aborted = true;
                break;
            }
            // The encode cannot be interrupted (mtmd has no abort hook): an abort takes effect after it.
            const auto encodeStart = Clock::now();
            if (mtmd_encode_chunk(mtmd_, chunk) != 0) {
                throw AddonError("MTMD_ENCODE", "The image could not be encoded by the vision projector.");
            }
            encodeMs += MsSince(encodeStart);
            if (AbortRequested()) {
                aborted = true;
                break;
            }
            float * embd = mtmd_get_output_embd(mtmd_);
            const int32_t nTokens = static_cast<int32_t>(mtmd_input_chunk_get_n_tokens(chunk));
            std::vector<llama_pos> pos(nTokens);
            std::vector<int32_t> nSeqId(nTokens, 1);
            llama_seq_id seq0 = 0;
            std::vector<llama_seq_id *> seqIds(nTokens, &seq0);
            std::vector<int8_t> logits(nTokens, 0);
            for (int32_t i = 0; i < nTokens; ++i) pos[i] = nPast + i;
            if (lastChunk) logits[nTokens - 1] = 1;

            NonCausalScope nonCausal(ctx_, mtmd_decode_use_non_causal(mtmd_, chunk));
            for (int32_t offset = 0; offset < nTokens; offset += nBatch) {
                const int32_t count = std::min(nBatch, nTokens - offset);
                llama_batch b{};
                b.n_tokens = count;
                b.token = nullptr;
                b.embd = embd + static_cast<size_t>(offset) * static_cast<size_t>(nEmbd);
                b.pos = pos.data() + offset;
                b.n_seq_id = nSeqId.data() + offset;
                b.seq_id = seqIds.data() + offset;
                b.logits = logits.data() + offset;
                const int32_t rc = llama_decode(ctx_, b);
                if (rc == 2 || AbortRequested()) {
                    aborted = true;
                    break;
                }
                if (rc != 0) ThrowDecodeError(rc, "the image embeddings");
            }
            if (aborted) break;
            nPast += static_cast<int32_t>(mtmd_input_chunk_get_n_pos(chunk));
        } else {
            throw AddonError("MTMD_BAD_INPUT", "Only text and image input is supported.");
        }
        if (aborted) break;
    }
    result.encodeMs = encodeMs;
    result.promptEvalMs = MsSince(evalStart) - encodeMs;
}

namespace {

// Splits `prompt` at the media marker into chunks; with an image, a placeholder or real bitmap goes in its place.
ChunksPtr TokenizeChunks(mtmd_context * mtmd, const std::string & prompt, const mtmd_bitmap * bitmap) {
    ChunksPtr chunks(mtmd_input_chunks_init());
    mtmd_input_text text{prompt.c_str(), prompt.size(), /*add_special=*/true, /*parse_special=*/true};
    const mtmd_bitmap * bitmaps[] = {bitmap};
    const int32_t rc = mtmd_tokenize(mtmd, chunks.get(), &text, bitmap ? bitmaps : nullptr, bitmap ? 1 : 0);
    if (rc == 1) {
        throw AddonError("MTMD_BAD_INPUT", std::string("The prompt must contain the media marker ") +
                                               mtmd_default_marker() + " once per image.");
    }
    if (rc != 0) throw AddonError("MTMD_BAD_INPUT", "The image could not be preprocessed (mtmd_tokenize " +
                                                        std::to_string(rc) + ").");
    return chunks;
}

// One entry per KV position: the text token, or kImagePosition for an image's positions.
std::vector<int32_t> ChunkPositions(const mtmd_input_chunks * chunks, int32_t * imageStart, int32_t * imageEnd) {
    std::vector<int32_t> out;
    for (size_t i = 0; i < mtmd_input_chunks_size(chunks); ++i) {
        const mtmd_input_chunk * chunk = mtmd_input_chunks_get(chunks, i);
        if (mtmd_input_chunk_get_type(chunk) == MTMD_INPUT_CHUNK_TYPE_TEXT) {
            size_t n = 0;
            const llama_token * tokens = mtmd_input_chunk_get_tokens_text(chunk, &n);
            out.insert(out.end(), tokens, tokens + n);
        } else {
            if (imageStart != nullptr && *imageStart < 0) *imageStart = static_cast<int32_t>(out.size());
            out.insert(out.end(), static_cast<size_t>(mtmd_input_chunk_get_n_pos(chunk)), kImagePosition);
            if (imageEnd != nullptr) *imageEnd = static_cast<int32_t>(out.size());
        }
    }
    return out;
}

}  // namespace

std::vector<int32_t> Session::Tokenize(const std::string & prompt, bool withImage) const {
    BitmapPtr placeholder;
    if (withImage) {
        placeholder.reset(mtmd_bitmap_init(static_cast<uint32_t>(imageSize_), static_cast<uint32_t>(imageSize_), nullptr));
        if (placeholder == nullptr) throw AddonError("MTMD_INTERNAL", "Could not make a placeholder bitmap.");
    }
    ChunksPtr chunks = TokenizeChunks(mtmd_, prompt, placeholder.get());
    return ChunkPositions(chunks.get(), nullptr, nullptr);
}

std::vector<int32_t> Session::TokenizeText(const std::string & text, bool addSpecial) const {
    const llama_vocab * vocab = llama_model_get_vocab(model_);
    std::vector<llama_token> tokens(text.size() + 8);
    int32_t n = llama_tokenize(vocab, text.c_str(), static_cast<int32_t>(text.size()), tokens.data(),
                               static_cast<int32_t>(tokens.size()), addSpecial, /*parse_special=*/true);
    if (n < 0) {
        tokens.resize(static_cast<size_t>(-n));
        n = llama_tokenize(vocab, text.c_str(), static_cast<int32_t>(text.size()), tokens.data(),
                           static_cast<int32_t>(tokens.size()), addSpecial, true);
    }
    if (n < 0) throw AddonError("MTMD_BAD_INPUT", "The text could not be tokenized.");
    tokens.resize(static_cast<size_t>(n));
    return std::vector<int32_t>(tokens.begin(), tokens.end());
}

// Decodes text tokens at nPast.. in batches (logits for the last one when asked). False when aborted.
bool Session::DecodeTokens(const int32_t * tokens, int32_t count, int32_t & nPast, bool wantLogits) {
    const int32_t nBatch = static_cast<int32_t>(batchSize_);
    BatchPtr batch = MakeTokenBatch(nBatch);
    for (int32_t offset = 0; offset < count; offset += nBatch) {
        const int32_t n = std::min(nBatch, count - offset);
        llama_batch & b = *batch;
        b.n_tokens = n;
        for (int32_t i = 0; i < n; ++i) {
            b.token[i] = tokens[offset + i];
            b.pos[i] = nPast + i;
            b.n_seq_id[i] = 1;
            b.seq_id[i][0] = 0;
            b.logits[i] = false;
        }
        if (wantLogits && offset + n == count) b.logits[n - 1] = true;
        const int32_t rc = llama_decode(ctx_, b);
        if (rc == 2 || AbortRequested()) return false;
        if (rc != 0) ThrowDecodeError(rc, "the follow-up question");
        kv_.positions.insert(kv_.positions.end(), tokens + offset, tokens + offset + n);
        nPast += n;
    }
    return true;
}

GenerateResult Session::Generate(const std::string & prompt, const ImageInput * image, int32_t maxTokens,
                                 const std::string & frameKey, const std::function<void(const std::string &)> & emit) {
    const auto start = Clock::now();
    GenerateResult result;

    llama_memory_clear(llama_get_memory(ctx_), true);
    llama_sampler_reset(sampler_);
    kv_ = KvState{};

    BitmapPtr bitmap;
    if (image != nullptr) {
        bitmap.reset(mtmd_bitmap_init(image->width, image->height, image->rgb.data()));
        if (bitmap == nullptr) throw AddonError("MTMD_BAD_INPUT", "The image could not be converted to a bitmap.");
    }
    ChunksPtr chunks = TokenizeChunks(mtmd_, prompt, bitmap.get());

    int32_t imageStart = -1, imageEnd = -1;
    std::vector<int32_t> promptPositions = ChunkPositions(chunks.get(), &imageStart, &imageEnd);
    for (size_t i = 0; i < mtmd_input_chunks_size(chunks.get()); ++i) {
        result.promptTokens += static_cast<int32_t>(mtmd_input_chunk_get_n_tokens(mtmd_input_chunks_get(chunks.get(), i)));
    }
    if (promptPositions.size() >= contextSize_) {
        throw AddonError("MTMD_CONTEXT_FULL", "The prompt needs " + std::to_string(promptPositions.size()) +
                                                  " tokens but the context holds " + std::to_string(contextSize_) +
                                                  ".");
    }

    int32_t nPast = 0;
    bool aborted = AbortRequested();
    // The prompt (hundreds of tokens) is interruptible inside llama_decode through the abort callback;
    // generated tokens only check the flag between tokens (an abort inside a decode makes llama.cpp log
    // errors, and one token is the promised latency anyway).
    {
        AbortCallbackScope abortable(ctx_, &Session::AbortCallback, this);
        if (!aborted) EvalPrompt(chunks.get(), result, nPast, aborted);
    }
    result.evaluatedTokens = nPast;
    result.imageEncodes = image != nullptr && result.encodeMs > 0 ? 1 : 0;
    if (aborted) {
        kv_ = KvState{};
        llama_memory_clear(llama_get_memory(ctx_), true);
        result.stopReason = StopReason::Aborted;
        return result;
    }
    kv_.frameKey = frameKey;
    kv_.positions = std::move(promptPositions);
    kv_.imageStart = imageStart;
    kv_.imageEnd = imageEnd;
    kv_.turns = 1;
    kv_.imageEncodes = result.imageEncodes;

    GenerateTokens(result, nPast, maxTokens, start, emit);
    return result;
}

GenerateResult Session::AppendTurn(const std::string & text, int32_t fromPosition, int32_t maxTokens,
                                   const std::string & frameKey, const std::function<void(const std::string &)> & emit) {
    const auto start = Clock::now();
    GenerateResult result;
    if (kv_.turns == 0 || kv_.frameKey != frameKey) {
        throw AddonError("MTMD_STATE", "The model's context no longer holds this conversation (it holds " +
                                           (kv_.turns == 0 ? std::string("nothing") : "frame " + kv_.frameKey) +
                                           "); the whole conversation must be evaluated again.");
    }
    const int32_t cached = static_cast<int32_t>(kv_.positions.size());
    if (fromPosition < std::max(kv_.imageEnd, 1) || fromPosition > cached) {
        throw AddonError("MTMD_STATE", "A follow-up must continue after the image (position " + std::to_string(fromPosition) +
                                           " of " + std::to_string(cached) + ").");
    }
    const std::vector<int32_t> tokens = TokenizeText(text, /*addSpecial=*/false);
    if (tokens.empty()) throw AddonError("MTMD_BAD_INPUT", "The follow-up is empty.");
    const int32_t needed = fromPosition + static_cast<int32_t>(tokens.size()) + maxTokens;
    if (needed > static_cast<int32_t>(contextSize_)) {
        throw AddonError("MTMD_CONTEXT_FULL",
                         "This conversation needs " + std::to_string(fromPosition + static_cast<int32_t>(tokens.size())) +
                             " tokens plus up to " + std::to_string(maxTokens) + " for the answer, but the context holds " +
                             std::to_string(contextSize_) + ".");
    }
    // Keep what the cache already holds of the new tokens (the previous answer as generated), but always
    // decode at least the last token: its logits start the answer.
    int32_t same = 0;
    const int32_t limit = std::min<int32_t>(cached - fromPosition, static_cast<int32_t>(tokens.size()) - 1);
    while (same < limit && kv_.positions[static_cast<size_t>(fromPosition + same)] == tokens[static_cast<size_t>(same)]) same++;
    const int32_t keep = fromPosition + same;
    if (keep < cached) {
        if (!llama_memory_seq_rm(llama_get_memory(ctx_), 0, keep, -1)) {
            throw AddonError("MTMD_STATE", "The model's context could not be cut back to position " + std::to_string(keep) + ".");
        }
        kv_.positions.resize(static_cast<size_t>(keep));
    }
    llama_sampler_reset(sampler_);
    result.reusedPositions = keep;
    result.promptTokens = fromPosition + static_cast<int32_t>(tokens.size());

    int32_t nPast = keep;
    bool ok = !AbortRequested();
    const auto evalStart = Clock::now();
    if (ok) {
        AbortCallbackScope abortable(ctx_, &Session::AbortCallback, this);
        ok = DecodeTokens(tokens.data() + same, static_cast<int32_t>(tokens.size()) - same, nPast, true);
    }
    result.promptEvalMs = MsSince(evalStart);
    result.evaluatedTokens = nPast - keep;
    if (!ok) {
        // The cache keeps a partial question: the next follow-up's prefix match cuts it off again.
        llama_memory_seq_rm(llama_get_memory(ctx_), 0, nPast, -1);
        result.positions = nPast;
        result.stopReason = StopReason::Aborted;
        return result;
    }
    kv_.turns++;
    GenerateTokens(result, nPast, maxTokens, start, emit);
    return result;
}

void Session::GenerateTokens(GenerateResult & result, int32_t nPast, int32_t maxTokens, Clock::time_point start,
                             const std::function<void(const std::string &)> & emit) {
    const llama_vocab * vocab = llama_model_get_vocab(model_);
    BatchPtr one = MakeTokenBatch(1);
    Utf8Stream utf8;
    auto firstTokenAt = Clock::now();
    result.stopReason = StopReason::MaxTokens;

    for (;;) {
        if (AbortRequested()) {
            result.stopReason = StopReason::Aborted;
            break;
        }
        if (result.generatedTokens >= maxTokens || nPast >= static_cast<int32_t>(contextSize_)) {
            result.stopReason = StopReason::MaxTokens;
            break;
        }
        const llama_token token = llama_sampler_sample(sampler_, ctx_, -1);
        if (result.generatedTokens == 0) {
            firstTokenAt = Clock::now();
            result.timeToFirstTokenMs = std::chrono::duration<double, std::milli>(firstTokenAt - start).count();
        }
        // <end_of_turn> and <eos> (and any other end-of-generation token the vocabulary marks).
        if (llama_vocab_is_eog(vocab, token)) {
            result.stopReason = StopReason::Eos;
            break;
        }
        result.generatedTokens++;
        result.tokens.push_back(token);
        const std::string complete = utf8.Push(TokenPiece(token));
        if (!complete.empty()) {
            result.text += complete;
            emit(complete);
        }
        if (result.generatedTokens >= maxTokens) {
            result.stopReason = StopReason::MaxTokens;
            break;
        }
        llama_batch & b = *one;
        b.n_tokens = 1;
        b.token[0] = token;
        b.pos[0] = nPast;
        b.n_seq_id[0] = 1;
        b.seq_id[0][0] = 0;
        b.logits[0] = true;
        const int32_t decodeRc = llama_decode(ctx_, b);
        if (decodeRc == 2) {
            result.stopReason = StopReason::Aborted;
            break;
        }
        if (decodeRc != 0) ThrowDecodeError(decodeRc, "a generated token");
        kv_.positions.push_back(token);
        nPast++;
    }
    const std::string rest = utf8.Flush();
    if (!rest.empty()) {
        result.text += rest;
        emit(rest);
    }
    if (result.generatedTokens > 0) result.decodeMs = MsSince(firstTokenAt);
    result.positions = nPast;
}

}  // namespace mtmd_addon
