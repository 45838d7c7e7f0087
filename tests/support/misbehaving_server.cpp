#include "tests/support/misbehaving_server.hpp"

#include "tests/support/file_server.hpp"
#include "tests/support/test_ca.hpp"

#include <sstream>

namespace gaia::test {

MisbehavingServer::MisbehavingServer(bool tls) : port_(free_port()), tls_(tls) {
    std::vector<std::string> argv{"python3", std::string(GAIA_SOURCE_DIR) + "/tests/support/misbehaving_server.py",
                                  std::to_string(port_), (dir_.path() / "requests.log").string()};
    if (tls_) argv.insert(argv.end(), {loopback_certificate().cert, loopback_certificate().key});
    pid_ = start_loopback_server(argv, port_);
}

std::string MisbehavingServer::ca_file() const { return loopback_certificate().ca; }

MisbehavingServer::~MisbehavingServer() { stop_loopback_server(pid_); }

std::string MisbehavingServer::url(const std::string& path) const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_) + path;
}

std::vector<double> MisbehavingServer::arrivals(const std::string& prefix) const {
    std::vector<double> out;
    std::istringstream log(read_file(dir_.path() / "requests.log"));
    double when = 0;
    std::string method, path;
    while (log >> when >> method >> path) {
        if (path.rfind(prefix, 0) == 0) out.push_back(when);
    }
    return out;
}

}  // namespace gaia::test
