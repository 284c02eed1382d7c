#include "model.h"

#include "addon-data.h"
#include "image-options.h"

#include "mtmd.h"

#include <cmath>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <utility>

namespace mtmd_addon {

namespace {

const char * StopReasonName(StopReason reason) {
    switch (reason) {
        case StopReason::Eos: return "eos";
        case StopReason::MaxTokens: return "max-tokens";
        case StopReason::Aborted: return "aborted";
    }
    return "max-tokens";
}

// A message from the generation thread to the JS thread: a text piece, or the end.
struct JobMessage {
    bool done = false;
    std::string text;
    bool ok = false;
    GenerateResult result;
    std::string errorCode;
    std::string errorMessage;
};

size_t CountOccurrences(const std::string & haystack, const std::string & needle) {
    size_t count = 0;
    for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + needle.size())) {
        count++;
    }
    return count;
}

}  // namespace

// Everything one generate() call needs; owned by its thread-safe function (freed by its finalizer).
struct GenerateJob {
    ModelWrap * owner = nullptr;
    Napi::ObjectReference ownerRef;  // keeps the model object alive while generating
    Napi::Promise::Deferred deferred;
    Napi::Reference<Napi::Value> callbackError;  // what onToken threw, if it did
    bool callbackFailed = false;

    bool append = false;          // a follow-up (AppendTurn) instead of a first turn (Generate)
    bool encodeOnly = false;      // only the image's encode (EncodeImage): no text, the KV cache untouched
    std::string prompt;           // first turn: the whole prompt; follow-up: the text appended
    std::unique_ptr<ImageInput> image;
    int32_t maxTokens = 0;
    int32_t fromPosition = 0;
    std::string frameKey;

    explicit GenerateJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}

    static void CallJs(Napi::Env env, Napi::Function onToken, GenerateJob * job, JobMessage * message);
};

using GenerateTsfn = Napi::TypedThreadSafeFunction<GenerateJob, JobMessage, GenerateJob::CallJs>;

void GenerateJob::CallJs(Napi::Env env, Napi::Function onToken, GenerateJob * job, JobMessage * message) {
    std::unique_ptr<JobMessage> owned(message);
    if (env == nullptr || job == nullptr || message == nullptr) return;  // environment shutting down

    if (!message->done) {
        if (job->callbackFailed) return;
        try {
            onToken.Call({Napi::String::New(env, message->text)});
        } catch (const Napi::Error & error) {
            job->callbackFailed = true;
            job->callbackError = Napi::Reference<Napi::Value>::New(error.Value(), 1);
            if (job->owner->session_) job->owner->session_->RequestAbort();
        }
        return;
    }

    if (job->callbackFailed) {
        job->deferred.Reject(job->callbackError.Value());
    } else if (message->ok) {
        const GenerateResult & r = message->result;
        Napi::Object result = Napi::Object::New(env);
        result.Set("text", Napi::String::New(env, r.text));
        result.Set("stopReason", Napi::String::New(env, StopReasonName(r.stopReason)));
        result.Set("promptTokens", Napi::Number::New(env, r.promptTokens));
        result.Set("generatedTokens", Napi::Number::New(env, r.generatedTokens));
        result.Set("encodeMs", Napi::Number::New(env, r.encodeMs));
        result.Set("promptEvalMs", Napi::Number::New(env, r.promptEvalMs));
        result.Set("timeToFirstTokenMs", Napi::Number::New(env, r.timeToFirstTokenMs));
        result.Set("decodeMs", Napi::Number::New(env, r.decodeMs));
        result.Set("reusedPositions", Napi::Number::New(env, r.reusedPositions));
        result.Set("evaluatedTokens", Napi::Number::New(env, r.evaluatedTokens));
        result.Set("positions", Napi::Number::New(env, r.positions));
        result.Set("imageEncodes", Napi::Number::New(env, r.imageEncodes));
        result.Set("usedEmbedding", Napi::Boolean::New(env, r.usedEmbedding));
        if (!r.embedding.empty()) {
            Napi::Float32Array embedding = Napi::Float32Array::New(env, r.embedding.size());
            std::memcpy(embedding.Data(), r.embedding.data(), r.embedding.size() * sizeof(float));
            result.Set("embedding", embedding);
        }
        Napi::Array tokens = Napi::Array::New(env, r.tokens.size());
        for (size_t i = 0; i < r.tokens.size(); ++i) tokens.Set(static_cast<uint32_t>(i), Napi::Number::New(env, r.tokens[i]));
        result.Set("tokens", tokens);
        job->deferred.Resolve(result);
    } else {
        job->deferred.Reject(MakeError(env, message->errorCode, message->errorMessage).Value());
    }
    job->owner->OnGenerationDone();
    job->ownerRef.Reset();
}

