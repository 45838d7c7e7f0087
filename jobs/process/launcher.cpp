#include "jobs/process/launcher.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace gaia::jobs::process {

std::string rlimit_arg(int resource, unsigned long long soft, unsigned long long hard) {
    return "--rlimit=" + std::to_string(resource) + ":" + std::to_string(soft) + ":" + std::to_string(hard);
}

std::vector<std::string> launcher_argv(const std::string& gaia_exe, const std::vector<std::string>& rlimits,
                                       const std::vector<std::string>& cgroup_procs, const std::string& program,
                                       const std::vector<std::string>& argv) {
    std::vector<std::string> out{gaia_exe, kLauncherCommand};
    out.insert(out.end(), rlimits.begin(), rlimits.end());
    for (const auto& procs : cgroup_procs) out.push_back("--join=" + procs);
    out.push_back("--");
    out.push_back(program);
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

int launcher_main(int argc, char** argv) {
    int i = 2;
    for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
        const char* arg = argv[i];
        if (std::strncmp(arg, "--rlimit=", 9) == 0) {
            int resource = 0;
            unsigned long long soft = 0, hard = 0;
            if (std::sscanf(arg + 9, "%d:%llu:%llu", &resource, &soft, &hard) != 3) {
                std::fprintf(stderr, "gaia: launcher: bad argument %s\n", arg);
                return 127;
            }
            rlimit limit{static_cast<rlim_t>(soft), static_cast<rlim_t>(hard)};
            if (::setrlimit(resource, &limit) != 0) {
                std::fprintf(stderr, "gaia: cannot apply a resource limit (resource %d = %llu): %s\n", resource, soft,
                             std::strerror(errno));
                return 127;
            }
        } else if (std::strncmp(arg, "--join=", 7) == 0) {
            const char* path = arg + 7;
            const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
            char pid[32];
            const int n = std::snprintf(pid, sizeof pid, "%d\n", static_cast<int>(::getpid()));
            if (fd < 0 || ::write(fd, pid, static_cast<std::size_t>(n)) != n) {
                std::fprintf(stderr, "gaia: cannot join the cgroup %s: %s\n", path, std::strerror(errno));
                return 127;
            }
            ::close(fd);
        } else {
            std::fprintf(stderr, "gaia: launcher: unknown argument %s\n", arg);
            return 127;
        }
    }
    if (i + 2 > argc) {
        std::fprintf(stderr, "gaia: launcher: no program\n");
        return 127;
    }
    ::execve(argv[i + 1], argv + i + 2, environ);
    std::fprintf(stderr, "gaia: cannot run %s: %s\n", argv[i + 1], std::strerror(errno));
    return 127;
}

}  // namespace gaia::jobs::process
