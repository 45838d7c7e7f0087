#pragma once
// A real nginx on 127.0.0.1, started by a test: plain HTTP on one port, HTTPS (TLS 1.2 and
// 1.3, HTTP/2 by ALPN) on another, with a self-signed certificate made for the test (CN
// localhost); and more HTTPS ports, "sites", each with a certificate of the test's choice.

#include "tests/support/subprocess.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace gaia::test {

// One more HTTPS port of the server, serving the same files.
struct TlsSite {
    std::string cert, key;                       // PEM files
    std::string protocols = "TLSv1.2 TLSv1.3";  // nginx's ssl_protocols
};

class NginxServer {
public:
    // Serves hello.txt, data.json, 2mib.bin and 10mib.bin; /redirect-to?url=U answers 302 to
    // U, /redirect-307?url=U 307; /echo tells the Host, Authorization, Cookie and method it got;
    // /index/N answers 503 when N ends in 3, else 200.
    explicit NginxServer(std::vector<TlsSite> sites = {});
    ~NginxServer();
    NginxServer(const NginxServer&) = delete;
    NginxServer& operator=(const NginxServer&) = delete;

    std::string http_url(const std::string& path) const;
    std::string https_url(const std::string& path) const;
    // sites[i]'s URL, with `host` in it (the certificate may or may not name it).
    std::string site_url(std::size_t i, const std::string& path, const std::string& host = "localhost") const;
    std::string certificate() const { return (dir_.path() / "cert.pem").string(); }

private:
    TempDir dir_;
    int http_port_ = 0, https_port_ = 0;
    std::vector<int> site_ports_;
    pid_t pid_ = 0;
};

}  // namespace gaia::test
