#pragma once
// A real HTTP server for tests: Python's http.server on 127.0.0.1 serving a directory of
// the test's own, started and stopped by the test.

#include "tests/support/subprocess.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace gaia::test {

// A port nothing listens on right now (another program may take it next).
int free_port();

// A loopback port that refuses connections for as long as this lives: bound, never
// listening, so no other test's server can take it meanwhile.
class RefusingPort {
public:
    RefusingPort();
    ~RefusingPort();
    RefusingPort(const RefusingPort&) = delete;
    RefusingPort& operator=(const RefusingPort&) = delete;
    int port() const noexcept { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

private:
    int port_ = 0;  // before fd_: fd_'s initializer sets it
    int fd_ = -1;
};

// A loopback port that takes what is sent and never answers: over TCP the kernel's backlog
// accepts connections that nobody reads; over UDP datagrams arrive and go unread.
class SilentPort {
public:
    enum class Protocol { tcp, udp };
    explicit SilentPort(Protocol protocol);
    ~SilentPort();
    SilentPort(const SilentPort&) = delete;
    SilentPort& operator=(const SilentPort&) = delete;
    int port() const noexcept { return port_; }

private:
    int port_ = 0;  // before fd_: fd_'s initializer sets it
    int fd_ = -1;
};

// Starts a server program (argv) and waits until it accepts on 127.0.0.1:port. What it
// prints goes to /dev/null, or its stderr to `log` when given.
pid_t start_loopback_server(const std::vector<std::string>& argv, int port, const std::string& log = {});
void stop_loopback_server(pid_t pid);

class FileServer {
public:
    FileServer();  // serves hello.txt, big.bin (3 MiB) and data.json
    ~FileServer();
    FileServer(const FileServer&) = delete;
    FileServer& operator=(const FileServer&) = delete;
    std::string url(const std::string& path) const;
    const TempDir& dir() const noexcept { return dir_; }
    // The request lines the server has logged so far ("GET /pixel.png HTTP/1.1"), in order.
    std::vector<std::string> requests() const;

private:
    TempDir dir_;
    TempDir log_dir_;  // beside, not in, what is served
    int port_;
    pid_t pid_ = 0;
};

}  // namespace gaia::test
