#include "jobs/http/curl_engine.hpp"

#include "jobs/http/curl_library.hpp"
#include "jobs/http/url.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>


namespace gaia::jobs::http {
namespace {

const CurlLibrary& curl() { return CurlLibrary::get(); }

// What the TLS connection of a transfer showed; nothing over plain HTTP, or with a TLS
// library other than OpenSSL. Read while the transfer has its connection: once it is
// done, libcurl no longer says which connection it used.
std::optional<net::TlsFacts> tls_facts(CURL* easy) {
    curl_tlssessioninfo* info = nullptr;
    if (curl().easy_getinfo(easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || info == nullptr ||
        info->backend != CURLSSLBACKEND_OPENSSL || info->internals == nullptr) {
        return std::nullopt;
    }
    return net::tls_facts(static_cast<const ssl_st*>(info->internals));
}

}  // namespace

struct CurlEngine::Transfer {
    CurlEngine* engine = nullptr;
    std::uint64_t id = 0;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    curl_slist* resolve = nullptr;
    HttpRequest request;
    HttpResponse response;
    Done done;
    std::unique_ptr<net::Gate> gate;  // the network's bandwidth budget
    std::string failure;  // our own reason to abort (a disk error), clearer than libcurl's
    bool encoded = false;  // the response has a Content-Encoding that libcurl decodes
    bool in_headers = true;         // no byte of the final body has come yet
    std::size_t header_bytes = 0;   // of the current response
    char error_buffer[CURL_ERROR_SIZE] = {};  // libcurl's detailed message

    // No callback of the body file or the writer may reach this transfer any more.
    void detach() {
        done = nullptr;
        if (request.body_stream) request.body_stream->on_ready(nullptr);
        if (request.save_to) request.save_to->on_drain(0, nullptr);
        gate.reset();
    }

    ~Transfer() {
        if (headers) curl().slist_free_all(headers);
        if (resolve) curl().slist_free_all(resolve);
        if (easy) curl().easy_cleanup(easy);
    }
};

namespace {

// Back-pressure of save_body: the network waits while this much is queued for the disk.
constexpr std::size_t kSinkHighWater = 4u << 20;
constexpr std::size_t kSinkLowWater = 1u << 20;
// All header lines of one response: far above what real servers send.
constexpr std::size_t kMaxHeaderBytes = 256u << 10;

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

}  // namespace

CurlEngine::CurlEngine(loop::Loop& loop, net::Network* network)
    : loop_(loop), network_(network), timer_(loop::Timer::create(loop)) {
    multi_ = curl().multi_init();
    if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
    if (network_) {
        // Transfers beyond the limits wait inside libcurl for a connection.
        const auto& s = network_->settings();
        curl().multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(s.max_connections));
        curl().multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(s.max_connections_per_host));
        curl().multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(s.max_connections));
    }
    curl().multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlEngine::on_curl_socket);
    curl().multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl().multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlEngine::on_curl_timer);
    curl().multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlEngine::~CurlEngine() { close(); }

void CurlEngine::close() {
    if (multi_ == nullptr) return;
    for (auto& [id, t] : transfers_) {
        t->detach();
        curl().multi_remove_handle(multi_, t->easy);
    }
    transfers_.clear();
    sockets_.clear();
    timer_.reset();
    curl().multi_cleanup(multi_);
    multi_ = nullptr;
}

int CurlEngine::on_curl_timer(CURLM*, long timeout_ms, void* user) {
    auto* self = static_cast<CurlEngine*>(user);
    if (!self->timer_) return 0;
    if (timeout_ms < 0) {
        self->timer_->stop();
        return 0;
    }
    // Even a zero timeout goes through the loop: no call into libcurl from here.
    self->timer_->start(std::chrono::milliseconds(timeout_ms), [self] {
        int running = 0;
        curl().multi_socket_action(self->multi_, CURL_SOCKET_TIMEOUT, 0, &running);
        self->drain_messages();
    });
    return 0;
}

