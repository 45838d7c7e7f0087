#pragma once
// Asynchronous DNS on the event loop with c-ares: the channel's sockets are watched by
// uv_poll handles and its timeouts by one timer, so a lookup blocks neither the loop nor
// a thread-pool thread. Answers carry their records' TTL. /etc/hosts is read first (as
// the C library does), then the servers: resolv.conf's, or the ones given.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct ares_channeldata;

namespace gaia::net {

struct DnsAnswer {
    std::string error;                        // empty on success: says what failed, for the user
    std::vector<sockaddr_storage> addresses;  // port 0; IPv4 and IPv6
    std::uint32_t ttl_s = 0;                  // the smallest TTL of the records
    bool from_hosts_file = false;             // /etc/hosts has no TTL
};

class DnsResolver {
public:
    using Done = std::function<void(DnsAnswer)>;

    // servers: "IP" or "IP:port" entries; empty: the system's resolv.conf. Throws
    // std::runtime_error when c-ares cannot start.
    DnsResolver(loop::Loop& loop, const std::vector<std::string>& servers,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(1000), int tries = 2);
    ~DnsResolver();
    DnsResolver(const DnsResolver&) = delete;
    DnsResolver& operator=(const DnsResolver&) = delete;

    // `done` comes on a later loop turn, never from inside resolve().
    void resolve(const std::string& name, Done done);
    // Pending lookups end without their callbacks; the handles close.
    void close();

private:
    class SocketPoll;
    struct Query;

    static void on_ares_socket_state(void* self, int fd, int readable, int writable);
    void process(int read_fd, int write_fd);
    void arm_timer();

    loop::Loop& loop_;
    ares_channeldata* channel_ = nullptr;
    std::string servers_text_;  // for messages
    std::map<int, loop::HandlePtr<SocketPoll>> polls_;
    loop::HandlePtr<loop::Timer> timer_;
    bool closing_ = false;
};

}  // namespace gaia::net
