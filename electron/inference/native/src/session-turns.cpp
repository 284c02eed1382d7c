// The session's turns: a first turn from a cleared KV cache (Generate), a follow-up on the kept cache
// (AppendTurn), the generation loop both share, and tokenizing as they do.
#include "session.h"
#include "session-internal.h"

#include "utf8.h"

#include "llama.h"
#include "mtmd.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace mtmd_addon {

using namespace session_detail;

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
    if (image != nullptr && !image->embedding.empty()) {
        // A stored embedding stands in for the pixels: a placeholder of the projector's size gives the image's tokens.
        bitmap.reset(mtmd_bitmap_init(static_cast<uint32_t>(imageSize_), static_cast<uint32_t>(imageSize_), nullptr));
        if (bitmap == nullptr) throw AddonError("MTMD_INTERNAL", "Could not make a placeholder bitmap.");
    } else if (image != nullptr) {
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
        if (!aborted) EvalPrompt(chunks.get(), image, result, nPast, aborted);
    }
    result.evaluatedTokens = nPast;
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

GenerateResult Session::EncodeImage(const ImageInput & image) {
    GenerateResult result;
    if (image.rgb.empty()) throw AddonError("MTMD_BAD_INPUT", "encodeImage(): the image's pixels are missing.");
    BitmapPtr bitmap(mtmd_bitmap_init(image.width, image.height, image.rgb.data()));
    if (bitmap == nullptr) throw AddonError("MTMD_BAD_INPUT", "The image could not be converted to a bitmap.");
    // The marker alone: the chunks are the BOS text and the image; only the image chunk is used (nothing is decoded).
    ChunksPtr chunks = TokenizeChunks(mtmd_, mtmd_default_marker(), bitmap.get());
    const size_t nEmbd = static_cast<size_t>(llama_model_n_embd_inp(model_));
    for (size_t i = 0; i < mtmd_input_chunks_size(chunks.get()); ++i) {
        const mtmd_input_chunk * chunk = mtmd_input_chunks_get(chunks.get(), i);
        if (mtmd_input_chunk_get_type(chunk) != MTMD_INPUT_CHUNK_TYPE_IMAGE) continue;
        const auto encodeStart = Clock::now();
        if (mtmd_encode_chunk(mtmd_, chunk) != 0) throw AddonError("MTMD_ENCODE", "The image could not be encoded by the vision projector.");
        result.encodeMs = MsSince(encodeStart);
        result.imageEncodes = 1;
        const float * embd = mtmd_get_output_embd(mtmd_);
        result.embedding.assign(embd, embd + mtmd_input_chunk_get_n_tokens(chunk) * nEmbd);
        result.promptTokens = static_cast<int32_t>(mtmd_input_chunk_get_n_tokens(chunk));
        return result;
    }
    throw AddonError("MTMD_INTERNAL", "The image gave no image chunk to encode.");
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