int CurlEngine::on_curl_socket(CURL*, curl_socket_t fd, int what, void* user, void*) {
    auto* self = static_cast<CurlEngine*>(user);
    if (what == CURL_POLL_REMOVE) {
        self->sockets_.erase(fd);  // closes the poll handle before libcurl closes the socket
        return 0;
    }
    auto it = self->sockets_.find(fd);
    if (it == self->sockets_.end()) {
        int error = 0;
        auto poll = loop::Poll::open_socket(self->loop_, fd, &error);
        if (!poll) return -1;
        it = self->sockets_.emplace(fd, std::move(poll)).first;
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= UV_WRITABLE;
    return it->second->start(events, [self, fd](int status, int ready) { self->on_socket_ready(fd, ready, status); }) == 0
               ? 0
               : -1;
}

void CurlEngine::on_socket_ready(curl_socket_t fd, int uv_events, int status) {
    int flags = 0;
    if (uv_events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (uv_events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    // On a socket error let libcurl read and write: it then meets the error itself and
    // names it ("Connection reset by peer"), where CURL_CSELECT_ERR only says "select/poll
    // returned error".
    if (status < 0) flags = CURL_CSELECT_IN | CURL_CSELECT_OUT;
    int running = 0;
    curl().multi_socket_action(multi_, fd, flags, &running);
    drain_messages();
}

void CurlEngine::drain_messages() {
    int left = 0;
    while (CURLMsg* msg = curl().multi_info_read(multi_, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl().easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
        if (t) finish(t, msg->data.result);
        if (multi_ == nullptr) return;  // a completion closed the engine
    }
}

void CurlEngine::finish(Transfer* t, CURLcode code) {
    auto& r = t->response;
    if (code != CURLE_OK) {
        // Ours first, then libcurl's detailed one ("Recv failure: Connection reset by peer"),
        // then its generic one.
        if (!t->failure.empty()) r.error = t->failure;
        else if (code == CURLE_OUT_OF_MEMORY && t->in_headers) {
            // libcurl 7.88 reports a header line over its 100 KiB limit as out of memory.
            r.error = "a response header line is larger than 100 KiB";
        }
        else if (t->error_buffer[0] != '\0') r.error = t->error_buffer;
        else r.error = curl().easy_strerror(code);
    }
    curl().easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r.status);
    curl().easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &r.total_s);
    r.url = t->request.url;
    long version = 0;
    curl().easy_getinfo(t->easy, CURLINFO_HTTP_VERSION, &version);
    switch (version) {
    case CURL_HTTP_VERSION_1_0: r.http_version = "1.0"; break;
    case CURL_HTTP_VERSION_1_1: r.http_version = "1.1"; break;
    case CURL_HTTP_VERSION_2_0: r.http_version = "2"; break;
    case CURL_HTTP_VERSION_3: r.http_version = "3"; break;
    default: break;
    }
    curl().multi_remove_handle(multi_, t->easy);
    auto node = transfers_.extract(t->id);
    auto done = std::move(node.mapped()->done);
    node.mapped()->detach();
    HttpResponse response = std::move(r);
    loop_.defer_delete(std::move(node.mapped()));
    if (done) done(std::move(response));
}

// Long (about 100 lines) and kept whole: one libcurl option after another, each a line
// of what the request asks (method, body, TLS, proxy, limits, callbacks); reading them
// in one place is how one checks that none is missing.
std::uint64_t CurlEngine::start(HttpRequest request, Done done) {
    auto t = std::make_unique<Transfer>();
    t->id = next_id_++;
    t->request = std::move(request);
    t->done = std::move(done);
    t->engine = this;
    if (network_) t->gate = network_->bandwidth().gate();
    t->easy = curl().easy_init();
    const auto id = t->id;
    auto fail_soon = [this](Done d, std::string error) {
        loop_.post([d = std::move(d), error = std::move(error)] {
            HttpResponse r;
            r.error = error;
            if (d) d(std::move(r));
        });
    };
    if (t->easy == nullptr || multi_ == nullptr) {
        fail_soon(std::move(t->done), "cannot create a transfer");
        return id;
    }
    CURL* e = t->easy;
    const auto& q = t->request;
    curl().easy_setopt(e, CURLOPT_URL, q.url.c_str());
    curl().easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl().easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl().easy_setopt(e, CURLOPT_ERRORBUFFER, t->error_buffer);
    if (network_) {
        // Every socket libcurl opens and closes is counted: gaia_network_connections_open.
        curl().easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &CurlEngine::on_curl_open_socket);
        curl().easy_setopt(e, CURLOPT_OPENSOCKETDATA, network_);
        curl().easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &CurlEngine::on_curl_close_socket);
        curl().easy_setopt(e, CURLOPT_CLOSESOCKETDATA, network_);
    }
    if (!q.addresses.empty()) {
        // The coordinator's DNS cache answered: libcurl connects there without a lookup.
        if (auto url = parse_url(q.url)) {
            std::string entry = url->host + ":" + std::to_string(url->port) + ":";
            for (std::size_t i = 0; i < q.addresses.size(); ++i) {
                char ip[INET6_ADDRSTRLEN] = {};
                const auto& a = q.addresses[i];
                if (a.ss_family == AF_INET) {
                    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&a)->sin_addr, ip, sizeof ip);
                    entry += std::string(i ? "," : "") + ip;
                } else {
                    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&a)->sin6_addr, ip, sizeof ip);
                    entry += std::string(i ? "," : "") + "[" + ip + "]";
                }
            }
            t->resolve = curl().slist_append(nullptr, entry.c_str());
            curl().easy_setopt(e, CURLOPT_RESOLVE, t->resolve);
        }
    }
    if (!q.proxy.empty()) curl().easy_setopt(e, CURLOPT_PROXY, q.proxy.c_str());
    if (!q.ca_file.empty()) curl().easy_setopt(e, CURLOPT_CAINFO, q.ca_file.c_str());
    if (!q.accept_encoding.empty()) curl().easy_setopt(e, CURLOPT_ACCEPT_ENCODING, q.accept_encoding.c_str());
    if (!q.cert.empty()) {
        curl().easy_setopt(e, CURLOPT_SSLCERT, q.cert.c_str());
        curl().easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
        curl().easy_setopt(e, CURLOPT_SSLKEY, q.key.c_str());
        if (!q.key_password.empty()) curl().easy_setopt(e, CURLOPT_KEYPASSWD, q.key_password.c_str());
    }
    if (q.auth.scheme != HttpRequest::Auth::Scheme::none) {
        curl().easy_setopt(e, CURLOPT_USERNAME, q.auth.user.c_str());
        curl().easy_setopt(e, CURLOPT_PASSWORD, q.auth.password.c_str());
        if (q.auth.scheme == HttpRequest::Auth::Scheme::digest) curl().easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_DIGEST));
        else curl().easy_setopt(e, CURLOPT_AWS_SIGV4, q.auth.provider.c_str());
    }
    // The same TLS rules as the lean engine's (no renegotiation); libcurl built on another
    // TLS library refuses the option, and keeps its own rules.
    curl().easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &CurlEngine::on_curl_ssl_context);
    curl().easy_setopt(e, CURLOPT_SSL_VERIFYPEER, q.insecure ? 0L : 1L);
    curl().easy_setopt(e, CURLOPT_SSL_VERIFYHOST, q.insecure ? 0L : 2L);
    if (q.timeout_ms > 0) curl().easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(q.timeout_ms));
    if (q.method == "HEAD") curl().easy_setopt(e, CURLOPT_NOBODY, 1L);
    // POSTFIELDS alone makes a POST; a custom "POST" would stay POST after a 303.
    else if (q.method != "GET" && q.method != "POST") curl().easy_setopt(e, CURLOPT_CUSTOMREQUEST, q.method.c_str());
    if (q.body_stream) {
        // POST with a read callback sends any method's body with a Content-Length.
        curl().easy_setopt(e, CURLOPT_POST, 1L);
        curl().easy_setopt(e, CURLOPT_READFUNCTION, &CurlEngine::on_curl_read);
        curl().easy_setopt(e, CURLOPT_READDATA, t.get());
        curl().easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(q.body_stream->size()));
        curl().easy_setopt(e, CURLOPT_CUSTOMREQUEST, q.method.c_str());
    } else if (!q.body.empty() || q.method == "POST") {
        curl().easy_setopt(e, CURLOPT_POSTFIELDS, q.body.data());
        curl().easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(q.body.size()));
    }
    switch (q.version) {
    case HttpVersion::any: break;
    case HttpVersion::http1_1: curl().easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1)); break;
    case HttpVersion::http2: curl().easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2_0)); break;
    }
    for (const auto& h : q.headers) {
        // libcurl drops "Name:" (a way to remove one of its own headers) and sends
        // "Name;" as a header with an empty value: an empty value is sent, as by the
        // lean engine.
        std::string line = h;
        if (line.size() >= 2 && line.compare(line.size() - 2, 2, ": ") == 0) line.replace(line.size() - 2, 2, ";");
        t->headers = curl().slist_append(t->headers, line.c_str());
    }
    if (t->headers) curl().easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl().easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl().easy_setopt(e, CURLOPT_WRITEFUNCTION, &CurlEngine::on_curl_write);
    curl().easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl().easy_setopt(e, CURLOPT_HEADERFUNCTION, &CurlEngine::on_curl_header);
    const CURLMcode rc = curl().multi_add_handle(multi_, e);
    if (rc != CURLM_OK) {
        fail_soon(std::move(t->done), std::string("cannot start the transfer: ") + curl().multi_strerror(rc));
        return id;
    }
    transfers_.emplace(id, std::move(t));
    return id;
}

