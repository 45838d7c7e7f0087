#include "jobs/http/response_check.hpp"

#include "core/jobfile/values.hpp"
#include "core/jsonpath/jsonpath.hpp"
#include "jobs/http/retry_after.hpp"
#include "jobs/http/url.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace gaia::jobs::http {
namespace {

// A short, one-line excerpt of a body: error pages explain themselves.
std::string one_line_excerpt(const std::string& body) {
    std::string excerpt;
    for (char c : body.substr(0, 400)) {
        const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
        if (space && (excerpt.empty() || excerpt.back() == ' ')) continue;
        excerpt += space ? ' ' : c;
        if (excerpt.size() >= 160) break;
    }
    return excerpt;
}

}  // namespace

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

ResponseCheck::ResponseCheck(const HttpJobConfig& config, const HttpResponse& response, const jobfile::RenderScope& scope,
                             std::string what, std::uint64_t body_cap, std::time_t now, const CookieJar* jar)
    : config_(config),
      r_(response),
      scope_(scope),
      what_(std::move(what)),
      now_(now),
      jar_(jar),
      too_big_("the response body is larger than [api].max_body (" + std::to_string(body_cap) +
               " bytes), which this check needs") {}

run::TaskOutcome ResponseCheck::judge() && {
    o_.bytes = r_.bytes_received;
    o_.code_kind = run::CodeKind::http_status;
    o_.code = static_cast<std::int32_t>(r_.status);
    o_.details["status"] = r_.status;
    o_.details["latency_s"] = r_.total_s;
    o_.details["bytes"] = r_.bytes_received;
    o_.details["body_truncated"] = r_.body_truncated;
    if (!r_.http_version.empty()) o_.details["http_version"] = r_.http_version;
    if (r_.tls) {
        nlohmann::json tls = {{"version", r_.tls->version}, {"cipher", r_.tls->cipher}, {"subject", r_.tls->subject},
                              {"issuer", r_.tls->issuer}};
        if (r_.tls->expiry) {
            tls["expiry"] = *r_.tls->expiry;
            tls["days_left"] = *net::days_left(r_.tls->expiry, now_);
        }
        o_.details["tls"] = std::move(tls);
    }
    if (!r_.error.empty()) {
        o_.error = what_ + ": " + r_.error;
        return std::move(o_);  // connection errors and timeouts are worth another attempt
    }
    o_.status = run::TaskStatus::passed;
    capture();
    check_status();
    check_headers_and_body();
    check_json();
    check_latency();
    check_certificate();
    return std::move(o_);
}

void ResponseCheck::fail(std::string error) {
    if (o_.status == run::TaskStatus::failed) return;
    o_.status = run::TaskStatus::failed;
    o_.error = std::move(error);
}

const nlohmann::json* ResponseCheck::json_body() {
    if (!json_tried_) {
        json_tried_ = true;
        auto parsed = nlohmann::json::parse(r_.body, nullptr, false);
        if (!parsed.is_discarded()) json_doc_ = std::move(parsed);
    }
    return json_doc_ ? &*json_doc_ : nullptr;
}

void ResponseCheck::capture() {
    for (const auto& c : config_.captures) {
        switch (c.source) {
        case HttpCapture::Source::status: o_.captures[c.name] = r_.status; break;
        case HttpCapture::Source::url: o_.captures[c.name] = r_.url; break;
        case HttpCapture::Source::tls: capture_tls(c); break;
        case HttpCapture::Source::cookie: capture_cookie(c); break;
        case HttpCapture::Source::body:
            // A capture is all of the body or an error: never its first max_body bytes.
            if (r_.body_truncated) fail("capture `" + c.name + "`: " + too_big_);
            else o_.captures[c.name] = r_.body;
            break;
        case HttpCapture::Source::header:
            if (const auto* v = r_.header(c.header)) o_.captures[c.name] = *v;
            else fail("capture `" + c.name + "`: no header `" + c.header + "` in the response");
            break;
        case HttpCapture::Source::json: {
            const auto* doc = json_body();
            if (!doc) {
                fail(r_.body_truncated ? too_big_ : "capture `" + c.name + "`: the response is not JSON");
                break;
            }
            if (auto v = c.path->value(*doc)) o_.captures[c.name] = std::move(*v);
            else fail("capture `" + c.name + "`: " + c.path->text() + " matched nothing");
            break;
        }
        case HttpCapture::Source::regex: {
            // Group 1, or the whole match when the pattern has no group.
            std::string group;
            const bool hit = c.regex->NumberOfCapturingGroups() > 0
                                 ? RE2::PartialMatch(r_.body, *c.regex, &group)
                                 : RE2::PartialMatch(r_.body, "(" + c.regex->pattern() + ")", &group);
            if (hit) o_.captures[c.name] = group;
            else fail(r_.body_truncated ? too_big_ : "capture `" + c.name + "`: /" + c.regex->pattern() + "/ did not match the body");
            break;
        }
        }
    }
}

