#pragma once
// A real nginx on 127.0.0.1, started by a test: plain HTTP on one port, HTTPS with
// HTTP/2 on another, with a self-signed certificate made for the test (CN localhost).

#include "tests/support/subprocess.hpp"

#include <sys/types.h>

#include <string>

namespace gaia::test {

class NginxServer {
public:
    // Serves hello.txt, data.json, 2mib.bin and 10mib.bin; /redirect-to?url=U answers 302 to
    // U, /redirect-307?url=U 307; /echo tells the Host, Authorization, Cookie and method it got.
    NginxServer();
    ~NginxServer();
    NginxServer(const NginxServer&) = delete;
    NginxServer& operator=(const NginxServer&) = delete;

    std::string http_url(const std::string& path) const;
    std::string https_url(const std::string& path) const;
    std::string certificate() const { return (dir_.path() / "cert.pem").string(); }

private:
    TempDir dir_;
    int http_port_, https_port_;
    pid_t pid_ = 0;
};

}  // namespace gaia::test
