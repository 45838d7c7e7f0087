#include "core/serve/heap_profiler.hpp"

#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <system_error>

namespace gaia::serve {

HeapProfiler::HeapProfiler() {
    auto start = reinterpret_cast<void (*)(const char*)>(::dlsym(RTLD_DEFAULT, "HeapProfilerStart"));
    auto running = reinterpret_cast<int (*)()>(::dlsym(RTLD_DEFAULT, "IsHeapProfilerRunning"));
    auto get = reinterpret_cast<char* (*)()>(::dlsym(RTLD_DEFAULT, "GetHeapProfile"));
    auto stop = reinterpret_cast<void (*)()>(::dlsym(RTLD_DEFAULT, "HeapProfilerStop"));
    if (!start || !running || !get || !stop) return;
    // The profiler also dumps to files now and then (every GiB allocated): into a private
    // directory that goes when gaia stops.
    std::error_code ec;
    std::string pattern = (std::filesystem::temp_directory_path(ec) / "gaia-heap-XXXXXX").string();
    if (ec || ::mkdtemp(pattern.data()) == nullptr) {
        spdlog::warn("heap profiler: cannot make a directory for its dumps; /debug/pprof/heap is off");
        return;
    }
    dump_dir_ = pattern;
    if (!running()) start((dump_dir_ + "/gaia").c_str());
    get_profile_ = get;
    stop_ = stop;
    spdlog::info("heap profiler: tracking allocations for /debug/pprof/heap");
}

HeapProfiler::~HeapProfiler() {
    if (stop_) stop_();
    if (!dump_dir_.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(dump_dir_, ignored);
    }
}

std::string HeapProfiler::profile() const {
    std::unique_ptr<char, decltype(&std::free)> text(get_profile_(), &std::free);
    return text ? std::string(text.get()) : std::string();
}

}  // namespace gaia::serve
