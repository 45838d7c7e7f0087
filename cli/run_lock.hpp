#pragma once
// gaia run --lock PATH: one run at a time per lock file, for cron entries and CI jobs that
// could overlap. A kernel lock (flock) held for the whole run: a run that is killed frees
// it at once, with no stale file to clean up. The holder writes its pid into the file, so
// the run that finds the lock taken can say whose it is.

#include <chrono>
#include <optional>
#include <string>

namespace gaia::cli {

class RunLock {
public:
    enum class Failure { none, busy, error };

    // Takes the lock on `path` (created if missing), trying again until `wait` has passed
    // (zero: once). On failure, *failure says whether another process holds it (busy) or
    // the file could not be used (error), and *message says which, naming the holder's pid.
    // *holder, if given, gets the holder's pid when it is busy (empty if it is not known).
    static std::optional<RunLock> acquire(const std::string& path, std::chrono::milliseconds wait, Failure* failure,
                                          std::string* message, std::string* holder = nullptr);

    RunLock(RunLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    RunLock& operator=(RunLock&&) = delete;
    RunLock(const RunLock&) = delete;
    ~RunLock();

private:
    explicit RunLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace gaia::cli
