#include "tests/support/file_helpers.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

extern char** environ;

namespace gaia::test {

ShmDir::ShmDir() {
    static int counter = 0;
    path = "/dev/shm/gaia-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    std::filesystem::create_directories(path);
}

ShmDir::~ShmDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

std::string with_dir(const TempDir& dir, std::string text) {
    for (auto at = text.find("{D}"); at != std::string::npos; at = text.find("{D}", at)) {
        text.replace(at, 3, dir.path().string());
    }
    return text;
}

std::set<std::string> entries(const std::filesystem::path& dir) {
    std::set<std::string> names;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        names.insert(it->path().filename().string());
    }
    return names;
}

std::vector<std::string> staging_leftovers(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (e.path().filename().string().find(".gaia-") != std::string::npos) names.push_back(e.path().string());
    }
    return names;
}

void write_big_file(const std::filesystem::path& path, std::uint64_t size) {
    std::vector<std::uint64_t> block(1 << 17);  // 1 MiB
    std::ofstream out(path, std::ios::binary);
    for (std::uint64_t written = 0, n = 0; written < size; ++n) {
        for (std::size_t i = 0; i < block.size(); ++i) block[i] = (n << 20) ^ (i * 0x9e3779b97f4a7c15ull);
        const auto chunk = std::min<std::uint64_t>(size - written, block.size() * sizeof(std::uint64_t));
        out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(chunk));
        written += chunk;
    }
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

Output run_measured(const std::vector<std::string>& argv, long* max_rss_kib) {
    char out_name[] = "/tmp/gaia-measured-out-XXXXXX";
    char err_name[] = "/tmp/gaia-measured-err-XXXXXX";
    const int out_fd = ::mkstemp(out_name);
    const int err_fd = ::mkstemp(err_name);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    std::vector<std::string> args = argv;
    std::vector<char*> ptrs;
    for (auto& a : args) ptrs.push_back(a.data());
    ptrs.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, ptrs[0], &actions, nullptr, ptrs.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_fd);
    ::close(err_fd);
    Output result;
    if (rc == 0) {
        int status = 0;
        struct rusage usage {};
        ::wait4(pid, &status, 0, &usage);
        *max_rss_kib = usage.ru_maxrss;
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    result.out = read_file(out_name);
    result.err = read_file(err_name);
    ::unlink(out_name);
    ::unlink(err_name);
    if (rc != 0) throw std::runtime_error("cannot start " + argv.front());
    return result;
}

}  // namespace gaia::test
