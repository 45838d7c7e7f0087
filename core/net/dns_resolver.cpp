#include "core/net/dns_resolver.hpp"

#include <ares.h>
#include <netdb.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace gaia::net {

struct DnsResolver::Query {
    DnsResolver* resolver;
    std::string name;
    Done done;
};

namespace {

// /etc/hosts, read as the C library reads it (c-ares does it for us, synchronously: a
// small local file).
bool from_hosts_file(ares_channel channel, const std::string& name, DnsAnswer& answer) {
    for (int family : {AF_INET, AF_INET6}) {
        hostent* host = nullptr;
        if (ares_gethostbyname_file(channel, name.c_str(), family, &host) != ARES_SUCCESS || host == nullptr) continue;
        for (char** a = host->h_addr_list; *a != nullptr; ++a) {
            sockaddr_storage s{};
            if (family == AF_INET) {
                auto* in = reinterpret_cast<sockaddr_in*>(&s);
                in->sin_family = AF_INET;
                std::memcpy(&in->sin_addr, *a, sizeof in->sin_addr);
            } else {
                auto* in6 = reinterpret_cast<sockaddr_in6*>(&s);
                in6->sin6_family = AF_INET6;
                std::memcpy(&in6->sin6_addr, *a, sizeof in6->sin6_addr);
            }
            answer.addresses.push_back(s);
        }
        ares_free_hostent(host);
    }
    answer.from_hosts_file = !answer.addresses.empty();
    return answer.from_hosts_file;
}

}  // namespace

DnsResolver::DnsResolver(loop::Loop& loop, const std::vector<std::string>& servers, std::chrono::milliseconds timeout,
                         int tries)
    // DNS only: resolve() reads /etc/hosts itself first, for both families at once.
    : loop_(loop), channel_(loop, AresOptions{servers, timeout, tries, false}) {}

DnsResolver::~DnsResolver() { close(); }

void DnsResolver::close() { channel_.close(); }

void DnsResolver::resolve(const std::string& name, Done done) {
    DnsAnswer local;
    if (channel_.closed() || from_hosts_file(channel_.get(), name, local)) {
        if (channel_.closed()) local.error = "the resolver is closed";
        loop_.post([done = std::move(done), answer = std::move(local)]() mutable { done(std::move(answer)); });
        return;
    }
    auto* query = new Query{this, name, std::move(done)};
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    ares_getaddrinfo(channel_.get(), name.c_str(), nullptr, &hints,
                     [](void* arg, int status, int timeouts, ares_addrinfo* result) {
                         std::unique_ptr<Query> q(static_cast<Query*>(arg));
                         DnsResolver& self = *q->resolver;
                         if (self.channel_.closed() || status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
                             if (result) ares_freeaddrinfo(result);
                             return;
                         }
                         DnsAnswer answer;
                         if (status == ARES_SUCCESS && result) {
                             std::uint32_t ttl = UINT32_MAX;
                             for (auto* node = result->nodes; node; node = node->ai_next) {
                                 sockaddr_storage s{};
                                 std::memcpy(&s, node->ai_addr, std::min<std::size_t>(node->ai_addrlen, sizeof s));
                                 answer.addresses.push_back(s);
                                 ttl = std::min(ttl, static_cast<std::uint32_t>(std::max(0, node->ai_ttl)));
                             }
                             answer.ttl_s = ttl == UINT32_MAX ? 0 : ttl;
                         }
                         if (result) ares_freeaddrinfo(result);
                         if (answer.addresses.empty()) {
                             std::string why;
                             switch (status) {
                             case ARES_SUCCESS:
                             case ARES_ENODATA: why = "no address records"; break;
                             case ARES_ENOTFOUND: why = "no such name (NXDOMAIN)"; break;
                             case ARES_ETIMEOUT:
                                 why = "no answer from " + self.channel_.servers_text() + " after " + std::to_string(timeouts) +
                                       " timeouts";
                                 break;
                             case ARES_ECONNREFUSED: why = "refused by " + self.channel_.servers_text(); break;
                             default: why = ares_strerror(status); break;
                             }
                             answer.error = "Could not resolve host: " + q->name + " (" + why + ")";
                         }
                         // c-ares may answer inside ares_getaddrinfo(): a later turn, always.
                         self.loop_.post([done = std::move(q->done), answer = std::move(answer)]() mutable {
                             done(std::move(answer));
                         });
                     },
                     query);
    channel_.queried();
}

}  // namespace gaia::net
