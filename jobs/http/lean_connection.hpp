#pragma once
// The lean engine's parts below the engine itself (only lean_engine.cpp and
// lean_connection.cpp include this): a transfer — one request and its response — and a
// connection, which sends one transfer at a time over a loop::Tcp, through TLS for
// https://, and parses the response as it arrives.

#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/net/bandwidth.hpp"
#include "core/net/tls.hpp"
#include "jobs/http/lean_engine.hpp"

#include <http_parser.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gaia::jobs::http {

// libc's words for a socket error ("Connection reset by peer"), as libcurl prints them.
std::string socket_error_text(int uv_status);

struct LeanEngine::Transfer {
    std::uint64_t id = 0;
    HttpRequest request;
    HttpResponse response;
    Done done;
    Url url;
    std::string pool_key;  // which connections may carry it (see LeanEngine::pool_key)
    std::string wire;      // the request's bytes
    Connection* conn = nullptr;
    loop::HandlePtr<loop::Timer> timer;
    std::uint64_t started_ns = 0;
    bool retried = false;  // once, on a fresh connection, when a reused one was stale
    std::vector<sockaddr_storage> addresses;
    std::size_t next_address = 0;
    int connect_error = 0;
    std::unique_ptr<net::Gate> gate;  // the network's bandwidth budget
};

class LeanEngine::Connection {
public:
    // `key`: the pool it belongs to; `peer`: "host:port", for messages; `tls` (null for
    // http://): the session it speaks through.
    Connection(LeanEngine& engine, std::string key, std::string peer, std::unique_ptr<net::TlsSession> tls);

    int connect(const sockaddr_storage& address);
    // Writes the transfer's request (after the TLS handshake, on a new https connection)
    // and reads its response.
    int send(Transfer* t);
    // Closes the socket: no callback of it comes after this.
    void close() noexcept { tcp_.reset(); }

    const std::string& key() const noexcept { return key_; }
    Transfer* transfer() const noexcept { return transfer_; }
    // The transfer that waits for this connection to be established.
    void await(Transfer* t) noexcept {
        connecting_ = t;
        t->conn = this;
    }
    Transfer* connecting() const noexcept { return connecting_; }
    void detach() noexcept {
        if (transfer_) transfer_->conn = nullptr;
        if (connecting_) connecting_->conn = nullptr;
        transfer_ = connecting_ = nullptr;
    }
    // After a pause for the bandwidth budget.
    void resume_reading() {
        if (tcp_ && !reading_) start_reading();
    }
    // Idle: it waits for the next request without keeping the loop (and gaia) running.
    void idle() noexcept { tcp_->unref(); }
    bool reused() const noexcept { return reused_; }
    bool keep_alive() const noexcept { return keep_alive_; }
    void mark_reused() noexcept { reused_ = true; }
    bool got_bytes() const noexcept { return got_bytes_; }
    bool handshaking() const noexcept { return tls_ && tls_->state() == net::TlsSession::State::handshaking; }
    // What the TLS handshake showed, read once per connection.
    const std::optional<net::TlsFacts>& tls_facts() const noexcept { return facts_; }

    // Why the exchange failed: TLS, an unparsable response, or a response that stopped
    // early — in libcurl's words where it has them.
    std::string failure_reason(int status) const;

private:
    int start_reading();
    void on_data(std::string_view data);   // bytes from the socket
    void on_plain(std::string_view data);  // the response's bytes
    void on_tls(std::string_view ciphertext);
    void on_end(int status);               // the server closed the connection (UV_EOF) or it failed
    int write_request();
    int flush_tls();                       // what the TLS session has to send, to the socket
    void tls_failed();
    void end_in_tls_failure();
    std::string incomplete_reason(int status) const;

    static Connection& of(http_parser* p) { return *static_cast<Connection*>(p->data); }
    void push_header();
    static const http_parser_settings& settings();

    LeanEngine* engine_;
    std::string key_;
    std::string peer_;
    loop::HandlePtr<loop::Tcp> tcp_;  // null once closed
    std::unique_ptr<net::TlsSession> tls_;
    std::optional<net::TlsFacts> facts_;
    std::string tls_error_;
    Transfer* transfer_ = nullptr;
    Transfer* connecting_ = nullptr;
    http_parser parser_{};
    std::string field_, value_;
    bool in_value_ = false;
    bool got_bytes_ = false;
    bool headers_done_ = false;
    bool message_done_ = false;
    bool keep_alive_ = false;
    bool reused_ = false;
    bool reading_ = false;
    std::string parse_error_;
};

}  // namespace gaia::jobs::http
