#pragma once
// Heap profiles in pprof format for /debug/pprof/heap (gaia serve --enable-debug), from
// gperftools' tcmalloc heap profiler. gaia keeps glibc's allocator (and the ASan build
// cannot have another), so the profiler is there only when the user preloads tcmalloc:
//   LD_PRELOAD=libtcmalloc.so.4 gaia serve --enable-debug …
// It is looked up at run time; when present, every allocation is tracked from the start.

#include <string>

namespace gaia::serve {

class HeapProfiler {
public:
    HeapProfiler();   // starts tracking if tcmalloc's heap profiler is in the process
    ~HeapProfiler();  // stops it and removes the dumps it may have written
    HeapProfiler(const HeapProfiler&) = delete;
    HeapProfiler& operator=(const HeapProfiler&) = delete;

    bool available() const noexcept { return get_profile_ != nullptr; }
    // The live heap now, in the text format google-pprof reads. Only when available().
    std::string profile() const;

    static constexpr const char* kHowToEnable =
        "heap profiles need gperftools' tcmalloc in gaia: start it with "
        "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4 (Debian package libgoogle-perftools4)";

private:
    char* (*get_profile_)() = nullptr;
    void (*stop_)() = nullptr;
    std::string dump_dir_;  // where the profiler's periodic dumps go (removed at the end)
};

}  // namespace gaia::serve
