#include "image-options.h"

#include "mtmd.h"

#include <cmath>

namespace mtmd_addon {

bool ReadUint(const Napi::Object & object, const char * key, uint32_t & out) {
    Napi::Value value = object.Get(key);
    if (!value.IsNumber()) return false;
    const double number = value.As<Napi::Number>().DoubleValue();
    if (!(number >= 0) || number > 4294967295.0 || std::floor(number) != number) return false;
    out = static_cast<uint32_t>(number);
    return true;
}

namespace {

bool Fail(std::string & error, std::string message) {
    error = std::move(message);
    return false;
}

bool ReadEmbedding(const Napi::Value & value, const Session & session, size_t markers, ImageInput & out, std::string & error) {
    const std::string marker = mtmd_default_marker();
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        return Fail(error, "generate(): embedding must be a Float32Array.");
    }
    Napi::Float32Array values = value.As<Napi::Float32Array>();
    const size_t expected = static_cast<size_t>(session.imageTokens()) * static_cast<size_t>(session.embeddingLength());
    if (values.ElementLength() != expected) {
        return Fail(error, "generate(): embedding must hold imageTokens*embeddingLength = " + std::to_string(expected) +
                               " values; got " + std::to_string(values.ElementLength()) + ".");
    }
    if (markers != 1) {
        return Fail(error, "generate(): with an embedding, the prompt must contain the media marker " + marker +
                               " exactly once (found " + std::to_string(markers) + ").");
    }
    out.embedding.assign(values.Data(), values.Data() + expected);  // the JS buffer may change meanwhile
    return true;
}

bool ReadPixels(const Napi::Value & value, const Session & session, size_t markers, ImageInput & out, std::string & error) {
    const std::string marker = mtmd_default_marker();
    if (!value.IsObject()) return Fail(error, "generate(): image must be an object.");
    Napi::Object image = value.As<Napi::Object>();
    uint32_t width = 0, height = 0;
    if (!ReadUint(image, "width", width) || !ReadUint(image, "height", height) || width == 0 || height == 0) {
        return Fail(error, "generate(): image.width and image.height must be positive integers.");
    }
    const int32_t size = session.imageSize();
    if (width != static_cast<uint32_t>(size) || height != static_cast<uint32_t>(size)) {
        return Fail(error, "generate(): the image must be " + std::to_string(size) + "x" + std::to_string(size) +
                               " (stretch it to the projector's size first); got " + std::to_string(width) + "x" +
                               std::to_string(height) + ".");
    }
    Napi::Value rgb = image.Get("rgb");
    if (!rgb.IsTypedArray() || rgb.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        return Fail(error, "generate(): image.rgb must be a Uint8Array.");
    }
    Napi::Uint8Array bytes = rgb.As<Napi::Uint8Array>();
    const size_t expected = static_cast<size_t>(width) * height * 3;
    if (bytes.ByteLength() != expected) {
        return Fail(error, "generate(): image.rgb must hold width*height*3 = " + std::to_string(expected) + " bytes; got " +
                               std::to_string(bytes.ByteLength()) + ".");
    }
    if (markers != 1) {
        return Fail(error, "generate(): with an image, the prompt must contain the media marker " + marker +
                               " exactly once (found " + std::to_string(markers) + ").");
    }
    out.width = width;
    out.height = height;
    out.rgb.assign(bytes.Data(), bytes.Data() + expected);  // the JS buffer may change meanwhile
    return true;
}

}  // namespace

bool ReadImageOptions(const Napi::Object & options, const Session & session, size_t markers, std::unique_ptr<ImageInput> & out,
                      std::string & error) {
    Napi::Value image = options.Get("image");
    Napi::Value embedding = options.Get("embedding");
    Napi::Value keep = options.Get("keepEmbedding");
    const bool hasImage = !image.IsUndefined() && !image.IsNull();
    const bool hasEmbedding = !embedding.IsUndefined() && !embedding.IsNull();
    if (!keep.IsUndefined() && !keep.IsBoolean()) return Fail(error, "generate(): keepEmbedding must be a boolean.");
    if (hasImage && hasEmbedding) return Fail(error, "generate(): give either image or embedding, not both.");
    if (!hasImage && !hasEmbedding) {
        if (markers == 0) return true;
        return Fail(error, std::string("generate(): the prompt contains the media marker ") + mtmd_default_marker() +
                               " but no image was given.");
    }
    auto input = std::make_unique<ImageInput>();
    const bool ok = hasEmbedding ? ReadEmbedding(embedding, session, markers, *input, error)
                                 : ReadPixels(image, session, markers, *input, error);
    if (!ok) return false;
    input->keepEmbedding = hasImage && keep.IsBoolean() && keep.As<Napi::Boolean>().Value();
    out = std::move(input);
    return true;
}

}  // namespace mtmd_addon
