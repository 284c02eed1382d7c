// Windows only. The addon imports N-API from "node.exe" (node.lib made from node-api-headers' .def),
// delay-loaded; when the host is Electron (or a renamed node), hand the loader the host executable
// itself, which exports the same N-API functions.
#if defined(_WIN32) && defined(_MSC_VER)

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <delayimp.h>
#include <string.h>

static FARPROC WINAPI MtmdAddonDelayLoadHook(unsigned int event, DelayLoadInfo * info) {
    if (event == dliNotePreLoadLibrary && info != nullptr && _stricmp(info->szDll, "node.exe") == 0) {
        return reinterpret_cast<FARPROC>(GetModuleHandleW(nullptr));
    }
    return nullptr;
}

extern "C" const PfnDliHook __pfnDliNotifyHook2 = MtmdAddonDelayLoadHook;

#endif