Napi::Function ModelWrap::DefineClass(Napi::Env env) {
    return ObjectWrap<ModelWrap>::DefineClass(
        env, "MtmdModel",
        {
            InstanceMethod<&ModelWrap::Generate>("generate"),
            InstanceMethod<&ModelWrap::AppendTurn>("appendTurn"),
            InstanceMethod<&ModelWrap::EncodeImage>("encodeImage"),
            InstanceMethod<&ModelWrap::Tokenize>("tokenize"),
            InstanceAccessor<&ModelWrap::GetState>("state"),
            InstanceMethod<&ModelWrap::Abort>("abort"),
            InstanceMethod<&ModelWrap::Dispose>("dispose"),
            InstanceAccessor<&ModelWrap::GetImageSize>("imageSize"),
            InstanceAccessor<&ModelWrap::GetImageTokens>("imageTokens"),
            InstanceAccessor<&ModelWrap::GetEmbeddingLength>("embeddingLength"),
            InstanceAccessor<&ModelWrap::GetDescription>("description"),
            InstanceAccessor<&ModelWrap::GetTrainContextSize>("trainContextSize"),
            InstanceAccessor<&ModelWrap::GetContextSize>("contextSize"),
            InstanceAccessor<&ModelWrap::GetBatchSize>("batchSize"),
            InstanceAccessor<&ModelWrap::GetProjectorType>("projectorType"),
        });
}

Napi::Object ModelWrap::NewInstance(Napi::Env env, std::unique_ptr<Session> session) {
    AddonData * data = env.GetInstanceData<AddonData>();
    auto * raw = session.release();
    Napi::Object object = data->modelConstructor.New({Napi::External<Session>::New(env, raw)});
    return object;
}

ModelWrap::ModelWrap(const Napi::CallbackInfo & info) : ObjectWrap<ModelWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() != 1 || !info[0].IsExternal()) {
        throw Napi::TypeError::New(env, "MtmdModel cannot be constructed directly; use loadModel().");
    }
    session_.reset(info[0].As<Napi::External<Session>>().Data());
    envClosing_ = env.GetInstanceData<AddonData>()->envClosing;
    imageSize_ = session_->imageSize();
    imageTokens_ = session_->imageTokens();
    embeddingLength_ = session_->embeddingLength();
    trainContextSize_ = session_->trainContextSize();
    contextSize_ = session_->contextSize();
    batchSize_ = session_->batchSize();
    description_ = session_->description();
    projectorType_ = session_->projectorType();
}

ModelWrap::~ModelWrap() {
    if (running_ || (envClosing_ && envClosing_->load())) {
        // A generation thread may still use it, or the process is exiting: leave it to the OS.
        (void)session_.release();
    }
}

