// The JS object for a loaded model (MtmdModel in addon.ts): generate / appendTurn / encodeImage / abort / dispose.
#pragma once

#include "session.h"

#include <napi.h>

#include <atomic>
#include <memory>
#include <string>

namespace mtmd_addon {

struct AddonData;
struct GenerateJob;

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
public:
    static Napi::Function DefineClass(Napi::Env env);
    // Wraps a freshly loaded session in a new JS object.
    static Napi::Object NewInstance(Napi::Env env, std::unique_ptr<Session> session);

    explicit ModelWrap(const Napi::CallbackInfo & info);
    ~ModelWrap() override;

private:
    friend struct GenerateJob;

    Napi::Value Generate(const Napi::CallbackInfo & info);
    Napi::Value AppendTurn(const Napi::CallbackInfo & info);
    Napi::Value EncodeImage(const Napi::CallbackInfo & info);
    Napi::Value Tokenize(const Napi::CallbackInfo & info);
    Napi::Value GetState(const Napi::CallbackInfo & info);
    Napi::Value StartJob(Napi::Env env, std::unique_ptr<GenerateJob> job, Napi::Value onTokenValue);
    void Abort(const Napi::CallbackInfo & info);
    void Dispose(const Napi::CallbackInfo & info);
    Napi::Value GetImageSize(const Napi::CallbackInfo & info);
    Napi::Value GetImageTokens(const Napi::CallbackInfo & info);
    Napi::Value GetEmbeddingLength(const Napi::CallbackInfo & info);
    Napi::Value GetDescription(const Napi::CallbackInfo & info);
    Napi::Value GetTrainContextSize(const Napi::CallbackInfo & info);
    Napi::Value GetContextSize(const Napi::CallbackInfo & info);
    Napi::Value GetBatchSize(const Napi::CallbackInfo & info);
    Napi::Value GetProjectorType(const Napi::CallbackInfo & info);

    // Called on the JS thread when a generation has finished.
    void OnGenerationDone();

    std::unique_ptr<Session> session_;
    std::shared_ptr<std::atomic<bool>> envClosing_;
    bool running_ = false;
    bool disposed_ = false;

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
