#include "tests/support/dnsmasq_server.hpp"

#include "tests/support/file_server.hpp"

#include <unistd.h>

#include <sstream>

namespace gaia::test {

DnsmasqServer::DnsmasqServer() : port_(free_port()) {
    const auto log = (dir_.path() / "queries.log").string();
    std::vector<std::string> args{"dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=",
                                  "--port=" + std::to_string(port_), "--listen-address=127.0.0.1",
                                  "--bind-interfaces", "--no-resolv", "--no-hosts", "--no-negcache",
                                  "--host-record=short.test,10.0.0.1,1", "--host-record=long.test,10.0.0.2,3600",
                                  "--host-record=api.test,127.0.0.1,3600", "--address=/nx.test/",
                                  "--log-queries", "--log-facility=" + log};
    if (::geteuid() == 0) args.push_back("--user=root");  // no user switch: the log stays ours
    pid_ = start_loopback_server(args, port_);
}

DnsmasqServer::~DnsmasqServer() { stop_loopback_server(pid_); }

std::string DnsmasqServer::log() const { return read_file(dir_.path() / "queries.log"); }

int DnsmasqServer::queries_for(const std::string& name) const {
    std::istringstream log(read_file(dir_.path() / "queries.log"));
    int n = 0;
    for (std::string line; std::getline(log, line);) {
        if (line.find("query[") != std::string::npos && line.find(" " + name + " from ") != std::string::npos) ++n;
    }
    return n;
}

}  // namespace gaia::test
