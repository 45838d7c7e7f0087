#include "jobs/http/http_task.hpp"

#include "core/jobfile/template.hpp"

#include "jobs/http/api_pool.hpp"
#include "jobs/http/body_file.hpp"
#include "jobs/http/multipart_body.hpp"
#include "jobs/http/redirect.hpp"
#include "jobs/http/response_check.hpp"
#include "jobs/http/retry_after.hpp"
#include "jobs/http/url.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace gaia::jobs::http {
namespace {

// How much of a body an artifact keeps: enough to read an error page or a JSON problem.
constexpr std::size_t kArtifactBodyBytes = 64 * 1024;

// Credentials are masked whole, whatever the redactor knows: a Basic header is the
// base64 of secrets it may never have seen.
bool credential_header(std::string_view name) {
    return iequals(name, "Authorization") || iequals(name, "Proxy-Authorization") || iequals(name, "Cookie") ||
           iequals(name, "Set-Cookie");
}

std::string header_line(std::string_view name, std::string_view value) {
    return std::string(name) + ": " + (credential_header(name) ? std::string("[redacted]") : std::string(value)) + "\n";
}

std::string body_part(std::string_view body, bool truncated_before) {
    std::string text(body.substr(0, kArtifactBodyBytes));
    if (body.size() > kArtifactBodyBytes || truncated_before) text += "\n[gaia: the body goes on; only its first bytes are kept]\n";
    return text;
}

std::string request_text(const HttpRequest& request) {
    std::string text = request.method + " " + request.url + "\n";
    for (const auto& header : request.headers) {
        const std::string_view line(header);
        const auto colon = line.find(':');
        auto value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        text += header_line(line.substr(0, colon), value);
    }
    text += "\n";
    if (request.body_stream) text += "[gaia: the body was streamed from a file]\n";
    else text += body_part(request.body, false);
    return text;
}

std::string response_text(const HttpResponse& response) {
    std::string text = "HTTP/" + (response.http_version.empty() ? std::string("1.1") : response.http_version) + " " +
                       std::to_string(response.status) + "\n";
    for (const auto& [name, value] : response.headers) text += header_line(name, value);
    return text + "\n" + body_part(response.body, response.body_truncated);
}

}  // namespace

std::string host_of(std::string_view url) {
    // libcurl takes a URL without a scheme as http://, so the label does too.
    auto parsed = parse_url(url);
    if (!parsed) parsed = parse_url("http://" + std::string(url));
    if (!parsed) return {};
    return parsed->ipv6 ? "[" + parsed->host + "]" : parsed->host;  // parse_url lower-cases it
}

std::string url_encode(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

HttpTask::HttpTask(ApiPool& pool, const HttpJobConfig& config)
    : pool_(pool), config_(config) {}

HttpTask::~HttpTask() {
    // ticket_, destroyed after this body, gives back a place still held (queued, resolving
    // or running).
    if (running_) engine_->cancel(transfer_);
    if (save_to_) save_to_->abort();
}

void HttpTask::complete(run::TaskOutcome outcome) {
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(outcome));
}

void HttpTask::fail_soon(std::string error, bool retryable) {
    // Reported on a later loop turn, like every completion.
    pool_.env().loop.post(life_.guard([this, error = std::move(error), retryable] {
        run::TaskOutcome o;
        o.error = error;
        o.retryable = retryable;
        complete(std::move(o));
    }));
}

