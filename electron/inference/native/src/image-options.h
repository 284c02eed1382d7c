// Reading generate()'s image input from its JS options: pixels (`image`), or a stored embedding (`embedding`)
// that stands in for them, and whether to hand the encoder's output back (`keepEmbedding`).
#pragma once

#include "session.h"

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>

namespace mtmd_addon {

// An integer in [0, 2^32) at object[key]; false when absent or not one.
bool ReadUint(const Napi::Object & object, const char * key, uint32_t & out);

// Fills `out` (null: no image) from options.image / options.embedding / options.keepEmbedding, checked against the
// session's image size and embedding shape; `markers` is how often the prompt holds the media marker. False with a
// message for the caller to reject with MTMD_BAD_INPUT.
bool ReadImageOptions(const Napi::Object & options, const Session & session, size_t markers, std::unique_ptr<ImageInput> & out,
                      std::string & error);

}  // namespace mtmd_addon
