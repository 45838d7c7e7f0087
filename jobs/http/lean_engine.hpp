#pragma once
// A lean HTTP/1.1 client on libuv + http-parser, for http:// and https://: keep-alive
// connections pooled per scheme, host and port, one request per connection at a time,
// responses parsed as they arrive. https goes through OpenSSL over memory BIOs on the same
// loop (core/net/tls.hpp): SNI, verification with the system's store or the request's CA
// file, TLS 1.2 and 1.3, ALPN "http/1.1", and sessions resumed across the pool's
// connections to one host. It exists for speed (libcurl 7.88 spends 60-90 µs of CPU per
// request here; this path a fraction of that) and does only what HTTP/1.1 needs: the API
// pool sends everything else (HTTP/2, proxies, client certificates, credentials in the
// URL, files, content codings, Digest and SigV4) through libcurl. handles() says which.

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/net/network.hpp"
#include "core/net/tls.hpp"
#include "jobs/http/http_engine.hpp"
#include "jobs/http/url.hpp"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace gaia::jobs::http {

class LeanEngine final : public HttpEngine {
public:
    // network (may be null) sets the connection limits and hears of every connection.
    explicit LeanEngine(loop::Loop& loop, net::Network* network = nullptr);
    ~LeanEngine() override;
    LeanEngine(const LeanEngine&) = delete;
    LeanEngine& operator=(const LeanEngine&) = delete;

    // True when this engine can send the request exactly as libcurl would.
    static bool handles(const HttpRequest& request);

    std::uint64_t start(HttpRequest request, Done done) override;
    void cancel(std::uint64_t id) override;
    std::size_t in_flight() const noexcept override { return transfers_.size(); }
    void close() override;
    const char* name() const noexcept override { return "lean"; }

    // Connections open now (busy and idle): for tests and, later, the network coordinator.
    std::size_t connections() const noexcept { return connections_.size(); }
    // https connections whose handshake resumed an earlier session.
    std::uint64_t tls_resumptions() const noexcept { return tls_resumptions_; }

private:
    class Connection;
    struct Transfer;
    friend class Connection;

    void dispatch(Transfer* t);             // onto an idle connection or a new one
    void on_connected(Connection* c, int status);
    void on_response(Connection* c);        // the current response is complete
    void on_connection_lost(Connection* c, int status);
    void finish(Transfer* t, std::string error);
    void complete(Transfer* t);             // delivers the response and forgets the transfer
    void park(Connection* c);               // back to the idle pool
    void drop(Connection* c);               // closes it and forgets it
    void fail_soon(std::uint64_t id, std::string error);
    bool may_connect(const std::string& key);  // within max_connections(_per_host)?
    void wake_waiting();                        // transfers waiting for a connection retry
    static std::string pool_key(const HttpRequest& request, const Url& url);


    loop::Loop& loop_;
    net::Network* network_;
    net::TlsContexts tls_;  // by trust setting; each keeps the sessions to resume
    std::string tls_plain_;  // decrypted bytes of the read being parsed, for all connections
    std::uint32_t max_connections_ = 0, max_per_host_ = 0;  // 0: no limit
    std::unordered_map<std::string, std::uint32_t> per_host_;  // connections by "host:port"
    std::deque<std::uint64_t> waiting_;                         // transfers at a limit
    bool wake_posted_ = false;
    std::unordered_map<std::uint64_t, std::unique_ptr<Transfer>> transfers_;
    std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;  // deleted a turn after drop()
    std::map<std::string, std::vector<Connection*>> idle_;  // by "host:port"
    std::uint64_t next_id_ = 1;
    std::uint64_t tls_resumptions_ = 0;
    bool closed_ = false;
};

}  // namespace gaia::jobs::http
