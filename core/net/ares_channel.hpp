#pragma once
// A c-ares channel driven by the event loop: its sockets watched by loop::Poll handles,
// its timeouts by one timer, so that a query blocks neither the loop nor a pool thread.
// The address resolver (dns_resolver.hpp) and the dns kind's queries both run on one.

#include "core/loop/loop.hpp"
#include "core/loop/poll.hpp"
#include "core/loop/timer.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

struct ares_channeldata;

namespace gaia::net {

struct AresOptions {
    // "IP" or "IP:port" entries; empty: the system's resolv.conf.
    std::vector<std::string> servers;
    std::chrono::milliseconds timeout{1000};  // per try
    int tries = 2;
    bool hosts_file = false;  // consult /etc/hosts before the servers
};

class AresChannel {
public:
    // Throws std::runtime_error when c-ares cannot start or a server is not an address.
    AresChannel(loop::Loop& loop, const AresOptions& options);
    ~AresChannel();
    AresChannel(const AresChannel&) = delete;
    AresChannel& operator=(const AresChannel&) = delete;

    // Null once closed. After starting a query on it, call queried().
    ares_channeldata* get() const noexcept { return channel_; }
    void queried() { arm_timer(); }
    // "127.0.0.1:5353" or "the servers of /etc/resolv.conf", for messages.
    const std::string& servers_text() const noexcept { return servers_text_; }
    bool closed() const noexcept { return channel_ == nullptr; }

    // Pending queries end with ARES_EDESTRUCTION (their callbacks run now); handles close.
    void close();

private:
    static void on_socket_state(void* self, int fd, int readable, int writable);
    void process(int read_fd, int write_fd);
    void arm_timer();

    loop::Loop& loop_;
    ares_channeldata* channel_ = nullptr;
    std::string servers_text_;
    std::map<int, loop::HandlePtr<loop::Poll>> polls_;
    loop::HandlePtr<loop::Timer> timer_;
};

}  // namespace gaia::net
