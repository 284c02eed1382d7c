// Logging for the mtmd/clip code compiled into this addon.
//
// mtmd/clip have their own logger (separate from llama.cpp's, which node-llama-cpp owns: we never call
// llama_log_set). By default clip prints every INFO line of a model load to stderr; here only warnings
// and errors go to stderr (WORKSTATION_MTMD_LOG=debug|info|warn|error|none changes that), and the
// error lines of the current thread can be captured to explain a failed load in the JS error.
#pragma once

#include <string>

namespace mtmd_addon {

// The logger's sink (internal; exposed for the capture class).
void OnMtmdLog(int level, const char * text);

// Installs the logger once (idempotent).
void InstallMtmdLogger();

// While alive, error lines logged by mtmd/clip on this thread are collected.
class MtmdErrorCapture {
public:
    MtmdErrorCapture();
    ~MtmdErrorCapture();
    MtmdErrorCapture(const MtmdErrorCapture &) = delete;
    MtmdErrorCapture & operator=(const MtmdErrorCapture &) = delete;

    // The captured error text, trimmed, lines joined with "; ".
    std::string Text() const;

private:
    std::string lines_;
    MtmdErrorCapture * previous_;
    friend void OnMtmdLog(int level, const char * text);
};

}  // namespace mtmd_addon
