#pragma once
// The launcher: gaia re-executed as `gaia __gaia_launch …` between posix_spawn and the
// job's program, to apply resource limits and join cgroups before the program runs.
//
// Why: libuv's uv_spawn has no hook that runs in the child, and posix_spawn (fast: it
// does not copy gaia's page tables) cannot set rlimits or cgroups. A hand-written
// clone(CLONE_VM|CLONE_VFORK) child could, but it runs in gaia's memory, must avoid every
// function the sanitizers or libc intercept, and is easy to get subtly wrong. One extra
// exec of a small, already cached binary is cheap, and is paid only by jobs that set
// limits. The launcher does only setrlimit, open/write and execve.

#include <string>
#include <vector>

namespace gaia::jobs::process {

inline constexpr const char* kLauncherCommand = "__gaia_launch";

// argv for running `program` (argv) through the launcher.
std::vector<std::string> launcher_argv(const std::string& gaia_exe, const std::vector<std::string>& rlimits,
                                       const std::vector<std::string>& cgroup_procs, const std::string& program,
                                       const std::vector<std::string>& argv);

// main() of the launcher: never returns on success (the program replaces it).
int launcher_main(int argc, char** argv);

// "memory:BYTES" etc. for launcher_argv: RESOURCE:SOFT:HARD.
std::string rlimit_arg(int resource, unsigned long long soft, unsigned long long hard);

}  // namespace gaia::jobs::process