Napi::Value ModelWrap::Generate(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (disposed_ || !session_) {
        return RejectedPromise(env, "MTMD_DISPOSED", "This model has been disposed; load it again.");
    }
    if (running_) {
        return RejectedPromise(env, "MTMD_BUSY", "busy: a generation is already running on this model.");
    }
    if (info.Length() < 1 || !info[0].IsObject()) {
        return RejectedPromise(env, "MTMD_BAD_INPUT", "generate() expects an options object.");
    }
    Napi::Object options = info[0].As<Napi::Object>();

    Napi::Value prompt = options.Get("prompt");
    if (!prompt.IsString()) return RejectedPromise(env, "MTMD_BAD_INPUT", "generate(): prompt must be a string.");
    uint32_t maxTokens = 0;
    if (!ReadUint(options, "maxTokens", maxTokens) || maxTokens < 1 || maxTokens > 1u << 20) {
        return RejectedPromise(env, "MTMD_BAD_INPUT", "generate(): maxTokens must be a positive integer.");
    }
    Napi::Value onTokenValue = options.Get("onToken");
    if (!onTokenValue.IsUndefined() && !onTokenValue.IsFunction()) {
        return RejectedPromise(env, "MTMD_BAD_INPUT", "generate(): onToken must be a function.");
    }

    auto job = std::make_unique<GenerateJob>(env);
    job->prompt = prompt.As<Napi::String>().Utf8Value();
    job->maxTokens = static_cast<int32_t>(maxTokens);
    Napi::Value frameKey = options.Get("frameKey");
    if (!frameKey.IsUndefined() && !frameKey.IsString()) return RejectedPromise(env, "MTMD_BAD_INPUT", "generate(): frameKey must be a string.");
    if (frameKey.IsString()) job->frameKey = frameKey.As<Napi::String>().Utf8Value();

    std::string error;
    if (!ReadImageOptions(options, *session_, CountOccurrences(job->prompt, mtmd_default_marker()), job->image, error)) {
        return RejectedPromise(env, "MTMD_BAD_INPUT", error);
    }

    return StartJob(env, std::move(job), onTokenValue);
}

Napi::Value ModelWrap::AppendTurn(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (disposed_ || !session_) return RejectedPromise(env, "MTMD_DISPOSED", "This model has been disposed; load it again.");
    if (running_) return RejectedPromise(env, "MTMD_BUSY", "busy: a generation is already running on this model.");
    if (info.Length() < 1 || !info[0].IsObject()) return RejectedPromise(env, "MTMD_BAD_INPUT", "appendTurn() expects an options object.");
    Napi::Object options = info[0].As<Napi::Object>();
    Napi::Value text = options.Get("text");
    Napi::Value frameKey = options.Get("frameKey");
    if (!text.IsString()) return RejectedPromise(env, "MTMD_BAD_INPUT", "appendTurn(): text must be a string.");
    if (!frameKey.IsString()) return RejectedPromise(env, "MTMD_BAD_INPUT", "appendTurn(): frameKey must be a string.");
    uint32_t maxTokens = 0, fromPosition = 0;
    if (!ReadUint(options, "maxTokens", maxTokens) || maxTokens < 1 || maxTokens > 1u << 20) {
        return RejectedPromise(env, "MTMD_BAD_INPUT", "appendTurn(): maxTokens must be a positive integer.");
    }
    if (!ReadUint(options, "fromPosition", fromPosition) || fromPosition > 1u << 24) {
        return RejectedPromise(env, "MTMD_BAD_INPUT", "appendTurn(): fromPosition must be a non-negative integer.");
    }
    Napi::Value onTokenValue = options.Get("onToken");
    if (!onTokenValue.IsUndefined() && !onTokenValue.IsFunction()) return RejectedPromise(env, "MTMD_BAD_INPUT", "appendTurn(): onToken must be a function.");
    auto job = std::make_unique<GenerateJob>(env);
    job->append = true;
    job->prompt = text.As<Napi::String>().Utf8Value();
    if (CountOccurrences(job->prompt, mtmd_default_marker()) != 0) {
        return RejectedPromise(env, "MTMD_BAD_INPUT", "appendTurn(): a follow-up cannot carry an image.");
    }
    job->maxTokens = static_cast<int32_t>(maxTokens);
    job->fromPosition = static_cast<int32_t>(fromPosition);
    job->frameKey = frameKey.As<Napi::String>().Utf8Value();
    return StartJob(env, std::move(job), onTokenValue);
}

