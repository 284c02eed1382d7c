// Streams UTF-8 text built from token pieces without ever splitting a multi-byte character:
// a piece that ends inside a character is held back until the rest of it arrives.
#pragma once

#include <cstddef>
#include <string>

namespace mtmd_addon {

class Utf8Stream {
public:
    // Appends a piece; returns the text that is now complete (possibly empty).
    std::string Push(const std::string & piece) {
        pending_ += piece;
        const size_t complete = CompletePrefixLength(pending_);
        std::string out = pending_.substr(0, complete);
        pending_.erase(0, complete);
        return out;
    }

    // Returns whatever is held back (an incomplete sequence at the very end of generation).
    std::string Flush() {
        std::string out;
        out.swap(pending_);
        return out;
    }

    // Length of the longest prefix of s that does not end inside a multi-byte sequence.
    // Invalid bytes are passed through (they are never held back for more than 3 bytes).
    static size_t CompletePrefixLength(const std::string & s) {
        const size_t n = s.size();
        for (size_t back = 1; back <= 4 && back <= n; ++back) {
            const unsigned char c = static_cast<unsigned char>(s[n - back]);
            if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead byte
            size_t length = 1;
            if (c >= 0xC2 && c <= 0xDF) length = 2;
            else if (c >= 0xE0 && c <= 0xEF) length = 3;
            else if (c >= 0xF0 && c <= 0xF4) length = 4;
            return length > back ? n - back : n;
        }
        return n;  // only continuation bytes at the end: nothing to wait for
    }

private:
    std::string pending_;
};

}  // namespace mtmd_addon
