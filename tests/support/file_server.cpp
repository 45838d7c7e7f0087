#include "tests/support/file_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace gaia::test {
namespace {

bool accepts(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

// A socket (SOCK_STREAM or SOCK_DGRAM) bound to 127.0.0.1 on a port the kernel picks (in
// *port); a stream socket is not listening.
int bound_loopback_socket(int* port, int type = SOCK_STREAM) {
    const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const int error = errno;
        ::close(fd);
        throw std::runtime_error(std::string("binding a loopback port: ") + std::strerror(error));
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

}  // namespace

int free_port() {
    int port = 0;
    ::close(bound_loopback_socket(&port));
    return port;
}

RefusingPort::RefusingPort() : fd_(bound_loopback_socket(&port_)) {}

RefusingPort::~RefusingPort() { ::close(fd_); }

SilentPort::SilentPort(Protocol protocol)
    : fd_(bound_loopback_socket(&port_, protocol == Protocol::tcp ? SOCK_STREAM : SOCK_DGRAM)) {
    if (protocol == Protocol::tcp && ::listen(fd_, 16) != 0) {
        ::close(fd_);
        throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
    }
}

SilentPort::~SilentPort() { ::close(fd_); }

pid_t start_loopback_server(const std::vector<std::string>& args, int port, const std::string& log) {
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // What a server prints (Flask's banner, http.server's access log) is not the test's output.
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log.empty() ? "/dev/null" : log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
    for (int i = 0; i < 1000 && !accepts(port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!accepts(port)) {
        stop_loopback_server(pid);
        throw std::runtime_error("the test server " + args[0] + " did not start");
    }
    return pid;
}

void stop_loopback_server(pid_t pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

FileServer::FileServer() : port_(free_port()) {
    dir_.file("hello.txt", "hello, gaia\n");
    dir_.file("big.bin", std::string(3 << 20, 'x'));
    dir_.file("data.json", R"({"token": "t0k3n", "ids": [1, 2, 3], "user": {"name": "ci", "admin": false}})");
    pid_ = start_loopback_server({"python3", "-m", "http.server", std::to_string(port_), "--bind", "127.0.0.1",
                                  "--directory", dir_.path().string()},
                                 port_, (log_dir_.path() / "access.log").string());
}

// http.server logs `127.0.0.1 - - [date] "GET /x HTTP/1.1" 200 -` per request, a line at a
// time (Python's stderr is line-buffered even into a file).
std::vector<std::string> FileServer::requests() const {
    std::ifstream in(log_dir_.path() / "access.log");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        const auto open = line.find("] \"");
        const auto close = line.rfind('"');
        if (open == std::string::npos || close == std::string::npos || close <= open + 3) continue;
        lines.push_back(line.substr(open + 3, close - open - 3));
    }
    return lines;
}

FileServer::~FileServer() { stop_loopback_server(pid_); }
std::string FileServer::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

}  // namespace gaia::test
