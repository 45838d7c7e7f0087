#include "core/text/ip_endpoint.hpp"

#include <doctest/doctest.h>

#include <netinet/in.h>

#include <string>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using gaia::text::parse_ip_endpoint;
using gaia::text::PortRule;

namespace {

// The endpoint as text again, or "error: …".
std::string read(const std::string& text, PortRule rule = PortRule::optional) {
    std::string error;
    const auto endpoint = parse_ip_endpoint(text, rule, &error);
    return endpoint ? endpoint->text() : "error: " + error;
}

}  // namespace

TEST_CASE("IP endpoints: IPv4 and IPv6, bracketed or bare, with or without a port, and localhost") {
    CHECK(read("127.0.0.1") == "127.0.0.1");
    CHECK(read("127.0.0.1:5353") == "127.0.0.1:5353");
    CHECK(read("::1") == "::1");
    CHECK(read("[::1]") == "::1");
    CHECK(read("[::1]:53") == "[::1]:53");
    CHECK(read("fe80::1:2") == "fe80::1:2");  // more than one colon: IPv6 without a port
    CHECK(read("localhost:9190") == "127.0.0.1:9190");
    CHECK(read("0.0.0.0:0") == "0.0.0.0:0");

    std::string error;
    const auto v6 = parse_ip_endpoint("[::1]:8080", PortRule::required, &error);
    REQUIRE(v6);
    CHECK(v6->v6);
    const auto address = v6->socket_address();
    CHECK(address.ss_family == AF_INET6);
    CHECK(ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port) == 8080);
    const auto v4 = parse_ip_endpoint("10.1.2.3:80", PortRule::required, &error);
    REQUIRE(v4);
    const auto address4 = v4->socket_address();
    CHECK(address4.ss_family == AF_INET);
    CHECK(ntohl(reinterpret_cast<const sockaddr_in*>(&address4)->sin_addr.s_addr) == 0x0A010203);
}

TEST_CASE("IP endpoints: names, bad ports and broken brackets say what is wrong") {
    CHECK(read("example.com:80") == "error: `example.com` is not a numeric IPv4 or IPv6 address");
    CHECK(read("dns.example") == "error: `dns.example` is not a numeric IPv4 or IPv6 address");
    CHECK(read("127.0.0.1:99999") == "error: `99999` is not a port");
    CHECK(read("127.0.0.1:") == "error: `` is not a port");
    CHECK(read("127.0.0.1:+53") == "error: `+53` is not a port");
    CHECK(read("[::1") == "error: `[::1` is not [IPv6]:PORT");
    CHECK(read("[::1]53") == "error: `[::1]53` is not [IPv6]:PORT");
    CHECK(read("[nope]:53") == "error: `nope` is not a numeric IPv4 or IPv6 address");
    CHECK(read("", PortRule::optional) == "error: `` is not a numeric IPv4 or IPv6 address");
    CHECK(read("nonsense", PortRule::required) == "error: `nonsense` has no :PORT");
    CHECK(read("::1", PortRule::required) == "error: `::1` has no :PORT");
    CHECK(read("[::1]", PortRule::required) == "error: `[::1]` has no :PORT");
}

TEST_SUITE_END();
