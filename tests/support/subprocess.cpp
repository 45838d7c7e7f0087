#include "tests/support/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

extern char** environ;

namespace gaia::test {
namespace {

// This process's environment with `extra` (NAME=VALUE) added, replacing entries of the
// same name: getenv finds the first one, so an appended duplicate would not count.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        const std::string_view entry(*e);
        const auto name = entry.substr(0, entry.find('=') + 1);
        const bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
            return x.compare(0, name.size(), name) == 0;
        });
        if (!replaced) env.emplace_back(entry);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

}  // namespace

Output run_program(const std::vector<std::string>& argv, const std::string& stdin_text,
                   const std::vector<std::string>& extra_env) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<std::string> env_storage = environment_with(extra_env);
    std::vector<char*> envp, args;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_copy = argv;
    for (auto& a : argv_copy) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) throw std::runtime_error(std::string("cannot run ") + argv[0] + ": " + std::strerror(rc));

    Output result;
    std::size_t written = 0;
    int in_fd = in[1];
    if (stdin_text.empty()) {
        ::close(in_fd);
        in_fd = -1;
    } else {
        fcntl(in_fd, F_SETFL, O_NONBLOCK);
    }
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0 || in_fd >= 0) {
        pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in_fd, POLLOUT, 0}};
        if (::poll(fds, 3, -1) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
            } else {
                ::close(i == 0 ? out[0] : err[0]);
                (i == 0 ? out[0] : err[0]) = -1;
                --open_fds;
            }
        }
        if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = ::write(in_fd, stdin_text.data() + written, stdin_text.size() - written);
            if (n > 0) written += static_cast<std::size_t>(n);
            if (n < 0 || written == stdin_text.size()) {
                ::close(in_fd);
                in_fd = -1;
            }
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

Output run_gaia(const std::vector<std::string>& args, const std::string& stdin_text,
                const std::vector<std::string>& extra_env) {
    std::vector<std::string> argv{GAIA_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, stdin_text, extra_env);
}

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gaia-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string TempDir::file(const std::string& name, const std::string& content) const {
    auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string test_data(const std::string& relative) { return std::string(GAIA_TEST_DATA) + "/" + relative; }

}  // namespace gaia::test

#include <csignal>
#include <thread>

namespace gaia::test {

namespace {
std::vector<std::string> gaia_argv(const std::vector<std::string>& args) {
    std::vector<std::string> argv{GAIA_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}
}  // namespace

// A gaia serve started in `dir` keeps its state database there (by default; --state says
// otherwise): a second one started in the same directory goes on from it.
namespace {
std::vector<std::string> with_state_home(std::vector<std::string> env, const std::filesystem::path& dir) {
    const bool given = std::any_of(env.begin(), env.end(), [](const std::string& e) { return e.rfind("XDG_STATE_HOME=", 0) == 0; });
    if (!given) env.push_back("XDG_STATE_HOME=" + (dir / "state-home").string());
    return env;
}
}  // namespace

BackgroundGaia::BackgroundGaia(const std::vector<std::string>& args, const std::filesystem::path& dir,
                               std::vector<std::string> extra_env)
    : BackgroundProcess(gaia_argv(args), dir, "bg", with_state_home(std::move(extra_env), dir)) {}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& program, const std::filesystem::path& dir,
                                     const std::string& name, const std::vector<std::string>& extra_env)
    : out_(dir / (name + ".out")), err_(dir / (name + ".err")) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> argv = program;
    std::vector<char*> ptrs;
    for (auto& a : argv) ptrs.push_back(a.data());
    ptrs.push_back(nullptr);
    auto env = environment_with(extra_env);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, ptrs[0], &actions, nullptr, ptrs.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + program.front());
    pid_ = pid;
}

BackgroundProcess::~BackgroundProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

void BackgroundProcess::signal(int signum) const {
    // Never kill(-1, …) or kill(0, …): once gaia has been reaped there is nothing to signal.
    if (pid_ > 0) ::kill(pid_, signum);
}

int BackgroundProcess::wait(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

std::string BackgroundProcess::out() const { return read_file(out_); }
std::string BackgroundProcess::err() const { return read_file(err_); }

bool eventually(const std::function<bool()>& ok, double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
        if (ok()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return ok();
}

int count_processes(const std::string& marker) {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string cmdline = read_file(entry.path() / "cmdline");
        for (auto& c : cmdline) {
            if (c == '\0') c = ' ';
        }
        if (cmdline.find(marker) != std::string::npos) ++n;
    }
    return n;
}

}  // namespace gaia::test

namespace gaia::test {

int wait_for_processes(const std::string& marker, int n) {
    int count = 0;
    for (int i = 0; i < 300 && (count = count_processes(marker)) < n; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return count;
}

}  // namespace gaia::test
