#pragma once
// Starting a child process: posix_spawn, which glibc builds on clone(CLONE_VM |
// CLONE_VFORK). Unlike fork() (what libuv 1.44's uv_spawn uses), it does not copy gaia's
// page tables, so spawning stays cheap however large gaia is; and the child runs only
// async-signal-safe steps before exec. The child starts a new session (its own process
// group), with default signal dispositions, an empty signal mask and only the
// descriptors it is given.

#include <sys/types.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gaia::loop {

struct SpawnRequest {
    std::string program;            // a path (see find_program)
    std::vector<std::string> argv;  // argv[0] included
    std::vector<std::string> env;   // NAME=VALUE
    std::string cwd;                // empty: gaia's
    int stdin_fd = -1;              // -1: /dev/null
    int stdout_fd = -1;
    int stderr_fd = -1;
    // More descriptors for the child, {gaia's fd, the child's number (3 to 9)}: Chromium's
    // --remote-debugging-pipe reads fd 3 and writes fd 4.
    std::vector<std::pair<int, int>> extra_fds;
};

// Starts the child; returns its pid, or -errno (the exec's error too: ENOENT, EACCES…).
pid_t spawn_process(const SpawnRequest& request);

// As spawn_process, with a new pipe for each of the child's descriptors 0-2 marked in
// `pipes` (the request's own descriptor for it is ignored), made just before the child
// starts and its end closed right after: a spawn that waits for its turn holds no
// descriptor, and each child copies a smaller descriptor table. ends[n] gets gaia's end
// (for 0 the one to write, for 1 and 2 the ones to read), or -1. On failure: -errno and no
// descriptor left open; *failed_pipe is the number whose pipe could not be made, else -1.
pid_t spawn_piped(SpawnRequest request, const std::array<bool, 3>& pipes, std::array<int, 3>& ends, int* failed_pipe);

// The program as execve needs it: a name without '/' is looked up in `path` (the child's
// PATH; the default search path when empty). Sets *error (ENOENT, EACCES) when nothing
// executable is found.
std::optional<std::string> find_program(std::string_view name, std::string_view path, int* error);

// A pipe whose both ends are close-on-exec; the child's end is given to spawn_process,
// which makes it its stdio. Returns false and sets errno on failure — EMFILE also when
// the pipe would leave fewer than kDescriptorReserve descriptors free under
// RLIMIT_NOFILE. Children's pipes never take gaia's last descriptors: those stay for
// its report, its log, a connection to the metrics endpoint — and for the sanitizers,
// whose runtime probes memory through a pipe of its own.
bool make_pipe(int fds[2]);
inline constexpr int kDescriptorReserve = 16;
// Why make_pipe failed, for an error message: strerror, and for EMFILE the limit and the
// reserve ("Too many open files (the limit is 64 descriptors, 16 of them kept for gaia)").
std::string pipe_failure(int err);

}  // namespace gaia::loop