// encodeImage({ image }): the vision encoder only; resolves like generate() with `embedding` set and no text.
Napi::Value ModelWrap::EncodeImage(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (disposed_ || !session_) return RejectedPromise(env, "MTMD_DISPOSED", "This model has been disposed; load it again.");
    if (running_) return RejectedPromise(env, "MTMD_BUSY", "busy: a generation is already running on this model.");
    if (info.Length() < 1 || !info[0].IsObject()) return RejectedPromise(env, "MTMD_BAD_INPUT", "encodeImage() expects an options object.");
    Napi::Object options = info[0].As<Napi::Object>();
    if (!options.Has("image") || options.Has("embedding")) return RejectedPromise(env, "MTMD_BAD_INPUT", "encodeImage(): give the image's pixels (image).");
    auto job = std::make_unique<GenerateJob>(env);
    job->encodeOnly = true;
    std::string error;
    if (!ReadImageOptions(options, *session_, 1, job->image, error)) return RejectedPromise(env, "MTMD_BAD_INPUT", error);
    if (!job->image) return RejectedPromise(env, "MTMD_BAD_INPUT", "encodeImage(): give the image's pixels (image).");
    return StartJob(env, std::move(job), env.Undefined());
}

Napi::Value ModelWrap::StartJob(Napi::Env env, std::unique_ptr<GenerateJob> job, Napi::Value onTokenValue) {
    Napi::Function onToken = onTokenValue.IsFunction()
                                 ? onTokenValue.As<Napi::Function>()
                                 : Napi::Function::New(env, [](const Napi::CallbackInfo &) {});
    Napi::Promise promise = job->deferred.Promise();
    job->owner = this;
    job->ownerRef = Napi::Persistent(Value());

    GenerateJob * jobPtr = job.get();
    GenerateTsfn tsfn = GenerateTsfn::New(
        env, onToken, "mtmd-generate", 0, 1, jobPtr,
        [](Napi::Env, void *, GenerateJob * finished) { delete finished; });
    job.release();  // owned by the thread-safe function from here on

    Session * session = session_.get();
    session->ClearAbort();
    running_ = true;
    try {
        std::thread([tsfn, session, jobPtr]() mutable {
            auto * done = new JobMessage();
            done->done = true;
            auto emit = [&tsfn](const std::string & text) {
                auto * piece = new JobMessage();
                piece->text = text;
                if (tsfn.BlockingCall(piece) != napi_ok) delete piece;
            };
            try {
                done->result = jobPtr->encodeOnly ? session->EncodeImage(*jobPtr->image)
                               : jobPtr->append
                                   ? session->AppendTurn(jobPtr->prompt, jobPtr->fromPosition, jobPtr->maxTokens, jobPtr->frameKey, emit)
                                   : session->Generate(jobPtr->prompt, jobPtr->image.get(), jobPtr->maxTokens, jobPtr->frameKey, emit);
                done->ok = true;
            } catch (const AddonError & error) {
                done->errorCode = error.code();
                done->errorMessage = error.what();
            } catch (const std::exception & error) {
                done->errorCode = "MTMD_INTERNAL";
                done->errorMessage = std::string("Generation failed: ") + error.what();
            } catch (...) {
                done->errorCode = "MTMD_INTERNAL";
                done->errorMessage = "Generation failed with an unknown error.";
            }
            if (tsfn.BlockingCall(done) != napi_ok) delete done;
            tsfn.Release();
        }).detach();
    } catch (const std::exception & error) {
        running_ = false;
        jobPtr->ownerRef.Reset();
        jobPtr->deferred.Reject(MakeError(env, "MTMD_INTERNAL", std::string("Could not start a generation thread: ") + error.what()).Value());
        tsfn.Release();
    }
    return promise;
}

