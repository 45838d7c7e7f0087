#include "core/net/dns_resolver.hpp"

#include <ares.h>
#include <netdb.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace gaia::net {

// Watches one of c-ares' sockets.
class DnsResolver::SocketPoll final : public loop::HandleOwner<uv_poll_t> {
public:
    static loop::HandlePtr<SocketPoll> open(loop::Loop& loop, int fd, DnsResolver& resolver) {
        loop::HandlePtr<SocketPoll> self(new SocketPoll(fd, resolver));
        if (uv_poll_init_socket(loop.get(), &self->handle_, fd) != 0) return nullptr;
        self->mark_initialized();
        return self;
    }
    int watch(int events) {
        return uv_poll_start(&handle_, events, [](uv_poll_t* h, int status, int ready) {
            auto* poll = static_cast<SocketPoll*>(static_cast<HandleOwner*>(h->data));
            if (!poll->resolver_) return;
            // On a socket error let c-ares read and write: it meets the error and fails the query.
            const bool readable = status < 0 || (ready & UV_READABLE);
            const bool writable = status < 0 || (ready & UV_WRITABLE);
            poll->resolver_->process(readable ? poll->fd_ : ARES_SOCKET_BAD, writable ? poll->fd_ : ARES_SOCKET_BAD);
        });
    }

private:
    SocketPoll(int fd, DnsResolver& resolver) : fd_(fd), resolver_(&resolver) {}
    void on_close() noexcept override { resolver_ = nullptr; }
    int fd_;
    DnsResolver* resolver_;
};

struct DnsResolver::Query {
    DnsResolver* resolver;
    std::string name;
    Done done;
};

namespace {

void init_library() {
    static std::once_flag once;
    static int rc = ARES_SUCCESS;
    std::call_once(once, [] { rc = ares_library_init(ARES_LIB_INIT_ALL); });
    if (rc != ARES_SUCCESS) throw std::runtime_error(std::string("c-ares: ") + ares_strerror(rc));
}

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
    : loop_(loop), timer_(loop::Timer::create(loop)) {
    init_library();
    ares_options options{};
    options.sock_state_cb = &DnsResolver::on_ares_socket_state;
    options.sock_state_cb_data = this;
    options.timeout = static_cast<int>(timeout.count());
    options.tries = tries;
    char lookups[] = "b";  // DNS only: resolve() reads /etc/hosts itself first
    options.lookups = lookups;
    const int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS;
    if (int rc = ares_init_options(&channel_, &options, mask); rc != ARES_SUCCESS) {
        throw std::runtime_error(std::string("c-ares cannot start: ") + ares_strerror(rc));
    }
    for (const auto& s : servers) servers_text_ += (servers_text_.empty() ? "" : ",") + s;
    if (!servers.empty()) {
        if (int rc = ares_set_servers_ports_csv(channel_, servers_text_.c_str()); rc != ARES_SUCCESS) {
            ares_destroy(channel_);
            channel_ = nullptr;
            throw std::runtime_error("DNS servers " + servers_text_ + ": " + ares_strerror(rc));
        }
    } else {
        servers_text_ = "the servers of /etc/resolv.conf";
    }
}

DnsResolver::~DnsResolver() { close(); }

void DnsResolver::close() {
    if (channel_ == nullptr) return;
    closing_ = true;
    ares_destroy(channel_);  // pending queries end now, with ARES_EDESTRUCTION
    channel_ = nullptr;
    polls_.clear();
    timer_.reset();
}

void DnsResolver::on_ares_socket_state(void* data, int fd, int readable, int writable) {
    auto* self = static_cast<DnsResolver*>(data);
    if (!readable && !writable) {
        self->polls_.erase(fd);  // before c-ares closes the socket
        return;
    }
    auto it = self->polls_.find(fd);
    if (it == self->polls_.end()) {
        auto poll = SocketPoll::open(self->loop_, fd, *self);
        if (!poll) return;  // the query times out; c-ares reports it
        it = self->polls_.emplace(fd, std::move(poll)).first;
    }
    it->second->watch((readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0));
}

void DnsResolver::process(int read_fd, int write_fd) {
    if (channel_ == nullptr) return;
    ares_process_fd(channel_, read_fd, write_fd);
    arm_timer();
}

void DnsResolver::arm_timer() {
    if (channel_ == nullptr || !timer_) return;
    timeval tv{};
    if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
        timer_->stop();
        return;
    }
    const auto ms = static_cast<std::int64_t>(tv.tv_sec) * 1000 + (tv.tv_usec + 999) / 1000;
    timer_->start(std::chrono::milliseconds(ms), [this] { process(ARES_SOCKET_BAD, ARES_SOCKET_BAD); });
}

void DnsResolver::resolve(const std::string& name, Done done) {
    DnsAnswer local;
    if (channel_ == nullptr || from_hosts_file(channel_, name, local)) {
        if (channel_ == nullptr) local.error = "the resolver is closed";
        loop_.post([done = std::move(done), answer = std::move(local)]() mutable { done(std::move(answer)); });
        return;
    }
    auto* query = new Query{this, name, std::move(done)};
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    ares_getaddrinfo(channel_, name.c_str(), nullptr, &hints,
                     [](void* arg, int status, int timeouts, ares_addrinfo* result) {
                         std::unique_ptr<Query> q(static_cast<Query*>(arg));
                         DnsResolver& self = *q->resolver;
                         if (self.closing_ || status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
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
                                 why = "no answer from " + self.servers_text_ + " after " + std::to_string(timeouts) +
                                       " timeouts";
                                 break;
                             case ARES_ECONNREFUSED: why = "refused by " + self.servers_text_; break;
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
    arm_timer();
}

}  // namespace gaia::net