bool HttpTask::render(HttpRequest& request) {
    const auto& scope = ctx_->scope;
    try {
        method_ = config_.method.render(scope);
        std::transform(method_.begin(), method_.end(), method_.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        url_ = config_.url.render(scope);
        if (!config_.query.empty()) {
            std::string query;
            for (const auto& [name, value] : config_.query) {
                query += (query.empty() ? "" : "&") + url_encode(name) + "=" + url_encode(value.render(scope));
            }
            url_ += (url_.find('?') == std::string::npos ? "?" : "&") + query;
        }
        for (const auto& [name, value] : config_.headers) {
            // Asking for a content coding means decoding it too: libcurl does both, bounded.
            if (iequals(name, "Accept-Encoding")) request.accept_encoding = value.render(scope);
            else request.headers.push_back(name + ": " + value.render(scope));
        }
        const auto has_header = [&](std::string_view name) {
            return std::any_of(config_.headers.begin(), config_.headers.end(),
                               [&](const auto& h) { return iequals(h.first, name); });
        };
        if (config_.body) request.body = config_.body->render(scope);
        if (config_.json_body) {
            request.body = jobfile::json_dump(render_json(*config_.json_body, scope));
            if (!has_header("Content-Type")) request.headers.emplace_back("Content-Type: application/json");
        }
        if (!config_.form.empty()) {
            for (const auto& [name, value] : config_.form) {
                if (!request.body.empty()) request.body += '&';
                request.body += url_encode(name) + "=" + url_encode(value.render(scope));
            }
            if (!has_header("Content-Type")) {
                request.headers.emplace_back("Content-Type: application/x-www-form-urlencoded");
            }
        }
        render_credentials(request);
        if (config_.save_body) save_path_ = config_.save_body->render(scope);
        if (config_.body_file) request.body = config_.body_file->render(scope);  // the path, until opened
        render_multipart();
    } catch (const jobfile::RenderError& e) {
        fail_soon(e.what());
        return false;
    }
    host_ = host_of(url_);
    request.method = method_;
    request.url = url_;
    request.insecure = config_.insecure;
    request.version = config_.version;
    request.body_cap = pool_.config().body_cap;
    request.max_decoded = std::max<std::uint64_t>(64u << 20, 64 * pool_.config().body_cap);
    if (pool_.config().timeout) {
        request.timeout_ms = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(*pool_.config().timeout).count());
    }
    return true;
}

// `auth` and the client certificate; every credential joins the run's redactor.
void HttpTask::render_credentials(HttpRequest& request) {
    const auto& scope = ctx_->scope;
    if (config_.auth) apply_auth(*config_.auth, scope, request, pool_.env().redactor);
    if (!config_.cert) return;
    request.cert = config_.cert->render(scope);
    request.key = config_.key ? config_.key->render(scope) : request.cert;
    if (config_.key_password) {
        request.key_password = config_.key_password->render(scope);
        pool_.env().redactor.add_secret(request.key_password);
    }
}

// The parts of `multipart`, until open_body() opens their files.
void HttpTask::render_multipart() {
    const auto& scope = ctx_->scope;
    multipart_.clear();
    for (const auto& field : config_.multipart) {
        MultipartPart part;
        part.name = field.name;
        if (field.file) {
            part.file = field.file->render(scope);
            if (field.type) part.type = field.type->render(scope);
            if (field.filename) part.filename = field.filename->render(scope);
        } else {
            part.value = field.value.render(scope);
        }
        multipart_.push_back(std::move(part));
    }
}

void HttpTask::start(const run::TaskContext& ctx, run::Completion done) {
    ctx_ = &ctx;
    done_ = std::move(done);
    HttpRequest request;
    if (!render(request)) return;
    open_body(std::move(request));
}

// A streamed body — a file, or a multipart form with files — is opened (its size is the
// Content-Length) before the request queues for the pool's limits.
void HttpTask::open_body(HttpRequest request) {
    std::function<void(std::function<void(const std::string&)>)> open;
    if (config_.body_file) {
        auto file = BodyFile::create(pool_.env().loop, std::move(request.body));
        request.body.clear();
        request.body_stream = file;
        open = [file](auto done) { file->open(std::move(done)); };
    } else if (!config_.multipart.empty()) {
        auto form = MultipartBody::create(pool_.env().loop, std::move(multipart_));
        multipart_.clear();
        request.headers.push_back("Content-Type: " + form->content_type());
        request.body_stream = form;
        open = [form](auto done) { form->open(std::move(done)); };
    } else {
        return send(std::move(request));
    }
    open(life_.guard([this, request = std::move(request)](const std::string& error) mutable {
        if (cancelled_) return;
        if (!error.empty()) {
            run::TaskOutcome o;
            o.error = error;
            o.retryable = false;  // a missing file stays missing
            complete(std::move(o));
            return;
        }
        send(std::move(request));
    }));
}

void HttpTask::send(HttpRequest request) {
    queued_ = true;
    // The request waits here for the pool's limits; the shared_ptr lets the callback be copied.
    auto held = std::make_shared<HttpRequest>(std::move(request));
    pool_.admission().enqueue(host_, ticket_, life_.guard([this, held](const std::string& refusal) {
        queued_ = false;
        if (!refusal.empty()) return fail_soon(refusal, true);
        transfer(std::move(*held));
    }));
}

