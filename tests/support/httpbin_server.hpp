#pragma once
// httpbin (Debian's python3-httpbin, a server nobody here wrote) on 127.0.0.1, started by
// a test: the reference peer for redirects, cookies, authentication, codings and uploads.

#include "tests/support/subprocess.hpp"

#include <sys/types.h>

#include <string>

namespace gaia::test {

class HttpbinServer {
public:
    HttpbinServer();
    ~HttpbinServer();
    HttpbinServer(const HttpbinServer&) = delete;
    HttpbinServer& operator=(const HttpbinServer&) = delete;

    std::string url(const std::string& path) const;
    int port() const noexcept { return port_; }

private:
    int port_;
    pid_t pid_ = 0;
};

}  // namespace gaia::test
