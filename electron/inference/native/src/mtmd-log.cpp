#include "mtmd-log.h"

#include "ggml.h"
#include "mtmd.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace mtmd_addon {

namespace {

thread_local MtmdErrorCapture * t_capture = nullptr;
thread_local int t_last_level = GGML_LOG_LEVEL_INFO;  // for GGML_LOG_LEVEL_CONT lines

int ThresholdFromEnv() {
    const char * value = std::getenv("WORKSTATION_MTMD_LOG");
    if (value == nullptr || *value == '\0') return GGML_LOG_LEVEL_WARN;
    if (std::strcmp(value, "debug") == 0) return GGML_LOG_LEVEL_DEBUG;
    if (std::strcmp(value, "info") == 0) return GGML_LOG_LEVEL_INFO;
    if (std::strcmp(value, "warn") == 0) return GGML_LOG_LEVEL_WARN;
    if (std::strcmp(value, "error") == 0) return GGML_LOG_LEVEL_ERROR;
    if (std::strcmp(value, "none") == 0) return GGML_LOG_LEVEL_ERROR + 1;
    return GGML_LOG_LEVEL_WARN;
}

int g_threshold = GGML_LOG_LEVEL_WARN;

// ggml's levels are NONE=0, DEBUG=1, INFO=2, WARN=3, ERROR=4, CONT=5; rank them by severity.
int Severity(int level) {
    switch (level) {
        case GGML_LOG_LEVEL_DEBUG: return 1;
        case GGML_LOG_LEVEL_INFO: return 2;
        case GGML_LOG_LEVEL_WARN: return 3;
        case GGML_LOG_LEVEL_ERROR: return 4;
        default: return 2;
    }
}

void LogCallback(enum ggml_log_level level, const char * text, void * /*user_data*/) {
    OnMtmdLog(static_cast<int>(level), text);
}

}  // namespace

void OnMtmdLog(int level, const char * text) {
    if (text == nullptr) return;
    if (level == GGML_LOG_LEVEL_CONT) {
        level = t_last_level;
    } else {
        t_last_level = level;
    }
    if (level == GGML_LOG_LEVEL_ERROR && t_capture != nullptr) {
        t_capture->lines_ += text;
    }
    if (Severity(level) >= Severity(g_threshold) && g_threshold <= GGML_LOG_LEVEL_ERROR) {
        std::fputs(text, stderr);
        std::fflush(stderr);
    }
}

void InstallMtmdLogger() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_threshold = ThresholdFromEnv();
        mtmd_log_set(LogCallback, nullptr);
    });
}

MtmdErrorCapture::MtmdErrorCapture() : previous_(t_capture) { t_capture = this; }

MtmdErrorCapture::~MtmdErrorCapture() { t_capture = previous_; }

std::string MtmdErrorCapture::Text() const {
    std::string out;
    size_t start = 0;
    while (start < lines_.size()) {
        size_t end = lines_.find('\n', start);
        if (end == std::string::npos) end = lines_.size();
        std::string line = lines_.substr(start, end - start);
        size_t a = line.find_first_not_of(" \t\r");
        size_t b = line.find_last_not_of(" \t\r");
        if (a != std::string::npos) {
            if (!out.empty()) out += "; ";
            out += line.substr(a, b - a + 1);
        }
        start = end + 1;
    }
    return out;
}

}  // namespace mtmd_addon