void CurlEngine::cancel(std::uint64_t id) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) return;
    curl().multi_remove_handle(multi_, it->second->easy);
    it->second->detach();
    loop_.defer_delete(std::move(it->second));
    transfers_.erase(it);
}

curl_socket_t CurlEngine::on_curl_open_socket(void* network, curlsocktype, curl_sockaddr* address) {
    const curl_socket_t fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (fd >= 0) static_cast<net::Network*>(network)->connection_opened();
    return fd < 0 ? CURL_SOCKET_BAD : fd;
}

CURLcode CurlEngine::on_curl_ssl_context(CURL*, void* ssl_ctx, void*) {
    net::apply_client_policy(static_cast<ssl_ctx_st*>(ssl_ctx));
    return CURLE_OK;
}

int CurlEngine::on_curl_close_socket(void* network, curl_socket_t fd) {
    static_cast<net::Network*>(network)->connection_closed();
    return ::close(fd);
}

void CurlEngine::resume(std::uint64_t id) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) return;
    // Not inside a libcurl callback: this comes from a thread-pool completion.
    curl().easy_pause(it->second->easy, CURLPAUSE_CONT);
}

std::size_t CurlEngine::on_curl_write(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = size * count;
    auto& r = t->response;
    t->in_headers = false;
    if (t->gate && !t->gate->may_proceed()) {
        // The run's bandwidth is spent: wait for a grant; libcurl hands the bytes again.
        t->gate->wait([engine = t->engine, id = t->id] { engine->resume(id); });
        return CURL_WRITEFUNC_PAUSE;
    }
    if (const auto& sink = t->request.save_to) {
        if (!sink->error().empty()) {
            t->failure = sink->error();
            return 0;  // aborts the transfer with a write error
        }
        if (sink->pending() >= kSinkHighWater) {
            // The disk is behind: hold the network until the queue is down to the low mark.
            // libcurl hands the same bytes again after the resume.
            sink->on_drain(kSinkLowWater, [engine = t->engine, id = t->id] { engine->resume(id); });
            return CURL_WRITEFUNC_PAUSE;
        }
        sink->write(std::string_view(data, n));
    } else if (t->encoded && r.bytes_received + n > t->request.max_decoded) {
        t->failure = "the response decodes to more than " + std::to_string(t->request.max_decoded >> 20) +
                     " MiB (a compression bomb?); use save_body to keep large encoded responses";
        return 0;
    }
    r.bytes_received += n;
    // Held only up to the cap; beyond it the transfer goes on without keeping more.
    const std::size_t room = t->request.body_cap > r.body.size() ? t->request.body_cap - r.body.size() : 0;
    r.body.append(data, std::min(n, room));
    if (n > room) r.body_truncated = true;
    if (t->gate) t->gate->consumed(n);
    return n;
}

