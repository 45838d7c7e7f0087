#include "jobs/http/lean_engine.hpp"

#include "core/loop/tcp.hpp"

#include <http_parser.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace gaia::jobs::http {
namespace {

bool has_header(const std::vector<std::string>& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const std::string& h) {
        const auto colon = h.find(':');
        return colon != std::string::npos && iequals(std::string_view(h).substr(0, colon), name);
    });
}

// The request as bytes on the wire. What libcurl would add, this adds too, so that a
// server sees the same request from either engine.
std::string wire_request(const HttpRequest& q, const Url& url) {
    std::string out;
    out.reserve(128 + q.body.size());
    out += q.method;
    out += ' ';
    out += url.target;
    out += " HTTP/1.1\r\n";
    if (!has_header(q.headers, "Host")) out += "Host: " + url.authority() + "\r\n";
    if (!has_header(q.headers, "Accept")) out += "Accept: */*\r\n";
    for (const auto& h : q.headers) {
        out += h;
        out += "\r\n";
    }
    if (!q.body.empty() || q.method == "POST") {
        // libcurl marks a body without a type as a form; so does this engine.
        if (!has_header(q.headers, "Content-Type")) out += "Content-Type: application/x-www-form-urlencoded\r\n";
        out += "Content-Length: " + std::to_string(q.body.size()) + "\r\n";
    }
    out += "\r\n";
    out += q.body;
    return out;
}

// libc's words for a socket error ("Connection reset by peer"), as libcurl prints them.
std::string system_error(int uv_status) { return uv_status < 0 && uv_status > -4096 ? std::strerror(-uv_status) : uv_strerror(uv_status); }

std::string parse_error_text(http_errno err, bool headers_done) {
    switch (err) {
    case HPE_HEADER_OVERFLOW:
        return "the response headers are larger than " + std::to_string(HTTP_MAX_HEADER_SIZE >> 10) + " KiB";
    case HPE_INVALID_CHUNK_SIZE: return "Illegal or missing hexadecimal sequence in chunked-encoding";
    default: break;
    }
    if (!headers_done) return std::string("invalid HTTP response: not an HTTP/1.x status line and headers (") + http_errno_description(err) + ")";
    return std::string("invalid HTTP response: ") + http_errno_description(err);
}

}  // namespace

struct LeanEngine::Transfer {
    std::uint64_t id = 0;
    HttpRequest request;
    HttpResponse response;
    Done done;
    Url url;
    std::string wire;
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
    Connection(LeanEngine& engine, std::string key)
        : engine_(&engine), key_(std::move(key)), tcp_(loop::Tcp::create(engine.loop_)) {}

    int connect(const sockaddr_storage& address) {
        return tcp_->connect(reinterpret_cast<const sockaddr&>(address), [this](int status) {
            if (status == 0) tcp_->no_delay();
            engine_->on_connected(this, status);
        });
    }

    // Writes the transfer's request and reads its response.
    int send(Transfer* t) {
        tcp_->ref();  // busy: the loop runs until the response is in
        transfer_ = t;
        t->conn = this;
        http_parser_init(&parser_, HTTP_RESPONSE);
        parser_.data = this;
        got_bytes_ = headers_done_ = message_done_ = keep_alive_ = false;
        field_.clear();
        value_.clear();
        in_value_ = false;
        int rc = tcp_->write(t->wire, [this](int status) {
            if (status < 0) engine_->on_connection_lost(this, status);
        });
        if (rc == 0 && !reading_) rc = start_reading();
        return rc;
    }

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
    const std::string& parse_error() const noexcept { return parse_error_; }

