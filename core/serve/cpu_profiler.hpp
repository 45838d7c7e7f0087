#pragma once
// CPU profiles of the whole gaia process in pprof format, for /debug/pprof/profile
// (gaia serve --enable-debug): gperftools' libprofiler samples every thread 100 times a
// second of CPU while the profile runs; `google-pprof --text gaia PROFILE` reads it.
// The profiler is process-wide, so one profile runs at a time.

#include "core/loop/lifetime.hpp"
#include "core/loop/timer.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace gaia::serve {

class CpuProfiler {
public:
    using Done = std::function<void(std::string profile, std::string error)>;

    explicit CpuProfiler(loop::Loop& loop);
    ~CpuProfiler();  // a profile still running is stopped and its file removed
    CpuProfiler(const CpuProfiler&) = delete;
    CpuProfiler& operator=(const CpuProfiler&) = delete;

    bool busy() const noexcept { return !path_.empty(); }
    // Profiles for `duration`, then `done` on a later turn with the profile's bytes (or
    // an error). Call only when !busy().
    void profile(std::chrono::seconds duration, Done done);

private:
    void finish();

    loop::Loop& loop_;
    loop::HandlePtr<loop::Timer> timer_;
    std::string path_;  // the profile being written; empty when idle
    Done done_;
    unsigned serial_ = 0;
    loop::Lifetime life_;
};

}  // namespace gaia::serve
