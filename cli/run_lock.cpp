#include "cli/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace gaia::cli {
namespace {

// The pid the holder wrote, or empty when the file holds none (a lock taken by something
// other than gaia, or a holder between its flock and its write).
std::string holder_of(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return {};
    std::string text(buf, static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return {};
    return text;
}

}  // namespace

std::optional<RunLock> RunLock::acquire(const std::string& path, std::chrono::milliseconds wait, Failure* failure,
                                        std::string* message, std::string* holder_pid) {
    *failure = Failure::none;
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        *failure = Failure::error;
        *message = "cannot open the lock file " + path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    // Before the loop exists nothing else waits on this thread: polling is enough, and a
    // signal ends gaia as it would any command still starting.
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK) {
            *failure = Failure::error;
            *message = "cannot lock " + path + ": " + std::strerror(errno);
            ::close(fd);
            return std::nullopt;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            const std::string holder = holder_of(fd);
            if (holder_pid) *holder_pid = holder;
            *failure = Failure::busy;
            *message = "another run holds the lock " + path + (holder.empty() ? "" : " (pid " + holder + ")") +
                       (wait.count() > 0 ? ", still after the --lock-wait" : "; --lock-wait waits for it");
            ::close(fd);
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // Who holds it, for the next run that finds it taken. The lock does not depend on it:
    // on a full disk the file stays empty and the message names no pid.
    const std::string pid = std::to_string(::getpid()) + "\n";
    const bool noted = ::ftruncate(fd, 0) == 0 && ::pwrite(fd, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size());
    (void)noted;
    return RunLock(fd);
}

RunLock::~RunLock() {
    if (fd_ >= 0) ::close(fd_);  // the lock goes with the descriptor
}

}  // namespace gaia::cli
