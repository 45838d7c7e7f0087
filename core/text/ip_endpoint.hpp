#pragma once
// Numeric IP addresses with an optional port, as people write them in job files and on the
// command line: "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]", "[::1]:53" — and
// "localhost", which reads as 127.0.0.1. gaia's DNS servers, readiness probes and listen
// addresses are all written this way; names are never resolved here.

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gaia::text {

struct IpEndpoint {
    std::string host;                  // numeric, without brackets
    std::optional<std::uint16_t> port;
    bool v6 = false;

    // "127.0.0.1:53", "[::1]:53", or the host alone when there is no port.
    std::string text() const;
    // The address with the port (0 when there is none), ready for bind() or connect().
    sockaddr_storage socket_address() const;
};

enum class PortRule { optional, required };

// Empty, and *error says what is wrong ("`example.com` is not a numeric IPv4 or IPv6
// address", "`99999` is not a port", "`nonsense` has no :PORT"), when `text` is not one.
std::optional<IpEndpoint> parse_ip_endpoint(std::string_view text, PortRule port, std::string* error);

}  // namespace gaia::text
