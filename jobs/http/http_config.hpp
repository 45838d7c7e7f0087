#pragma once
// What the http kind compiles from a job and from the [api] table.

#include "core/jobfile/model.hpp"
#include "core/jsonpath/jsonpath.hpp"
#include "jobs/http/auth.hpp"
#include "jobs/http/http_engine.hpp"

#include <re2/re2.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gaia::jobs::http {

struct HeaderExpectation {
    std::string name;
    jobfile::Template substring;        // when not a regex
    std::shared_ptr<const RE2> regex;   // `~regex`
};

struct HttpCapture {
    enum class Source { status, body, url, header, json, regex, tls, cookie };
    std::string name;
    Source source = Source::status;
    std::string header;                       // header:NAME; tls:FACT (version, cipher, …); cookie:NAME
    std::optional<jsonpath::Path> path;       // json:$.path
    std::shared_ptr<const RE2> regex;         // regex:PATTERN (group 1)
};

// One part of `multipart`: a field's text, or a file upload.
struct MultipartField {
    std::string name;
    jobfile::Template value;                 // a field
    std::optional<jobfile::Template> file;   // an upload: its path, and what the server is told
    std::optional<jobfile::Template> type, filename;
};

struct HttpJobConfig final : jobfile::KindConfig {
    jobfile::Template method = jobfile::Template::literal("GET");
    jobfile::Template url;
    std::vector<std::pair<std::string, jobfile::Template>> headers;
    std::vector<std::pair<std::string, jobfile::Template>> query;
    std::optional<jobfile::Template> body;
    std::optional<nlohmann::json> json_body;  // strings inside are templates, rendered per task
    std::vector<std::pair<std::string, jobfile::Template>> form;  // application/x-www-form-urlencoded
    std::optional<jobfile::Template> body_file;                   // streamed from this path
    std::vector<MultipartField> multipart;                        // multipart/form-data, files streamed
    std::optional<jobfile::Template> save_body;                   // the response body goes here
    HttpVersion version = HttpVersion::any;
    bool follow_redirects = true;
    // Authorization and Cookie headers go on to another origin too (libcurl's
    // --location-trusted); by default they stay with the first one.
    bool trust_redirect_auth = false;
    bool insecure = false;
    std::optional<AuthConfig> auth;
    std::optional<jobfile::Template> cert, key, key_password;  // a client certificate (PEM)
    bool cookies = true;  // uses the run's cookie jar, when [api] has one

    // expect.status: a list of accepted codes and classes ("2xx" is 200..299).
    std::vector<std::pair<long, long>> status_ranges{{200, 299}};
    std::vector<HeaderExpectation> expect_headers;
    std::vector<jobfile::Template> body_contains;
    std::vector<std::shared_ptr<const RE2>> body_matches;
    std::vector<std::pair<jsonpath::Path, nlohmann::json>> expect_json;
    std::optional<jobfile::Duration> max_latency;
    std::optional<double> min_cert_days;  // https: the server's certificate is valid this much longer
    std::vector<HttpCapture> captures;
};

// Limits of requests to one host ([api.hosts."H"]), or of all requests ([api]).
struct RequestLimits {
    std::uint32_t max_clients = 0;       // in flight; 0: no limit of its own
    std::optional<jobfile::Rate> rate;   // requests started per second
    double burst = 1;                    // requests that may start at once after a pause
};

struct CircuitBreakerConfig {
    std::uint32_t failures = 5;
    jobfile::Duration open_for = std::chrono::seconds(30);
};

struct ApiConfig final : jobfile::KindConfig {
    RequestLimits limits{100, std::nullopt, 1};
    std::map<std::string, RequestLimits> hosts;
    std::optional<CircuitBreakerConfig> circuit_breaker;  // off unless set
    std::optional<jobfile::Duration> timeout;   // default attempt timeout of http jobs
    std::uint64_t body_cap = 1u << 20;          // response bytes held in memory
    bool cookies = false;                       // one cookie jar for the run's requests
    std::string cookie_file;                    // loaded at the start, saved at the end (turns the jar on)
};

}  // namespace gaia::jobs::http
