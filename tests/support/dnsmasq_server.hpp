#pragma once
// A real DNS server on 127.0.0.1 for tests: dnsmasq with records of short and long TTLs
// and a domain that answers NXDOMAIN, logging every query it receives.
//   short.test  A 10.0.0.1  TTL 1 s
//   long.test   A 10.0.0.2  TTL 3600 s
//   api.test    A 127.0.0.1 TTL 3600 s (for requests that must reach a loopback server)
//   *.nx.test   NXDOMAIN

#include "tests/support/subprocess.hpp"

#include <sys/types.h>

#include <string>

namespace gaia::test {

class DnsmasqServer {
public:
    DnsmasqServer();
    ~DnsmasqServer();
    DnsmasqServer(const DnsmasqServer&) = delete;
    DnsmasqServer& operator=(const DnsmasqServer&) = delete;

    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    int port() const noexcept { return port_; }
    // How many queries (of any type) for `name` the server has received.
    int queries_for(const std::string& name) const;
    std::string log() const;  // what dnsmasq logged, for a failing test's message

private:
    TempDir dir_;
    int port_;
    pid_t pid_ = 0;
};

}  // namespace gaia::test
