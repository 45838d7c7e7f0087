#include "core/serve/cpu_profiler.hpp"

#include "core/loop/work.hpp"

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

CpuProfiler::CpuProfiler(loop::Loop& loop) : loop_(loop) {}

CpuProfiler::~CpuProfiler() {
    if (!busy()) return;
    ProfilerStop();
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
}

void CpuProfiler::profile(std::chrono::seconds duration, Done done) {
    std::error_code ec;
    auto dir = std::filesystem::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    const auto path = (dir / ("gaia-cpu-" + std::to_string(::getpid()) + "-" + std::to_string(++serial_) + ".prof")).string();
    ProfilerOptions options{};
    if (ProfilerStartWithOptions(path.c_str(), &options) == 0) {
        const std::string error = "cannot start the CPU profiler (writing " + path + ")";
        loop_.post(life_.guard([done = std::move(done), error] { done({}, error); }));
        return;
    }
    path_ = path;
    done_ = std::move(done);
    timer_ = loop::Timer::create(loop_);
    timer_->start(std::chrono::duration_cast<std::chrono::milliseconds>(duration), [this] { finish(); });
}

void CpuProfiler::finish() {
    ProfilerStop();  // flushes the samples to the file
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
