#include "session.h"
#include "session-internal.h"

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

using namespace session_detail;

namespace {

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
    session->embeddingLength_ = llama_model_n_embd_inp(session->model_);

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

void Session::EvalPrompt(const void * chunksPtr, const ImageInput * image, GenerateResult & result, int32_t & nPast,
                         bool & aborted) {
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
            const int32_t nTokens = static_cast<int32_t>(mtmd_input_chunk_get_n_tokens(chunk));
            const size_t embdCount = static_cast<size_t>(nTokens) * static_cast<size_t>(nEmbd);
            float * embd = nullptr;
            if (image != nullptr && !image->embedding.empty()) {
                // A stored embedding of this image: decoded as it is, the vision encoder does not run.
                if (image->embedding.size() != embdCount) {
                    throw AddonError("MTMD_BAD_INPUT", "The given image embedding has " + std::to_string(image->embedding.size()) +
                                                           " values; this model's image takes " + std::to_string(embdCount) + ".");
                }
                embd = const_cast<float *>(image->embedding.data());  // llama_batch takes a non-const pointer; only read
                result.usedEmbedding = true;
            } else {
                // The encode cannot be interrupted (mtmd has no abort hook): an abort takes effect after it.
                const auto encodeStart = Clock::now();
                if (mtmd_encode_chunk(mtmd_, chunk) != 0) {
                    throw AddonError("MTMD_ENCODE", "The image could not be encoded by the vision projector.");
                }
                encodeMs += MsSince(encodeStart);
                result.imageEncodes++;
                embd = mtmd_get_output_embd(mtmd_);
                // Kept even when aborted below: the encode is done, and it is the expensive part.
                if (image != nullptr && image->keepEmbedding) result.embedding.assign(embd, embd + embdCount);
            }
            if (AbortRequested()) {
                aborted = true;
                break;
            }
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

}  // namespace mtmd_addon