void HttpTask::transfer(HttpRequest request) {
    // The attempt's timeout counts from its first hop's admission, not from each hop's.
    if (!deadline_started_ && ctx_->start_deadline) ctx_->start_deadline();
    deadline_started_ = true;
    const auto& net = pool_.network().settings();
    request.insecure = request.insecure || net.insecure;
    request.proxy = net.proxy;
    request.ca_file = net.ca_file;
    if (!request.proxy.empty()) return launch(std::move(request));  // the proxy resolves the name
    resolving_ = true;
    auto held = std::make_shared<HttpRequest>(std::move(request));
    try {
        pool_.network().dns().lookup(host_, life_.guard([this, held](const net::DnsAnswer& answer) {
            if (!resolving_) return;
            resolving_ = false;
            if (!answer.error.empty()) {
                // As a refused connection: the host is unreachable, another attempt may do.
                ticket_.release(false);
                pool_.network().transfer_finished(true);
                pool_.on_dns_failure(host_, method_);
                return fail_soon(answer.error, true);
            }
            held->addresses = answer.addresses;
            launch(std::move(*held));
        }));
    } catch (const std::exception& e) {
        resolving_ = false;
        ticket_.release(std::nullopt);
        fail_soon(e.what());
    }
}

void HttpTask::launch(HttpRequest request) {
    if (!save_path_.empty()) {
        // Opened while the request goes out; the bytes queue until the file is there.
        save_to_ = loop::AtomicWriter::create(pool_.env().loop, save_path_);
        save_to_->open(nullptr);
        request.save_to = save_to_;
    }
    try {
        engine_ = &pool_.engine_for(request);
    } catch (const std::exception& e) {
        ticket_.release(std::nullopt);
        fail_soon(e.what());
        return;
    }
    if (config_.cookies) add_jar_cookies(request);
    started_ns_ = pool_.env().clock->monotonic_ns();
    if (first_started_ns_ == 0) first_started_ns_ = started_ns_;
    running_ = true;
    pool_.on_started();
    if (ctx_->artifacts != run::ArtifactMode::off) request_head_ = request_text(request);
    transfer_ = engine_->start(std::move(request), [this](HttpResponse response) { on_response(std::move(response)); });
}

void HttpTask::on_response(HttpResponse response) {
    running_ = false;
    const double seconds = static_cast<double>(pool_.env().clock->monotonic_ns() - started_ns_) / 1e9;
    pool_.on_finished(host_, method_, response.error.empty() ? response.status : 0, seconds);
    // For the host's circuit breaker: the host failed, not our expectations of it.
    ticket_.release(response.error.empty() && response.status < 500);
    pool_.network().transfer_finished(!response.error.empty());
    if (response.tls) pool_.on_tls(host_, *response.tls);
    if (config_.cookies) keep_cookies(response);  // every hop's, as a browser keeps them
    if (follow(response)) return;
    if (!redirects_.empty()) {
        // As libcurl's total time: from the first request to the last response.
        response.total_s = static_cast<double>(pool_.env().clock->monotonic_ns() - first_started_ns_) / 1e9;
    }
    auto result = outcome(response);
    if (result.status != run::TaskStatus::passed) add_artifacts(result, &response);
    result.details["engine"] = engine_->name();
    if (!redirects_.empty()) result.details["redirects"] = redirects_;
    if (!save_to_) return complete(std::move(result));
    if (result.status != run::TaskStatus::passed) {
        // A failed attempt leaves the target as it was: no error page in place of the file.
        save_to_->abort();
        save_to_.reset();
        return complete(std::move(result));
    }
    save_to_->commit(life_.guard([this, result = std::move(result)](const std::string& error) mutable {
        save_to_.reset();
        if (cancelled_) return;
        if (!error.empty()) {
            result.status = run::TaskStatus::failed;
            result.error = "save_body: " + error;
            result.retryable = false;
        } else {
            result.details["saved_to"] = save_path_;
        }
        complete(std::move(result));
    }));
}

std::time_t HttpTask::now() const { return std::chrono::system_clock::to_time_t(pool_.env().clock->wall()); }

// The jar's cookies for this hop's URL join the job's own Cookie header, if it has one:
// a request carries one Cookie header.
void HttpTask::add_jar_cookies(HttpRequest& request) {
    auto* jar = pool_.cookie_jar();
    if (jar == nullptr) return;
    const auto url = parse_url(request.url);
    if (!url) return;
    const auto cookies = jar->header_for(*url, now());
    if (cookies.empty()) return;
    for (auto& header : request.headers) {
        if (iequals(std::string_view(header).substr(0, header.find(':')), "Cookie")) {
            header += "; " + cookies;
            return;
        }
    }
    request.headers.push_back("Cookie: " + cookies);
}

