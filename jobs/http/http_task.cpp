#include "jobs/http/http_task.hpp"

#include "jobs/http/api_pool.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace gaia::jobs::http {
namespace {

// Renders every string of a JSON body as a template.
nlohmann::json render_json(const nlohmann::json& value, const jobfile::RenderScope& scope) {
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        if (text.find("{{") == std::string::npos) return value;
        jobfile::TemplateSyntaxError syntax;
        auto t = jobfile::Template::compile(text, &syntax);
        return t ? nlohmann::json(t->render(scope)) : value;
    }
    if (value.is_object()) {
        nlohmann::json out = nlohmann::json::object();
        for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = render_json(it.value(), scope);
        return out;
    }
    if (value.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& el : value) out.push_back(render_json(el, scope));
        return out;
    }
    return value;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

const std::string* find_header(const HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
        if (iequals(k, name)) return &v;
    }
    return nullptr;
}

}  // namespace

std::string host_of(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
    url = url.substr(0, url.find_first_of("/?#"));
    if (auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
    if (!url.empty() && url.front() == '[') return std::string(url.substr(0, url.find(']') + 1));
    return std::string(url.substr(0, url.find(':')));
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

HttpTask::HttpTask(ApiPool& pool, const jobfile::Job& job, const HttpJobConfig& config)
    : pool_(pool), job_(job), config_(config) {}

HttpTask::~HttpTask() {
    if (running_) pool_.engine().cancel(transfer_);
}

void HttpTask::complete(run::TaskOutcome outcome) {
    auto done = std::move(done_);
    if (done) done(std::move(outcome));
}

void HttpTask::fail_soon(std::string error) {
    // Reported on a later loop turn (DESIGN convention 3); another attempt cannot help.
    pool_.env().loop.post([this, error = std::move(error)] {
        run::TaskOutcome o;
        o.error = error;
        o.retryable = false;
        complete(std::move(o));
    });
}

void HttpTask::start(const run::TaskContext& ctx, run::Completion done) {
    ctx_ = &ctx;
    done_ = std::move(done);
    HttpRequest request;
    try {
        method_ = config_.method.render(ctx.scope);
        std::transform(method_.begin(), method_.end(), method_.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        url_ = config_.url.render(ctx.scope);
        if (!config_.query.empty()) {
            std::string query;
            for (const auto& [name, value] : config_.query) {
                query += (query.empty() ? "" : "&") + url_encode(name) + "=" + url_encode(value.render(ctx.scope));
            }
            url_ += (url_.find('?') == std::string::npos ? "?" : "&") + query;
        }
        for (const auto& [name, value] : config_.headers) request.headers.push_back(name + ": " + value.render(ctx.scope));
        if (config_.body) request.body = config_.body->render(ctx.scope);
        if (config_.json_body) {
            request.body = render_json(*config_.json_body, ctx.scope).dump();
            const bool has_type = std::any_of(config_.headers.begin(), config_.headers.end(),
                                              [](const auto& h) { return iequals(h.first, "Content-Type"); });
            if (!has_type) request.headers.emplace_back("Content-Type: application/json");
        }
    } catch (const jobfile::RenderError& e) {
        fail_soon(e.what());
        return;
    }
    host_ = host_of(url_);
    request.method = method_;
    request.url = url_;
    request.follow_redirects = config_.follow_redirects;
    request.insecure = config_.insecure;
    request.body_cap = pool_.config().body_cap;
    if (pool_.config().timeout) {
        request.timeout_ms = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(*pool_.config().timeout).count());
    }
    CurlEngine* engine = nullptr;
    try {
        engine = &pool_.engine();
    } catch (const std::exception& e) {
        fail_soon(e.what());
        return;
    }
    started_ns_ = loop::Loop::hrtime_ns();
    running_ = true;
    pool_.on_started();
    transfer_ = engine->start(std::move(request), [this](HttpResponse response) {
        running_ = false;
        const double seconds = static_cast<double>(loop::Loop::hrtime_ns() - started_ns_) / 1e9;
        pool_.on_finished(host_, method_, response.error.empty() ? response.status : 0, seconds);
        complete(outcome(response));
    });
}

void HttpTask::cancel() {
    if (!running_) return;
    running_ = false;
    pool_.engine().cancel(transfer_);
    pool_.on_finished(host_, method_, 0, static_cast<double>(loop::Loop::hrtime_ns() - started_ns_) / 1e9);
    pool_.env().loop.post([this] {
        run::TaskOutcome o;
        o.status = run::TaskStatus::cancelled;
        o.error = "cancelled";
        complete(std::move(o));
    });
}

run::TaskOutcome HttpTask::outcome(const HttpResponse& r) {
    run::TaskOutcome o;
    o.bytes = r.bytes_received;
    const double latency = r.total_s;
    o.details["status"] = r.status;
    o.details["latency_s"] = latency;
    o.details["bytes"] = r.bytes_received;
    o.details["body_truncated"] = r.body_truncated;
    if (!r.error.empty()) {
        o.error = method_ + " " + url_ + ": " + r.error;
        return o;  // connection errors and timeouts are worth another attempt
    }
    o.status = run::TaskStatus::passed;
    auto fail = [&](std::string error) {
        if (o.status == run::TaskStatus::failed) return;
        o.status = run::TaskStatus::failed;
        o.error = std::move(error);
    };
    std::optional<nlohmann::json> json_doc;
    bool json_tried = false;
    auto json_body = [&]() -> const nlohmann::json* {
        if (!json_tried) {
            json_tried = true;
            auto parsed = nlohmann::json::parse(r.body, nullptr, false);
            if (!parsed.is_discarded()) json_doc = std::move(parsed);
        }
        return json_doc ? &*json_doc : nullptr;
    };
    const std::string too_big = "the response body is larger than [api].max_body (" +
                                std::to_string(pool_.config().body_cap) + " bytes), which this check needs";
    for (const auto& c : config_.captures) {
        switch (c.source) {
        case HttpCapture::Source::status: o.captures[c.name] = r.status; break;
        case HttpCapture::Source::body: o.captures[c.name] = r.body; break;
        case HttpCapture::Source::header:
            if (const auto* v = find_header(r, c.header)) o.captures[c.name] = *v;
            else fail("capture `" + c.name + "`: no header `" + c.header + "` in the response");
            break;
        case HttpCapture::Source::json: {
            const auto* doc = json_body();
            if (!doc) {
                fail(r.body_truncated ? too_big : "capture `" + c.name + "`: the response is not JSON");
                break;
            }
            if (auto v = c.path->value(*doc)) o.captures[c.name] = std::move(*v);
            else fail("capture `" + c.name + "`: " + c.path->text() + " matched nothing");
            break;
        }
        case HttpCapture::Source::regex: {
            // Group 1, or the whole match when the pattern has no group.
            std::string group;
            const bool hit = c.regex->NumberOfCapturingGroups() > 0
                                 ? RE2::PartialMatch(r.body, *c.regex, &group)
                                 : RE2::PartialMatch(r.body, "(" + c.regex->pattern() + ")", &group);
            if (hit) o.captures[c.name] = group;
            else fail("capture `" + c.name + "`: /" + c.regex->pattern() + "/ did not match the body");
            break;
        }
        }
    }
    const bool status_ok = std::any_of(config_.status_ranges.begin(), config_.status_ranges.end(),
                                       [&](const auto& range) { return r.status >= range.first && r.status <= range.second; });
    if (!status_ok) {
        std::string expected;
        for (const auto& [low, high] : config_.status_ranges) {
            if (!expected.empty()) expected += ", ";
            expected += low == high ? std::to_string(low) : std::to_string(low / 100) + "xx";
        }
        std::string message = method_ + " " + url_ + ": status " + std::to_string(r.status) + " (expected " + expected + ")";
        // A short, one-line excerpt of the body: error pages explain themselves.
        std::string excerpt;
        for (char c : r.body.substr(0, 400)) {
            const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
            if (space && (excerpt.empty() || excerpt.back() == ' ')) continue;
            excerpt += space ? ' ' : c;
            if (excerpt.size() >= 160) break;
        }
        if (!excerpt.empty()) message += ": " + excerpt;
        o.status = run::TaskStatus::failed;
        o.error = message;  // the status explains the rest: it goes first
    }
    try {
        for (const auto& h : config_.expect_headers) {
            const auto* v = find_header(r, h.name);
            if (!v) fail("no header `" + h.name + "` in the response");
            else if (h.regex && !RE2::PartialMatch(*v, *h.regex)) fail("header `" + h.name + "` does not match /" + h.regex->pattern() + "/");
            else if (!h.regex) {
                const auto needle = h.substring.render(ctx_->scope);
                if (v->find(needle) == std::string::npos) fail("header `" + h.name + "` does not contain \"" + needle + "\"");
            }
        }
        for (const auto& t : config_.body_contains) {
            const auto needle = t.render(ctx_->scope);
            if (r.body.find(needle) == std::string::npos) fail(r.body_truncated ? too_big : "body does not contain \"" + needle + "\"");
        }
    } catch (const jobfile::RenderError& e) {
        fail(e.what());
    }
    for (const auto& re : config_.body_matches) {
        if (!RE2::PartialMatch(r.body, *re)) fail(r.body_truncated ? too_big : "body does not match /" + re->pattern() + "/");
    }
    for (const auto& [path, expected] : config_.expect_json) {
        const auto* doc = json_body();
        if (!doc) {
            fail(r.body_truncated ? too_big : "the response is not JSON");
            break;
        }
        auto found = path.select(*doc);
        if (found.empty()) fail(path.text() + " matched nothing");
        else if (!jsonpath::same_value(*found.front(), expected)) {
            fail(path.text() + " is " + found.front()->dump() + ", expected " + expected.dump());
        }
    }
    if (config_.max_latency && latency > jobfile::to_seconds(*config_.max_latency)) {
        fail("latency " + std::to_string(latency) + " s is over expect.max_latency (" +
             jobfile::format_duration(*config_.max_latency) + ")");
    }
    return o;
}

}  // namespace gaia::jobs::http
