#include "core/serve/cpu_profiler.hpp"

#include "core/loop/work.hpp"

#include <dlfcn.h>
#include <gperftools/profiler.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>

namespace gaia::serve {
namespace {

// gperftools' libprofiler, loaded when the first profile is asked for. Linked, it was
// mapped (with libunwind) into every gaia process, a plain `gaia run` included, for an
// endpoint that only `gaia serve --enable-debug` offers.
struct ProfilerLibrary {
    int (*start)(const char* path, const ProfilerOptions* options) = nullptr;
    void (*stop)() = nullptr;
    std::string error;  // why it could not be loaded
};

const ProfilerLibrary& profiler_library() {
    static const ProfilerLibrary library = [] {
        ProfilerLibrary l;
        // Never dlclose'd: a profile may be running until the process ends.
        void* handle = ::dlopen("libprofiler.so.0", RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* why = ::dlerror();
            l.error = std::string("cannot load the CPU profiler (install libgoogle-perftools4): ") + (why ? why : "unknown");
            return l;
        }
        l.start = reinterpret_cast<int (*)(const char*, const ProfilerOptions*)>(::dlsym(handle, "ProfilerStartWithOptions"));
        l.stop = reinterpret_cast<void (*)()>(::dlsym(handle, "ProfilerStop"));
        if (l.start == nullptr || l.stop == nullptr) l.error = "libprofiler.so.0 has no ProfilerStartWithOptions or ProfilerStop";
        return l;
    }();
    return library;
}

}  // namespace

CpuProfiler::CpuProfiler(loop::Loop& loop) : loop_(loop) {}

CpuProfiler::~CpuProfiler() {
    if (!busy()) return;
    profiler_library().stop();
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
}

void CpuProfiler::profile(std::chrono::seconds duration, Done done) {
    std::error_code ec;
    auto dir = std::filesystem::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    const auto path = (dir / ("gaia-cpu-" + std::to_string(::getpid()) + "-" + std::to_string(++serial_) + ".prof")).string();
    const auto& library = profiler_library();
    ProfilerOptions options{};
    if (!library.error.empty() || library.start(path.c_str(), &options) == 0) {
        const std::string error =
            library.error.empty() ? "cannot start the CPU profiler (writing " + path + ")" : library.error;
        loop_.post(life_.guard([done = std::move(done), error] { done({}, error); }));
        return;
    }
    path_ = path;
    done_ = std::move(done);
    timer_ = loop::Timer::create(loop_);
    timer_->start(std::chrono::duration_cast<std::chrono::milliseconds>(duration), [this] { finish(); });
}

void CpuProfiler::finish() {
    profiler_library().stop();  // flushes the samples to the file
    timer_.reset();
    auto path = std::exchange(path_, std::string());
    auto done = std::exchange(done_, nullptr);
    // Reading and removing the file leaves the loop thread.
    auto bytes = std::make_shared<std::string>();
    auto error = std::make_shared<std::string>();
    loop::queue_work(
        loop_,
        [path, bytes, error] {
            std::ifstream in(path, std::ios::binary);
            if (!in) {
                *error = "cannot read the profile " + path + ": " + std::strerror(errno);
                return;
            }
            std::ostringstream text;
            text << in.rdbuf();
            *bytes = std::move(text).str();
            std::error_code ignored;
            std::filesystem::remove(path, ignored);
        },
        life_.guard([done = std::move(done), bytes, error](bool cancelled) {
            if (cancelled) return done({}, "the profile was not read: gaia is stopping");
            done(std::move(*bytes), *error);
        }));
}

}  // namespace gaia::serve