std::size_t CurlEngine::on_curl_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = size * count;
    const std::string_view line(data, n);
    auto& headers = t->response.headers;
    if (line.rfind("HTTP/", 0) == 0) {
        // A new response (after a 100 Continue, or a proxy's CONNECT): only the last one counts.
        headers.clear();
        t->encoded = false;
        t->header_bytes = 0;
        if (!t->response.tls) t->response.tls = tls_facts(t->easy);
    }
    t->header_bytes += n;
    if (t->header_bytes > kMaxHeaderBytes) {
        t->failure = "the response headers are larger than " + std::to_string(kMaxHeaderBytes >> 10) + " KiB";
        return 0;  // aborts the transfer
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || headers.size() >= kMaxResponseHeaders) return n;
    auto& [name, value] = headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    if (!t->request.accept_encoding.empty() && value != "identity" && iequals(name, "Content-Encoding")) {
        t->encoded = true;
    }
    return n;
}

std::size_t CurlEngine::on_curl_read(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    auto& body = *t->request.body_stream;
    if (t->gate && !t->gate->may_proceed()) {
        t->gate->wait([engine = t->engine, id = t->id] { engine->resume(id); });
        return CURL_READFUNC_PAUSE;
    }
    std::size_t n = 0;
    switch (body.take(buffer, size * count, &n)) {
    case BodyStream::Take::data:
        if (t->gate) t->gate->consumed(n, true);
        return n;
    case BodyStream::Take::end: return 0;
    case BodyStream::Take::wait:
        body.on_ready([engine = t->engine, id = t->id] { engine->resume(id); });
        return CURL_READFUNC_PAUSE;
    case BodyStream::Take::error: break;
    }
    t->failure = body.error();
    return CURL_READFUNC_ABORT;
}

}  // namespace gaia::jobs::http