// Tokenizes on the JS thread (a prompt is short): the ids Generate would evaluate, -1 for image positions.
Napi::Value ModelWrap::Tokenize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (disposed_ || !session_) throw MakeError(env, "MTMD_DISPOSED", "This model has been disposed; load it again.");
    if (running_) throw MakeError(env, "MTMD_BUSY", "busy: a generation is running on this model.");
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsBoolean()) {
        throw MakeError(env, "MTMD_BAD_INPUT", "tokenize(prompt: string, withImage: boolean)");
    }
    std::vector<int32_t> ids;
    try {
        ids = session_->Tokenize(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Boolean>().Value());
    } catch (const AddonError & error) {
        throw MakeError(env, error.code(), error.what());
    }
    Napi::Array out = Napi::Array::New(env, ids.size());
    for (size_t i = 0; i < ids.size(); ++i) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, ids[i]));
    return out;
}

// What the KV cache holds (read on the JS thread between generations).
Napi::Value ModelWrap::GetState(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    if (!session_ || disposed_) {
        out.Set("frameKey", env.Null());
        out.Set("positions", Napi::Number::New(env, 0));
        out.Set("turns", Napi::Number::New(env, 0));
        out.Set("imageEncodes", Napi::Number::New(env, 0));
        out.Set("imageStart", Napi::Number::New(env, -1));
        out.Set("imageEnd", Napi::Number::New(env, -1));
        return out;
    }
    const KvState & kv = session_->kvState();
    out.Set("frameKey", kv.turns == 0 ? env.Null() : Napi::String::New(env, kv.frameKey));
    out.Set("positions", Napi::Number::New(env, static_cast<double>(kv.positions.size())));
    out.Set("turns", Napi::Number::New(env, kv.turns));
    out.Set("imageEncodes", Napi::Number::New(env, kv.imageEncodes));
    out.Set("imageStart", Napi::Number::New(env, kv.imageStart));
    out.Set("imageEnd", Napi::Number::New(env, kv.imageEnd));
    out.Set("running", Napi::Boolean::New(env, running_));
    return out;
}

void ModelWrap::Abort(const Napi::CallbackInfo &) {
    if (running_ && session_) session_->RequestAbort();
}

void ModelWrap::Dispose(const Napi::CallbackInfo &) {
    if (disposed_) return;
    disposed_ = true;
    if (running_) {
        session_->RequestAbort();  // freed in OnGenerationDone, once the generation thread is out
    } else {
        session_.reset();
    }
}

void ModelWrap::OnGenerationDone() {
    running_ = false;
    if (disposed_) session_.reset();
}

// The properties stay readable after dispose(): they are copied at construction.
Napi::Value ModelWrap::GetImageSize(const Napi::CallbackInfo & info) { return Napi::Number::New(info.Env(), imageSize_); }
Napi::Value ModelWrap::GetImageTokens(const Napi::CallbackInfo & info) { return Napi::Number::New(info.Env(), imageTokens_); }
Napi::Value ModelWrap::GetEmbeddingLength(const Napi::CallbackInfo & info) { return Napi::Number::New(info.Env(), embeddingLength_); }
Napi::Value ModelWrap::GetDescription(const Napi::CallbackInfo & info) { return Napi::String::New(info.Env(), description_); }
Napi::Value ModelWrap::GetTrainContextSize(const Napi::CallbackInfo & info) { return Napi::Number::New(info.Env(), trainContextSize_); }
Napi::Value ModelWrap::GetContextSize(const Napi::CallbackInfo & info) { return Napi::Number::New(info.Env(), contextSize_); }
Napi::Value ModelWrap::GetBatchSize(const Napi::CallbackInfo & info) { return Napi::Number::New(info.Env(), batchSize_); }
Napi::Value ModelWrap::GetProjectorType(const Napi::CallbackInfo & info) { return Napi::String::New(info.Env(), projectorType_); }

}  // namespace mtmd_addon
