#include "jobs/http/lean_connection.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

namespace gaia::jobs::http {
namespace {

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

std::string socket_error_text(int uv_status) {
    return uv_status < 0 && uv_status > -4096 ? std::strerror(-uv_status) : uv_strerror(uv_status);
}

LeanEngine::Connection::Connection(LeanEngine& engine, std::string key, std::string peer,
                                   std::unique_ptr<net::TlsSession> tls)
    : engine_(&engine), key_(std::move(key)), peer_(std::move(peer)), tcp_(loop::Tcp::create(engine.loop_)), tls_(std::move(tls)) {}

int LeanEngine::Connection::connect(const sockaddr_storage& address) {
    return tcp_->connect(reinterpret_cast<const sockaddr&>(address), [this](int status) {
        if (status == 0) tcp_->no_delay();
        engine_->on_connected(this, status);
    });
}

int LeanEngine::Connection::send(Transfer* t) {
    tcp_->ref();  // busy: the loop runs until the response is in
    transfer_ = t;
    t->conn = this;
    http_parser_init(&parser_, HTTP_RESPONSE);
    parser_.data = this;
    got_bytes_ = headers_done_ = message_done_ = keep_alive_ = false;
    field_.clear();
    value_.clear();
    in_value_ = false;
    int rc = 0;
    if (handshaking()) {
        // A new https connection: the ClientHello goes first, the request once established.
        tls_->advance();
        if (tls_->state() == net::TlsSession::State::failed) {
            tls_failed();
            return UV_EPROTO;
        }
        rc = flush_tls();
    } else {
        rc = write_request();
    }
    if (rc == 0 && !reading_) rc = start_reading();
    return rc;
}

int LeanEngine::Connection::write_request() {
    auto on_written = [this](int status) {
        if (status < 0) engine_->on_connection_lost(this, status);
    };
    if (!tls_) return tcp_->write(transfer_->wire, on_written);
    if (!tls_->write(transfer_->wire)) {
        tls_failed();
        return UV_EPROTO;
    }
    std::string records = tls_->take_output();
    return tcp_->write(std::move(records), on_written);
}

int LeanEngine::Connection::flush_tls() {
    std::string records = tls_->take_output();
    if (records.empty()) return 0;
    return tcp_->write(std::move(records), [this](int status) {
        if (status < 0 && transfer_) engine_->on_connection_lost(this, status);
    });
}

void LeanEngine::Connection::tls_failed() {
    tls_error_ = (handshaking() || !facts_ ? "TLS handshake with " : "TLS with ") + peer_ + ": " + tls_->error();
}

// The session failed while reading: the transfer fails with why, or an idle connection goes.
void LeanEngine::Connection::end_in_tls_failure() {
    tls_failed();
    if (transfer_) engine_->on_connection_lost(this, UV_EPROTO);
    else engine_->drop(this);
}

int LeanEngine::Connection::start_reading() {
    const int rc = tcp_->read_start([this](std::string_view data) { on_data(data); },
                                    [this](int status) { on_end(status == 0 ? UV_EOF : status); });
    reading_ = rc == 0;
    return rc;
}

void LeanEngine::Connection::on_data(std::string_view data) {
    if (tls_) return on_tls(data);
    if (transfer_ == nullptr) {
        // Idle: the server sent what nobody asked for. The connection goes.
        engine_->drop(this);
        return;
    }
    on_plain(data);
}

void LeanEngine::Connection::on_tls(std::string_view ciphertext) {
    LeanEngine& engine = *engine_;
    tls_->feed(ciphertext);
    if (handshaking()) {
        tls_->advance();
        flush_tls();
        if (tls_->state() == net::TlsSession::State::failed) return end_in_tls_failure();
        if (handshaking()) return;
        facts_ = tls_->facts();  // once per connection, not per response
        if (tls_->resumed()) ++engine.tls_resumptions_;
        if (transfer_ == nullptr) return;
        if (int rc = write_request(); rc < 0) return engine.on_connection_lost(this, rc);
    }
    // One buffer for the engine, not one per connection: each read's plaintext is parsed
    // before the callback returns, and a thousand idle 16 KiB buffers would be 16 MiB.
    std::string& plain = engine.tls_plain_;
    plain.clear();
    tls_->read_into(plain);
    flush_tls();  // an alert, a key update
    const auto state = tls_->state();
    if (state == net::TlsSession::State::failed) return end_in_tls_failure();
    if (transfer_ == nullptr) {
        // Idle: session tickets and key updates are TLS's own; anything else goes.
        if (!plain.empty() || state == net::TlsSession::State::closed) engine.drop(this);
        return;
    }
    if (!plain.empty()) on_plain(plain);
    // close_notify: as the end of the stream, once what came before it is parsed.
    if (state == net::TlsSession::State::closed && tcp_) on_end(UV_EOF);
}

void LeanEngine::Connection::on_plain(std::string_view data) {
    LeanEngine& engine = *engine_;
    if (transfer_ == nullptr) {
        engine.drop(this);  // bytes after a complete response, on a connection now idle
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

void LeanEngine::Connection::on_end(int status) {
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

std::string LeanEngine::Connection::failure_reason(int status) const {
    if (!tls_error_.empty()) return tls_error_;
    if (handshaking()) {
        return "TLS handshake with " + peer_ + ": " +
               (status == UV_EOF ? std::string("the server closed the connection") : socket_error_text(status));
    }
    if (!parse_error_.empty()) return parse_error_;
    return incomplete_reason(status);
}

std::string LeanEngine::Connection::incomplete_reason(int status) const {
    if (headers_done_ && parser_.content_length != ULLONG_MAX && parser_.content_length > 0) {
        return "transfer closed with " + std::to_string(parser_.content_length) + " bytes remaining to read";
    }
    if (headers_done_) return "transfer closed with outstanding read data remaining";
    if (!got_bytes_ && status == UV_EOF) return "Empty reply from server";
    if (status == UV_EOF) return "the connection closed in the middle of the response headers";
    return "Recv failure: " + socket_error_text(status);
}

void LeanEngine::Connection::push_header() {
    if (!in_value_) return;
    auto& headers = transfer_->response.headers;
    if (headers.size() < kMaxResponseHeaders) headers.emplace_back(std::move(field_), std::move(value_));
    field_.clear();
    value_.clear();
    in_value_ = false;
}

const http_parser_settings& LeanEngine::Connection::settings() {
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

}  // namespace gaia::jobs::http