    // Why a response that stopped early is incomplete, in libcurl's words where it has them.
    std::string incomplete_reason(int status) const {
        if (headers_done_ && parser_.content_length != ULLONG_MAX && parser_.content_length > 0) {
            return "transfer closed with " + std::to_string(parser_.content_length) + " bytes remaining to read";
        }
        if (headers_done_) return "transfer closed with outstanding read data remaining";
        if (!got_bytes_ && status == UV_EOF) return "Empty reply from server";
        if (status == UV_EOF) return "the connection closed in the middle of the response headers";
        return "Recv failure: " + system_error(status);
    }

private:
    int start_reading() {
        const int rc = tcp_->read_start([this](std::string_view data) { on_data(data); },
                                        [this](int status) { on_end(status == 0 ? UV_EOF : status); });
        reading_ = rc == 0;
        return rc;
    }

    void on_data(std::string_view data) {
        LeanEngine& engine = *engine_;
        if (transfer_ == nullptr) {
            // Idle: the server sent what nobody asked for. The connection goes.
            engine.drop(this);
            return;
        }
        got_bytes_ = true;
        const std::size_t parsed = http_parser_execute(&parser_, &settings(), data.data(), data.size());
        const auto err = HTTP_PARSER_ERRNO(&parser_);
        net::Gate* gate = transfer_->gate.get();
        if (gate) gate->consumed(data.size());
        if (message_done_) {
            if (parsed < data.size()) keep_alive_ = false;  // bytes after the response: not to be trusted
            engine.on_response(this);
        } else if (err != HPE_OK) {
            parse_error_ = parse_error_text(err, headers_done_);
            engine.on_connection_lost(this, UV_EPROTO);
        } else if (gate && !gate->may_proceed()) {
            // The run's bandwidth is spent: stop reading until this transfer gets a grant.
            tcp_->read_stop();
            reading_ = false;
            gate->wait([engine = &engine, id = transfer_->id] {
                auto it = engine->transfers_.find(id);
                if (it != engine->transfers_.end() && it->second->conn) it->second->conn->resume_reading();
            });
        }
    }

    // The server closed the connection (UV_EOF) or it failed.
    void on_end(int status) {
        reading_ = false;
        LeanEngine& engine = *engine_;
        if (transfer_ == nullptr) {
            engine.drop(this);  // idle, and closed by the server: it goes
            return;
        }
        if (status == UV_EOF && headers_done_) {
            // A body that ends when the connection does (no length, not chunked).
            http_parser_execute(&parser_, &settings(), nullptr, 0);
        }
        if (message_done_) {
            keep_alive_ = false;
            engine.on_response(this);
        } else {
            engine.on_connection_lost(this, status);
        }
    }

    static Connection& of(http_parser* p) { return *static_cast<Connection*>(p->data); }

    void push_header() {
        if (!in_value_) return;
        auto& headers = transfer_->response.headers;
        if (headers.size() < kMaxResponseHeaders) headers.emplace_back(std::move(field_), std::move(value_));
        field_.clear();
        value_.clear();
        in_value_ = false;
    }

    static const http_parser_settings& settings() {
        static const http_parser_settings s = [] {
            http_parser_settings x{};
            x.on_message_begin = [](http_parser* p) {
                auto& c = of(p);
                c.transfer_->response.headers.clear();
                c.headers_done_ = false;
                return 0;
            };
            x.on_header_field = [](http_parser* p, const char* at, std::size_t len) {
                auto& c = of(p);
                c.push_header();
                c.field_.append(at, len);
                return 0;
            };
            x.on_header_value = [](http_parser* p, const char* at, std::size_t len) {
                auto& c = of(p);
                c.in_value_ = true;
                c.value_.append(at, len);
                return 0;
            };
            x.on_headers_complete = [](http_parser* p) {
                auto& c = of(p);
                c.push_header();
                c.headers_done_ = true;
                auto& r = c.transfer_->response;
                r.status = p->status_code;
                r.http_version = p->http_minor == 0 ? "1.0" : "1.1";
                // A HEAD response has headers only, whatever its Content-Length says.
                return c.transfer_->request.method == "HEAD" ? 1 : 0;
            };
            x.on_body = [](http_parser* p, const char* at, std::size_t len) {
                auto& t = *of(p).transfer_;
                auto& r = t.response;
                r.bytes_received += len;
                const std::size_t room = t.request.body_cap > r.body.size() ? t.request.body_cap - r.body.size() : 0;
                r.body.append(at, std::min(len, room));
                if (len > room) r.body_truncated = true;
                return 0;
            };
            x.on_message_complete = [](http_parser* p) {
                auto& c = of(p);
                if (p->status_code < 200) return 0;  // 1xx: the real response follows
                c.message_done_ = true;
                c.keep_alive_ = http_should_keep_alive(p) != 0;
                http_parser_pause(p, 1);  // nothing after it belongs to this transfer
                return 0;
            };
            return x;
        }();
        return s;
    }

