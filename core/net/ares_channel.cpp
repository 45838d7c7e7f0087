#include "core/net/ares_channel.hpp"

#include <ares.h>

#include <mutex>
#include <stdexcept>

namespace gaia::net {
namespace {

void init_library() {
    static std::once_flag once;
    static int rc = ARES_SUCCESS;
    std::call_once(once, [] { rc = ares_library_init(ARES_LIB_INIT_ALL); });
    if (rc != ARES_SUCCESS) throw std::runtime_error(std::string("c-ares: ") + ares_strerror(rc));
}

}  // namespace

AresChannel::AresChannel(loop::Loop& loop, const AresOptions& options) : loop_(loop), timer_(loop::Timer::create(loop)) {
    init_library();
    ares_options ares{};
    ares.sock_state_cb = &AresChannel::on_socket_state;
    ares.sock_state_cb_data = this;
    ares.timeout = static_cast<int>(options.timeout.count());
    ares.tries = options.tries;
    char files_then_dns[] = "fb";
    char dns_only[] = "b";
    ares.lookups = options.hosts_file ? files_then_dns : dns_only;
    const int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS;
    if (int rc = ares_init_options(&channel_, &ares, mask); rc != ARES_SUCCESS) {
        throw std::runtime_error(std::string("c-ares cannot start: ") + ares_strerror(rc));
    }
    for (const auto& s : options.servers) servers_text_ += (servers_text_.empty() ? "" : ",") + s;
    if (options.servers.empty()) {
        servers_text_ = "the servers of /etc/resolv.conf";
        return;
    }
    if (int rc = ares_set_servers_ports_csv(channel_, servers_text_.c_str()); rc != ARES_SUCCESS) {
        ares_destroy(channel_);
        channel_ = nullptr;
        throw std::runtime_error("DNS servers " + servers_text_ + ": " + ares_strerror(rc));
    }
}

AresChannel::~AresChannel() { close(); }

void AresChannel::close() {
    if (channel_ == nullptr) return;
    auto* channel = channel_;
    channel_ = nullptr;  // callbacks that run inside ares_destroy see a closed channel
    ares_destroy(channel);
    polls_.clear();
    timer_.reset();
}

void AresChannel::on_socket_state(void* data, int fd, int readable, int writable) {
    auto* self = static_cast<AresChannel*>(data);
    if (!readable && !writable) {
        self->polls_.erase(fd);  // before c-ares closes the socket
        return;
    }
    auto it = self->polls_.find(fd);
    if (it == self->polls_.end()) {
        int error = 0;
        auto poll = loop::Poll::open_socket(self->loop_, fd, &error);
        if (!poll) return;  // the query times out; c-ares reports it
        it = self->polls_.emplace(fd, std::move(poll)).first;
    }
    it->second->start((readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0), [self, fd](int status, int ready) {
        // On a socket error let c-ares read and write: it meets the error and fails the query.
        const bool can_read = status < 0 || (ready & UV_READABLE);
        const bool can_write = status < 0 || (ready & UV_WRITABLE);
        self->process(can_read ? fd : ARES_SOCKET_BAD, can_write ? fd : ARES_SOCKET_BAD);
    });
}

void AresChannel::process(int read_fd, int write_fd) {
    if (channel_ == nullptr) return;
    ares_process_fd(channel_, read_fd, write_fd);
    arm_timer();
}

void AresChannel::arm_timer() {
    if (channel_ == nullptr || !timer_) return;
    timeval tv{};
    if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
        timer_->stop();
        return;
    }
    const auto ms = static_cast<std::int64_t>(tv.tv_sec) * 1000 + (tv.tv_usec + 999) / 1000;
    timer_->start(std::chrono::milliseconds(ms), [this] { process(ARES_SOCKET_BAD, ARES_SOCKET_BAD); });
}

}  // namespace gaia::net
