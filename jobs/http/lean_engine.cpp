#include "jobs/http/lean_engine.hpp"

#include "jobs/http/lean_connection.hpp"

#include <algorithm>
#include <array>
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

// What every https connection of the engine offers: HTTP/1.1 by ALPN (HTTP/2 is
// libcurl's), and a session to resume for the next connection to the same host.
net::TlsContext::Options shared_tls_options() {
    net::TlsContext::Options options;
    options.alpn = {"http/1.1"};
    options.resume = true;
    return options;
}

}  // namespace

LeanEngine::LeanEngine(loop::Loop& loop, net::Network* network)
    : loop_(loop), network_(network), tls_(shared_tls_options()) {
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
    const auto url = parse_url(request.url);
    if (!url || (url->scheme != "http" && url->scheme != "https") || url->has_userinfo) return false;
    // A proxy from the environment is libcurl's business: the variables libcurl reads for
    // this scheme (it reads http_proxy only in lower case).
    static constexpr std::array<const char*, 3> kHttp{"http_proxy", "all_proxy", "ALL_PROXY"};
    static constexpr std::array<const char*, 4> kHttps{"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
    auto set = [](const char* name) {
        const char* v = std::getenv(name);
        return v != nullptr && *v != '\0';
    };
    return url->scheme == "https" ? std::none_of(kHttps.begin(), kHttps.end(), set)
                                  : std::none_of(kHttp.begin(), kHttp.end(), set);
}

// Connections are shared by requests to one scheme, host and port — and, for https, with
// one trust setting: a connection made without verification must not carry a request
// that asked for it.
std::string LeanEngine::pool_key(const HttpRequest& request, const Url& url) {
    std::string key = url.scheme + "://" + url.host + ":" + std::to_string(url.port);
    if (url.scheme == "https") {
        if (request.insecure) key += " insecure";
        if (!request.ca_file.empty()) key += " ca=" + request.ca_file;
    }
    return key;
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
    if (!url || (url->scheme != "http" && url->scheme != "https")) {
        fail_soon(t->id, "not an http:// or https:// URL: " + t->request.url);
        return t->id;
    }
    t->url = std::move(*url);
    t->pool_key = pool_key(t->request, t->url);
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
            const bool handshaking = t->conn && t->conn->handshaking();
            finish(t, "Operation timed out after " + std::to_string(t->request.timeout_ms) + " milliseconds with " +
                          std::to_string(t->response.bytes_received) + " bytes received" +
                          (handshaking ? " (in the TLS handshake with " + t->url.host + ":" + std::to_string(t->url.port) + ")"
                                       : std::string()));
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
    const std::string& key = t->pool_key;
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
                      ": Couldn't connect to server (" + socket_error_text(t->connect_error) + ")");
        return;
    }
    const std::string peer = t->url.host + ":" + std::to_string(t->url.port);
    std::unique_ptr<net::TlsSession> tls;
    if (t->url.scheme == "https") {
        std::string error;
        auto context = tls_.get(!t->request.insecure, t->request.ca_file, &error);
        if (!context) return finish(t, error);
        tls = std::make_unique<net::TlsSession>(std::move(context), t->url.host, peer);
    }
    auto c = std::make_unique<Connection>(*this, key, peer, std::move(tls));
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
    t->response.tls = c->tls_facts();
    c->detach();
    c->mark_reused();
    if (c->keep_alive()) park(c);
    else drop(c);
    complete(t);
}

void LeanEngine::on_connection_lost(Connection* c, int status) {
    Transfer* t = c->transfer();
    const bool stale = c->reused() && !c->got_bytes() && status != UV_EPROTO;
    std::string reason = c->failure_reason(status);
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
    auto it = connections_.find(c);
    if (it == connections_.end()) return;  // dropped already
    if (auto idle = idle_.find(c->key()); idle != idle_.end()) {
        auto& list = idle->second;
        list.erase(std::remove(list.begin(), list.end(), c), list.end());
    }
    if (auto n = per_host_.find(c->key()); n != per_host_.end() && --n->second == 0) per_host_.erase(n);
    c->close();
    if (network_) network_->connection_closed();
    loop_.defer_delete(std::move(it->second));  // drop() comes from inside its callbacks
    connections_.erase(it);
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