void ResponseCheck::check_status() {
    const bool status_ok = std::any_of(config_.status_ranges.begin(), config_.status_ranges.end(),
                                       [&](const auto& range) { return r_.status >= range.first && r_.status <= range.second; });
    if (status_ok) return;
    std::string expected;
    for (const auto& [low, high] : config_.status_ranges) {
        if (!expected.empty()) expected += ", ";
        expected += low == high ? std::to_string(low) : std::to_string(low / 100) + "xx";
    }
    std::string message = what_ + ": status " + std::to_string(r_.status) + " (expected " + expected + ")";
    if (auto excerpt = one_line_excerpt(r_.body); !excerpt.empty()) message += ": " + excerpt;
    o_.status = run::TaskStatus::failed;
    o_.error = message;  // the status explains the rest: it goes first
    if (r_.status == 429 || r_.status == 503) {
        if (const auto* after = r_.header("Retry-After")) {
            o_.retry_after_s = parse_retry_after(*after, now_);
            if (o_.retry_after_s) o_.details["retry_after_s"] = *o_.retry_after_s;
        }
    }
}

void ResponseCheck::check_headers_and_body() {
    try {
        for (const auto& h : config_.expect_headers) {
            const auto* v = r_.header(h.name);
            if (!v) fail("no header `" + h.name + "` in the response");
            else if (h.regex && !RE2::PartialMatch(*v, *h.regex)) fail("header `" + h.name + "` does not match /" + h.regex->pattern() + "/");
            else if (!h.regex) {
                const auto needle = h.substring.render(scope_);
                if (v->find(needle) == std::string::npos) fail("header `" + h.name + "` does not contain \"" + needle + "\"");
            }
        }
        for (const auto& t : config_.body_contains) {
            const auto needle = t.render(scope_);
            if (r_.body.find(needle) == std::string::npos) fail(r_.body_truncated ? too_big_ : "body does not contain \"" + needle + "\"");
        }
    } catch (const jobfile::RenderError& e) {
        fail(e.what());
    }
    for (const auto& re : config_.body_matches) {
        if (!RE2::PartialMatch(r_.body, *re)) fail(r_.body_truncated ? too_big_ : "body does not match /" + re->pattern() + "/");
    }
}

void ResponseCheck::check_json() {
    for (const auto& [path, expected] : config_.expect_json) {
        const auto* doc = json_body();
        if (!doc) {
            fail(r_.body_truncated ? too_big_ : "the response is not JSON");
            return;
        }
        auto found = path.select(*doc);
        if (found.empty()) {
            fail(path.text() + " matched nothing");
            continue;
        }
        // Strings in expected values are templates too ("{{ jobs.login.user }}").
        nlohmann::json wanted;
        try {
            wanted = render_json(expected, scope_);
        } catch (const jobfile::RenderError& e) {
            fail(e.what());
            continue;
        }
        if (!jsonpath::same_value(*found.front(), wanted)) {
            fail(path.text() + " is " + jobfile::json_dump(*found.front()) + ", expected " + jobfile::json_dump(wanted));
        }
    }
}

void ResponseCheck::capture_tls(const HttpCapture& c) {
    if (!r_.tls) return fail("capture `" + c.name + "`: the response did not come over TLS");
    const auto& tls = *r_.tls;
    const auto& fact = c.header;
    if (fact == "version") o_.captures[c.name] = tls.version;
    else if (fact == "cipher") o_.captures[c.name] = tls.cipher;
    else if (fact == "subject") o_.captures[c.name] = tls.subject;
    else if (fact == "issuer") o_.captures[c.name] = tls.issuer;
    else if (!tls.expiry) fail("capture `" + c.name + "`: the server showed no certificate");
    else if (fact == "expiry") o_.captures[c.name] = *tls.expiry;
    else o_.captures[c.name] = *net::days_left(tls.expiry, now_);
}

// With the jar, what it holds for the URL that answered (cookies of every hop count);
// without, what this response's Set-Cookie headers say.
void ResponseCheck::capture_cookie(const HttpCapture& c) {
    const auto& name = c.header;
    if (jar_) {
        if (const auto url = parse_url(r_.url)) {
            if (auto value = jar_->value_for(*url, name, now_)) {
                o_.captures[c.name] = *value;
                return;
            }
        }
    } else {
        std::optional<std::string> value;
        for (const auto& [key, header] : r_.headers) {
            if (!iequals(key, "Set-Cookie")) continue;
            const auto pair = std::string_view(header).substr(0, header.find(';'));
            const auto eq = pair.find('=');
            if (eq != std::string_view::npos && pair.substr(0, eq) == name) value = std::string(pair.substr(eq + 1));
        }
        if (value) {
            o_.captures[c.name] = *value;
            return;
        }
    }
    fail("capture `" + c.name + "`: no cookie `" + name + "`" + (jar_ ? " for " + r_.url : " in the response"));
}

// expect.min_cert_days, as the tcp kind and blackbox_exporter's probe_ssl_earliest_cert_expiry judge it.
void ResponseCheck::check_certificate() {
    if (!config_.min_cert_days) return;
    const auto days = r_.tls ? net::days_left(r_.tls->expiry, now_) : std::nullopt;
    if (!days) return fail(what_ + ": expect.min_cert_days: the response did not come over TLS with a certificate");
    if (*days < *config_.min_cert_days) {
        char text[96];
        std::snprintf(text, sizeof text, "expires in %.2f days (expected at least %g)", *days, *config_.min_cert_days);
        fail(what_ + ": the server's certificate " + text);
    }
}

void ResponseCheck::check_latency() {
    if (config_.max_latency && r_.total_s > jobfile::to_seconds(*config_.max_latency)) {
        fail("latency " + std::to_string(r_.total_s) + " s is over expect.max_latency (" +
             jobfile::format_duration(*config_.max_latency) + ")");
    }
}

}  // namespace gaia::jobs::http