    LeanEngine* engine_;
    std::string key_;
    loop::HandlePtr<loop::Tcp> tcp_;  // null once closed
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

LeanEngine::LeanEngine(loop::Loop& loop, net::Network* network) : loop_(loop), network_(network) {
    if (network_) {
        max_connections_ = network_->settings().max_connections;
        max_per_host_ = network_->settings().max_connections_per_host;
    }
}

LeanEngine::~LeanEngine() { close(); }

bool LeanEngine::handles(const HttpRequest& request) {
    if (request.body_stream || request.save_to || !request.accept_encoding.empty() || !request.proxy.empty() ||
        request.version == HttpVersion::http2 || request.auth.scheme != HttpRequest::Auth::Scheme::none ||
        !request.cert.empty()) {
        return false;
    }
    // A proxy from the environment is libcurl's business.
    for (const char* name : {"http_proxy", "all_proxy", "ALL_PROXY"}) {
        if (const char* v = std::getenv(name); v && *v) return false;
    }
    const auto url = parse_url(request.url);
    return url && url->scheme == "http" && !url->has_userinfo;
}

void LeanEngine::close() {
    if (closed_) return;
    closed_ = true;
    for (auto& [id, t] : transfers_) t->done = nullptr;
    transfers_.clear();
    waiting_.clear();
    idle_.clear();
    for (auto& [raw, connection] : connections_) {
        connection->close();
        if (network_) network_->connection_closed();
        // close() may come from a callback of this very connection (a transfer's `done`).
        loop_.defer_delete(std::move(connection));
    }
    connections_.clear();
    per_host_.clear();
}

void LeanEngine::fail_soon(std::uint64_t id, std::string error) {
    loop_.post([this, id, error = std::move(error)] {
        auto it = transfers_.find(id);
        if (it != transfers_.end()) finish(it->second.get(), error);
    });
}

std::uint64_t LeanEngine::start(HttpRequest request, Done done) {
    auto owned = std::make_unique<Transfer>();
    Transfer* t = owned.get();
    t->id = next_id_++;
    t->request = std::move(request);
    t->done = std::move(done);
    t->started_ns = loop::Loop::hrtime_ns();
    if (network_) t->gate = network_->bandwidth().gate();
    transfers_.emplace(t->id, std::move(owned));
    auto url = parse_url(t->request.url);
    if (!url || url->scheme != "http") {
        fail_soon(t->id, "not a plain http:// URL: " + t->request.url);
        return t->id;
    }
    t->url = std::move(*url);
    t->wire = wire_request(t->request, t->url);
    for (auto address : t->request.addresses) {
        // The coordinator's answer has port 0: this URL's port goes in.
        if (address.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&address)->sin_port = htons(t->url.port);
        else reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = htons(t->url.port);
        t->addresses.push_back(address);
    }
    if (t->request.timeout_ms > 0) {
        t->timer = loop::Timer::create(loop_);
        t->timer->start(std::chrono::milliseconds(t->request.timeout_ms), [this, t] {
            finish(t, "Operation timed out after " + std::to_string(t->request.timeout_ms) + " milliseconds with " +
                          std::to_string(t->response.bytes_received) + " bytes received");
        });
    }
    // Even an idle connection is used on the next turn: nothing completes inside start().
    const auto id = t->id;
    loop_.post([this, id] {
        auto it = transfers_.find(id);
        if (it != transfers_.end()) dispatch(it->second.get());
    });
    return id;
}

void LeanEngine::dispatch(Transfer* t) {
    const std::string key = t->url.host + ":" + std::to_string(t->url.port);
    auto idle = idle_.find(key);
    if (!t->retried && idle != idle_.end() && !idle->second.empty()) {
        Connection* c = idle->second.back();  // the most recently used: the least likely stale
        idle->second.pop_back();
        if (int rc = c->send(t); rc < 0) on_connection_lost(c, rc);
        return;
    }
    if (!may_connect(key)) {
        // At a connection limit: the transfer waits for a connection to be parked or closed.
        waiting_.push_back(t->id);
        return;
    }
    // A new connection. The API pool hands over the coordinator's DNS answer; a redirect to
    // another host is resolved here.
    if (t->addresses.empty()) {
        sockaddr_storage address{};
        if (uv_ip4_addr(t->url.host.c_str(), t->url.port, reinterpret_cast<sockaddr_in*>(&address)) == 0 ||
            uv_ip6_addr(t->url.host.c_str(), t->url.port, reinterpret_cast<sockaddr_in6*>(&address)) == 0) {
            t->addresses.push_back(address);
        } else {
            struct Lookup {
                uv_getaddrinfo_t req{};
                LeanEngine* engine;
                std::uint64_t id;
            };
            auto* lookup = new Lookup{{}, this, t->id};
            lookup->req.data = lookup;
            addrinfo hints{};
            hints.ai_socktype = SOCK_STREAM;
            hints.ai_family = AF_UNSPEC;
            const std::string port = std::to_string(t->url.port);
            const int rc = uv_getaddrinfo(loop_.get(), &lookup->req, [](uv_getaddrinfo_t* req, int status, addrinfo* res) {
                std::unique_ptr<Lookup> self(static_cast<Lookup*>(req->data));
                LeanEngine* engine = self->engine;
                auto it = engine->closed_ ? engine->transfers_.end() : engine->transfers_.find(self->id);
                if (it == engine->transfers_.end()) {
                    uv_freeaddrinfo(res);
                    return;
                }
                Transfer* tr = it->second.get();
                for (auto* ai = res; status == 0 && ai; ai = ai->ai_next) {
                    sockaddr_storage a{};
                    std::memcpy(&a, ai->ai_addr, ai->ai_addrlen);
                    tr->addresses.push_back(a);
                }
                uv_freeaddrinfo(res);
                if (tr->addresses.empty()) {
                    engine->finish(tr, "Could not resolve host: " + tr->url.host + " (" +
                                           std::string(status < 0 ? uv_strerror(status) : "no address") + ")");
                    return;
                }
                engine->dispatch(tr);
            }, t->url.host.c_str(), port.c_str(), &hints);
            if (rc < 0) {
                delete lookup;
                finish(t, "Could not resolve host: " + t->url.host + " (" + uv_strerror(rc) + ")");
            }
            return;
        }
    }
    if (t->next_address >= t->addresses.size()) {
        finish(t, "Failed to connect to " + t->url.host + " port " + std::to_string(t->url.port) +
                      ": Couldn't connect to server (" + system_error(t->connect_error) + ")");
        return;
    }
    auto c = std::make_unique<Connection>(*this, key);
    Connection* raw = c.get();
    connections_.emplace(raw, std::move(c));
    ++per_host_[key];
    if (network_) network_->connection_opened();
    const auto& address = t->addresses[t->next_address++];
    raw->await(t);
    if (int rc = raw->connect(address); rc < 0) on_connected(raw, rc);
}

void LeanEngine::on_connected(Connection* c, int status) {
    Transfer* t = c->connecting();
    c->detach();
    if (t == nullptr) {  // cancelled meanwhile
        drop(c);
        return;
    }
    if (status < 0) {
        t->connect_error = status;
        drop(c);
        dispatch(t);  // the next address, or the error
        return;
    }
    if (int rc = c->send(t); rc < 0) on_connection_lost(c, rc);
}

void LeanEngine::on_response(Connection* c) {
    Transfer* t = c->transfer();
    c->detach();
    c->mark_reused();
    if (c->keep_alive()) park(c);
    else drop(c);
    complete(t);
}

void LeanEngine::on_connection_lost(Connection* c, int status) {
    Transfer* t = c->transfer();
    const bool stale = c->reused() && !c->got_bytes() && status != UV_EPROTO;
    std::string reason = c->parse_error().empty() ? c->incomplete_reason(status) : c->parse_error();
    c->detach();
    drop(c);
    if (t == nullptr) return;
    if (stale && !t->retried) {
        // A kept-alive connection the server had closed meanwhile: libcurl, too, sends the
        // request again once on a new connection.
        t->retried = true;
        t->response = HttpResponse{};
        dispatch(t);
        return;
    }
    finish(t, std::move(reason));
}

void LeanEngine::finish(Transfer* t, std::string error) {
    t->response.error = std::move(error);
    if (Connection* c = t->conn) {
        c->detach();
        drop(c);
    }
    complete(t);
}

void LeanEngine::complete(Transfer* t) {
    auto it = transfers_.find(t->id);
    if (it == transfers_.end()) return;
    auto owned = std::move(it->second);
    transfers_.erase(it);
    owned->gate.reset();  // out of the bandwidth queue now, not when deleted
    if (owned->timer) owned->timer->stop();
    owned->response.total_s = static_cast<double>(loop::Loop::hrtime_ns() - owned->started_ns) / 1e9;
    owned->response.url = std::move(owned->request.url);  // the transfer is over: no copy
    auto done = std::move(owned->done);
    HttpResponse response = std::move(owned->response);
    // Possibly inside the transfer's own timer callback: it goes a turn later.
    loop_.defer_delete(std::move(owned));
    if (done) done(std::move(response));
}

void LeanEngine::park(Connection* c) {
    if (closed_) return drop(c);
    c->idle();
    idle_[c->key()].push_back(c);
    wake_waiting();
}

void LeanEngine::drop(Connection* c) {
    if (auto idle = idle_.find(c->key()); idle != idle_.end()) {
        auto& list = idle->second;
        list.erase(std::remove(list.begin(), list.end(), c), list.end());
    }
    if (auto n = per_host_.find(c->key()); n != per_host_.end() && --n->second == 0) per_host_.erase(n);
    if (auto it = connections_.find(c); it != connections_.end()) {
        c->close();
        if (network_) network_->connection_closed();
        loop_.defer_delete(std::move(it->second));  // drop() comes from inside its callbacks
        connections_.erase(it);
    }
    wake_waiting();
}

bool LeanEngine::may_connect(const std::string& key) {
    if (max_per_host_ != 0) {
        auto n = per_host_.find(key);
        if (n != per_host_.end() && n->second >= max_per_host_) return false;
    }
    if (max_connections_ == 0 || connections_.size() < max_connections_) return true;
    // All connections are taken: an idle one to another host makes room.
    for (auto& [other, list] : idle_) {
        if (other != key && !list.empty()) {
            Connection* victim = list.front();
            drop(victim);
            return true;
        }
    }
    return false;
}

void LeanEngine::wake_waiting() {
    if (waiting_.empty() || wake_posted_ || closed_) return;
    // On a later turn: a drop can happen deep inside a read callback.
    wake_posted_ = true;
    loop_.post([this] {
        wake_posted_ = false;
        auto ids = std::move(waiting_);
        waiting_.clear();
        for (auto id : ids) {
            auto it = transfers_.find(id);
            if (it != transfers_.end() && it->second->conn == nullptr) dispatch(it->second.get());
        }
    });
}

void LeanEngine::cancel(std::uint64_t id) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) return;
    Transfer* t = it->second.get();
    t->done = nullptr;
    if (Connection* c = t->conn) {
        // Mid-response: the connection cannot serve another request.
        c->detach();
        drop(c);
    }
    if (t->timer) t->timer->stop();
    t->gate.reset();
    loop_.defer_delete(std::move(it->second));
    transfers_.erase(it);
}

}  // namespace gaia::jobs::http
