#include "jobs/tcp/tcp_task.hpp"

#include "core/net/network.hpp"
#include "core/text/printable.hpp"
#include "core/text/regex.hpp"
#include "core/text/seconds.hpp"
#include "jobs/tcp/tcp_runtime.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmath>
#include <cstdio>
#include <ctime>

namespace gaia::jobs::tcp {
namespace {

using text::seconds_text;

// What was read, for a message: printable, and cut to a length a line can hold.
std::string excerpt(const std::string& data) {
    constexpr std::size_t kMax = 200;
    auto shown = text::printable(std::string_view(data).substr(0, kMax));
    if (data.size() > kMax) shown += "…";
    return "\"" + shown + "\"";
}

void set_port(sockaddr_storage& address, int port) {
    if (address.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&address)->sin_port = htons(static_cast<std::uint16_t>(port));
    else reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = htons(static_cast<std::uint16_t>(port));
}

}  // namespace

TcpTask::TcpTask(TcpRuntime& runtime, const jobfile::Job& job, const TcpJobConfig& config)
    : runtime_(runtime), job_(job), config_(config) {}

TcpTask::~TcpTask() { close_connection(); }

std::string TcpTask::where() const {
    return (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

void TcpTask::start(const run::TaskContext& ctx, run::Completion done) {
    done_ = std::move(done);
    auto& loop = runtime_.env().loop;
    started_ns_ = loop::Loop::hrtime_ns();
    try {
        host_ = config_.host.render(ctx.scope);
        const auto port_text = config_.port.render(ctx.scope);
        char* end = nullptr;
        const long port = std::strtol(port_text.c_str(), &end, 10);
        if (port_text.empty() || *end != '\0' || port < 1 || port > 65535) {
            return fail("`port` is `" + text::printable(port_text) + "`, not a port number from 1 to 65535", false);
        }
        port_ = static_cast<int>(port);
        server_name_ = config_.server_name ? config_.server_name->render(ctx.scope) : host_;
        if (config_.send) send_ = config_.send->render(ctx.scope);
    } catch (const jobfile::RenderError& e) {
        return fail(e.what(), false);
    }
    if (host_.empty()) return fail("`host` is empty", false);
    deadline_ = loop::Timer::create(loop);
    const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(runtime_.config().timeout);
    deadline_->start(limit, [this] { fail(phase_timeout(), true); });

    sockaddr_storage literal{};
    if (net::DnsCache::literal(host_, &literal)) {
        loop.post(lifetime_.guard([this, literal] { resolved({literal}); }));
        return;
    }
    runtime_.network().dns().lookup(host_, lifetime_.guard([this](const net::DnsAnswer& answer) {
        if (!answer.error.empty()) return fail(answer.error);
        resolved(answer.addresses);
    }));
}

std::string TcpTask::phase_timeout() const {
    const auto limit = seconds_text(std::chrono::duration<double>(runtime_.config().timeout).count());
    switch (phase_) {
    case Phase::resolving: return "no address for " + host_ + " within " + limit;
    case Phase::waiting: return "no room for a connection to " + where() + " under [network] limits within " + limit;
    case Phase::connecting: return "connecting to " + where() + " timed out after " + limit;
    case Phase::handshaking: return "no TLS handshake with " + where() + " within " + limit;
    case Phase::sending: return "could not send to " + where() + " within " + limit;
    case Phase::reading:
        if (config_.expect_response) {
            return "no response matching `" + config_.expect_response_text + "` from " + where() + " within " + limit +
                   " (read " + std::to_string(response_.size()) + " bytes: " + excerpt(response_) + ")";
        }
        return "the response from " + where() + " did not end within " + limit;
    case Phase::done: break;
    }
    return "timed out after " + limit;
}

void TcpTask::resolved(std::vector<sockaddr_storage> addresses) {
    if (addresses.empty()) return fail("no address for " + host_);
    addresses_ = std::move(addresses);
    for (auto& a : addresses_) set_port(a, port_);
    phase_ = Phase::waiting;
    wait_for_room();
}

// Under [network].max_connections, counting every connection of the run.
void TcpTask::wait_for_room() {
    if (runtime_.network().room_for_connection(lifetime_.guard([this] { wait_for_room(); }))) connect_next();
}

// The addresses in the resolver's order, until one connects.
void TcpTask::connect_next() {
    if (next_address_ >= addresses_.size()) return fail(last_connect_error_);
    phase_ = Phase::connecting;
    close_connection();
    connection_ = loop::Tcp::create(runtime_.env().loop);
    connect_started_ns_ = loop::Loop::hrtime_ns();
    const auto& address = addresses_[next_address_++];
    const int rc = connection_->connect(reinterpret_cast<const sockaddr&>(address), [this](int status) { connected(status); });
    if (rc < 0) {
        last_connect_error_ = "connect to " + where() + ": " + uv_strerror(rc);
        runtime_.env().loop.post(lifetime_.guard([this] { connect_next(); }));
        return;
    }
    runtime_.opened();
    counted_open_ = true;
}

void TcpTask::connected(int status) {
    if (status < 0) {
        last_connect_error_ = "connect to " + where() + ": " + uv_strerror(status);
        return connect_next();
    }
    connection_->no_delay();
    const int rc = connection_->read_start([this](std::string_view data) { on_ciphertext(data); },
                                           [this](int end) { on_end(end); });
    if (rc < 0) return fail("reading from " + where() + ": " + uv_strerror(rc));
    if (!config_.tls) {
        connect_s_ = static_cast<double>(loop::Loop::hrtime_ns() - connect_started_ns_) / 1e9;
        return established();
    }
    std::string error;
    auto context = runtime_.tls_context(config_, &error);
    if (!context) return fail(error, false);
    phase_ = Phase::handshaking;
    tls_ = std::make_unique<net::TlsSession>(std::move(context), server_name_);
    tls_->advance();
    flush_tls();
}

// Bytes from the socket: TLS records when `tls`, else the response itself.
void TcpTask::on_ciphertext(std::string_view data) {
    if (!tls_) return on_plaintext(data);
    tls_->feed(data);
    if (phase_ == Phase::handshaking) {
        if (tls_->advance() == net::TlsSession::State::failed) {
            return fail("TLS handshake with " + where() + ": " + tls_->error());
        }
        flush_tls();
        if (tls_->state() != net::TlsSession::State::established) return;
        connect_s_ = static_cast<double>(loop::Loop::hrtime_ns() - connect_started_ns_) / 1e9;
        const auto facts = tls_->facts();
        tls_version_ = facts.version;
        cert_expiry_ = facts.expiry;
        established();
        if (phase_ == Phase::done) return;
    }
    const auto plain = tls_->read();
    if (tls_->state() == net::TlsSession::State::failed) return fail("TLS with " + where() + ": " + tls_->error());
    flush_tls();
    if (!plain.empty()) on_plaintext(plain);
}

void TcpTask::flush_tls() {
    if (!tls_ || !connection_) return;
    if (auto bytes = tls_->take_output(); !bytes.empty()) connection_->write(std::move(bytes));
}

// Connected (and through the handshake): send, then read or be done.
void TcpTask::established() {
    if (send_.empty()) {
        if (!config_.reads()) return succeed();
        phase_ = Phase::reading;
        return;
    }
    phase_ = Phase::sending;
    std::string bytes = send_;
    if (tls_) {
        if (!tls_->write(send_)) return fail("TLS with " + where() + ": " + tls_->error());
        bytes = tls_->take_output();
    }
    // With nothing to read, the job is done once the kernel has taken the last byte, not
    // when the write is queued: closing the connection earlier would cut a large send.
    const int rc = connection_->write(std::move(bytes), lifetime_.guard([this](int status) {
        if (status < 0) return fail("sending to " + where() + ": " + uv_strerror(status));
        if (!config_.reads()) succeed();
    }));
    if (rc < 0) return fail("sending to " + where() + ": " + uv_strerror(rc));
    if (config_.reads()) phase_ = Phase::reading;
}

void TcpTask::on_plaintext(std::string_view data) {
    if (phase_ != Phase::reading && phase_ != Phase::sending) return;
    phase_ = Phase::reading;
    const auto room = config_.max_response - std::min<std::uint64_t>(config_.max_response, response_.size());
    response_.append(data.substr(0, room));
    if (config_.expect_response && RE2::PartialMatch(response_, *config_.expect_response)) return succeed();
    if (response_.size() >= config_.max_response) {
        if (!config_.expect_response) return succeed();
        return fail("the response from " + where() + " does not match `" + config_.expect_response_text + "` in its first " +
                    std::to_string(config_.max_response) + " bytes: " + excerpt(response_));
    }
}

// The server closed the connection (or it broke).
void TcpTask::on_end(int status) {
    if (phase_ == Phase::done) return;
    if (status < 0) return fail("reading from " + where() + ": " + uv_strerror(status));
    if (phase_ == Phase::handshaking) return fail("TLS handshake with " + where() + ": the server closed the connection");
    if (!config_.expect_response) return succeed();
    if (response_.empty()) {
        return fail("the server at " + where() + " closed the connection without a response (expected `" +
                    config_.expect_response_text + "`)");
    }
    fail("the response from " + where() + " does not match `" + config_.expect_response_text + "`: " + excerpt(response_));
}

void TcpTask::succeed() {
    run::TaskOutcome outcome;
    outcome.status = run::TaskStatus::passed;
    const auto now = static_cast<double>(std::time(nullptr));
    if (config_.max_latency && connect_s_ && *connect_s_ > std::chrono::duration<double>(*config_.max_latency).count()) {
        return fail("connecting to " + where() + " took " + seconds_text(*connect_s_) + " (expected at most " +
                    seconds_text(std::chrono::duration<double>(*config_.max_latency).count()) + ")");
    }
    const auto days_left = net::days_left(cert_expiry_, static_cast<std::int64_t>(now));
    if (config_.min_cert_days) {
        if (!days_left) return fail("the server at " + where() + " showed no certificate");
        if (*days_left < *config_.min_cert_days) {
            char text[96];
            std::snprintf(text, sizeof text, "expires in %.2f days (expected at least %g)", *days_left, *config_.min_cert_days);
            return fail("the certificate of " + where() + " " + text, false);
        }
    }
    for (const auto& c : config_.captures) {
        using Source = TcpCapture::Source;
        switch (c.source) {
        case Source::connect_time: outcome.captures[c.name] = connect_s_.value_or(0); break;
        case Source::tls_version: outcome.captures[c.name] = tls_version_; break;
        case Source::cert_expiry:
            outcome.captures[c.name] = cert_expiry_ ? nlohmann::json(*cert_expiry_) : nlohmann::json(nullptr);
            break;
        case Source::cert_days_left:
            outcome.captures[c.name] = days_left ? nlohmann::json(*days_left) : nlohmann::json(nullptr);
            break;
        case Source::response: outcome.captures[c.name] = response_; break;
        case Source::response_regex: {
            std::string group;
            re2::StringPiece whole;
            if (c.regex->NumberOfCapturingGroups() > 0 ? RE2::PartialMatch(response_, *c.regex, &group)
                                                       : RE2::PartialMatch(response_, *c.regex, &whole)) {
                outcome.captures[c.name] = c.regex->NumberOfCapturingGroups() > 0 ? group : std::string(whole);
            } else {
                return fail("capture `" + c.name + "`: the response from " + where() + " does not match `" +
                            text::written_pattern(*c.regex) + "`: " + excerpt(response_));
            }
            break;
        }
        }
    }
    outcome.bytes = response_.size();
    outcome.details = {{"address", where()}};
    if (connect_s_) outcome.details["connect_time_s"] = *connect_s_;
    if (!tls_version_.empty()) outcome.details["tls_version"] = tls_version_;
    finish(std::move(outcome));
}

void TcpTask::fail(std::string error, bool retryable) {
    run::TaskOutcome outcome;
    outcome.status = run::TaskStatus::failed;
    outcome.error = std::move(error);
    outcome.retryable = retryable;
    outcome.bytes = response_.size();
    finish(std::move(outcome));
}

void TcpTask::finish(run::TaskOutcome outcome) {
    if (phase_ == Phase::done && !done_) return;
    phase_ = Phase::done;
    lifetime_.renew();  // nothing handed out earlier calls back any more
    deadline_.reset();
    close_connection();
    runtime_.finished(job_, outcome.status == run::TaskStatus::passed, connect_s_, cert_expiry_);
    auto done = std::move(done_);
    done_ = nullptr;
    if (!done) return;
    // Never from inside start(): a later turn, always.
    runtime_.env().loop.post([done = std::move(done), outcome = std::move(outcome)]() mutable { done(std::move(outcome)); });
}

void TcpTask::close_connection() {
    connection_.reset();
    if (counted_open_) {
        counted_open_ = false;
        runtime_.closed();
    }
}

void TcpTask::cancel() {
    if (phase_ == Phase::done) return;
    phase_ = Phase::done;
    lifetime_.renew();
    deadline_.reset();
    close_connection();
    auto done = std::move(done_);
    done_ = nullptr;
    if (!done) return;
    run::TaskOutcome outcome;
    outcome.status = run::TaskStatus::cancelled;
    runtime_.env().loop.post([done = std::move(done), outcome = std::move(outcome)]() mutable { done(std::move(outcome)); });
}

}  // namespace gaia::jobs::tcp