void HttpTask::keep_cookies(const HttpResponse& response) {
    auto* jar = pool_.cookie_jar();
    if (jar == nullptr || !response.error.empty()) return;
    const auto url = parse_url(response.url);
    if (!url) return;
    for (const auto& [name, value] : response.headers) {
        if (iequals(name, "Set-Cookie")) jar->store(*url, value, now());
    }
}

// A redirect goes on as a new request of the same attempt: admitted to its own host,
// resolved through the DNS cache, sent by the engine its scheme needs.
bool HttpTask::follow(const HttpResponse& response) {
    if (!config_.follow_redirects || !response.error.empty() || !is_redirect(response.status)) return false;
    const auto* location = response.header("Location");
    if (location == nullptr) return false;  // a 3xx without a target is the answer
    auto give_up = [this](std::string error) {
        if (save_to_) {
            save_to_->abort();
            save_to_.reset();
        }
        run::TaskOutcome o;
        o.error = std::move(error);
        if (!redirects_.empty()) o.details["redirects"] = redirects_;
        complete(std::move(o));
    };
    if (redirects_.size() == kMaxRedirects) {
        give_up("Maximum (" + std::to_string(kMaxRedirects) + ") redirects followed");
        return true;
    }
    std::string error;
    auto hop = next_hop(url_, method_, response.status, *location, &error);
    if (!hop) {
        give_up(std::move(error));
        return true;
    }
    redirects_.push_back({{"status", response.status}, {"url", url_}, {"location", hop->url}});
    if (hop->downgrade) {
        spdlog::warn("job {}: following a redirect from https to plain http: {} → {}", ctx_->job.name,
                     pool_.env().redactor.scrub(url_), pool_.env().redactor.scrub(hop->url));
    }
    if (save_to_) {
        // The redirect's own body is not the body the job saves.
        save_to_->abort();
        save_to_.reset();
    }
    HttpRequest request;
    if (!render(request)) return true;  // it rendered once; it fails the same way only if a file changed
    url_ = hop->url;
    host_ = host_of(url_);
    method_ = hop->method;
    request.url = url_;
    request.method = method_;
    if (hop->other_origin && !config_.trust_redirect_auth) {
        drop_credentials(request.headers);
        request.auth = {};  // Digest and SigV4 credentials stay with their origin too
    }
    if (hop->drop_body) {
        request.body.clear();
        send(std::move(request));
    } else {
        open_body(std::move(request));  // a 307 or 308 sends a streamed body again, from its start
    }
    return true;
}

void HttpTask::cancel() {
    if (cancelled_ || !done_) return;
    cancelled_ = true;
    queued_ = false;
    resolving_ = false;
    if (running_) {
        running_ = false;
        engine_->cancel(transfer_);
        pool_.on_finished(host_, method_, 0, static_cast<double>(pool_.env().clock->monotonic_ns() - started_ns_) / 1e9);
        // A timeout is the host's failure; a user's cancel says nothing about the host.
        ticket_.release(ctx_->deadline_passed ? std::optional<bool>(false) : std::nullopt);
    }
    ticket_.release(std::nullopt);  // waiting or resolving: the place goes back
    if (save_to_) {
        save_to_->abort();
        save_to_.reset();
    }
    pool_.env().loop.post(life_.guard([this] {
        run::TaskOutcome o;
        o.status = run::TaskStatus::cancelled;
        o.error = "cancelled";
        // A timeout fails the attempt: what was asked is worth keeping.
        if (ctx_->deadline_passed) add_artifacts(o, nullptr);
        complete(std::move(o));
    }));
}

void HttpTask::add_artifacts(run::TaskOutcome& outcome, const HttpResponse* response) const {
    if (ctx_->artifacts == run::ArtifactMode::off || request_head_.empty()) return;
    outcome.artifacts.push_back({"request.txt", request_head_});
    if (response && response->error.empty()) outcome.artifacts.push_back({"response.txt", response_text(*response)});
}

run::TaskOutcome HttpTask::outcome(const HttpResponse& r) {
    return ResponseCheck(config_, r, ctx_->scope, method_ + " " + url_, pool_.config().body_cap, now(),
                         config_.cookies ? pool_.cookie_jar() : nullptr)
        .judge();
}

}  // namespace gaia::jobs::http
