#pragma once
// tests/support/misbehaving_server.py on 127.0.0.1, started and stopped by a test: routes
// that echo what gaia sent, and routes that reset, stall, drip, loop and bomb.

#include "tests/support/subprocess.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace gaia::test {

class MisbehavingServer {
public:
    // With tls, the same routes over https, with loopback_certificate() (test_ca.hpp).
    explicit MisbehavingServer(bool tls = false);
    ~MisbehavingServer();
    MisbehavingServer(const MisbehavingServer&) = delete;
    MisbehavingServer& operator=(const MisbehavingServer&) = delete;

    std::string url(const std::string& path) const;
    int port() const noexcept { return port_; }
    // The CA that issued its certificate (with tls).
    std::string ca_file() const;
    // The server's monotonic arrival times (seconds) of requests whose path starts with prefix.
    std::vector<double> arrivals(const std::string& prefix) const;

private:
    TempDir dir_;
    int port_;
    bool tls_;
    pid_t pid_ = 0;
};

}  // namespace gaia::test
