#include "tests/support/httpbin_server.hpp"

#include "tests/support/file_server.hpp"

namespace gaia::test {

// Debian's python3, whatever `python3` a PATH may put first: the package is installed for it.
HttpbinServer::HttpbinServer() : port_(free_port()) {
    pid_ = start_loopback_server({"/usr/bin/python3", "-m", "httpbin.core", "--host", "127.0.0.1", "--port",
                                  std::to_string(port_)},
                                 port_);
}

HttpbinServer::~HttpbinServer() { stop_loopback_server(pid_); }

std::string HttpbinServer::url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

}  // namespace gaia::test
