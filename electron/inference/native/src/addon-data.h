// Per-environment state of the addon (one per Node/Electron JS environment that loads it).
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>

namespace mtmd_addon {

struct AddonData {
    Napi::FunctionReference modelConstructor;
    // Set when the environment is being torn down (process exit): native objects still alive then are
    // left to the OS instead of being freed while other libraries (node-llama-cpp) shut down too.
    std::shared_ptr<std::atomic<bool>> envClosing = std::make_shared<std::atomic<bool>>(false);
};

// A JS Error with err.code set.
inline Napi::Error MakeError(Napi::Env env, const std::string & code, const std::string & message) {
    Napi::Error error = Napi::Error::New(env, message);
    error.Set("code", Napi::String::New(env, code));
    return error;
}

inline Napi::Promise RejectedPromise(Napi::Env env, const std::string & code, const std::string & message) {
    Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
    deferred.Reject(MakeError(env, code, message).Value());
    return deferred.Promise();
}

}  // namespace mtmd_addon
