// Helpers shared by the session's load (session.cpp) and its turns (session-turns.cpp): RAII wrappers of the
// llama/mtmd C types, the decode error, and the non-causal and abort scopes. Internal to the addon.
#pragma once

#include "session.h"

#include "llama.h"
#include "mtmd.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

namespace mtmd_addon {
namespace session_detail {

using Clock = std::chrono::steady_clock;

inline double MsSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
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

inline BatchPtr MakeTokenBatch(int32_t capacity) { return BatchPtr(new llama_batch(llama_batch_init(capacity, 0, 1))); }

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

[[noreturn]] inline void ThrowDecodeError(int32_t rc, const char * what) {
    throw AddonError("MTMD_DECODE",
                     std::string("llama_decode failed while decoding ") + what + " (code " + std::to_string(rc) +
                         (rc == 1 ? ": no room left in the context" : "") + ").");
}

}  // namespace session_detail
}  // namespace mtmd_addon
