#include "jobs/http/http_kind.hpp"

#include "core/net/tls.hpp"
#include "core/text/regex.hpp"
#include "jobs/http/api_pool.hpp"
#include "jobs/http/curl_library.hpp"
#include "jobs/http/http_config.hpp"

#include <http_parser.h>

#include <algorithm>

namespace gaia::jobs::http {
namespace {

using jobfile::CompileContext;

void add_status(const toml::node& node, HttpJobConfig& config, CompileContext& ctx) {
    if (auto i = node.as_integer()) {
        if (i->get() < 100 || i->get() > 599) {
            ctx.error(node, "`expect.status` codes are 100 to 599, not " + std::to_string(i->get()));
            return;
        }
        config.status_ranges.emplace_back(i->get(), i->get());
    } else if (auto s = node.as_string()) {
        const auto& text = s->get();
        if (text.size() == 3 && text[0] >= '1' && text[0] <= '5' && (text[1] == 'x' || text[1] == 'X') &&
            (text[2] == 'x' || text[2] == 'X')) {
            const long base = (text[0] - '0') * 100;
            config.status_ranges.emplace_back(base, base + 99);
        } else {
            ctx.error(node, "`expect.status` takes a code, a list of codes or a class such as \"2xx\", not \"" + text + "\"");
        }
    } else {
        ctx.error(node, "`expect.status` takes a code, a list of codes or a class such as \"2xx\"");
    }
}

// The `expect` table of an http job.
void compile_expect(const toml::table& e, HttpJobConfig& config, CompileContext& ctx) {
    if (const auto* n = e.get("status")) {
        config.status_ranges.clear();
        if (const auto* arr = n->as_array()) {
            for (const auto& el : *arr) add_status(el, config, ctx);
        } else {
            add_status(*n, config, ctx);
        }
    }
    if (const auto* n = e.get("headers")) {
        if (const auto* t = ctx.table(*n, "expect.headers")) {
            for (auto&& [key, value] : *t) {
                auto text = ctx.string(value, "expect.headers." + std::string(key.str()));
                if (!text) continue;
                HeaderExpectation h;
                h.name = std::string(key.str());
                if (!text->empty() && (*text)[0] == '~') {
                    std::string error;
                    h.regex = text::compile_regex(text->substr(1), false, &error);
                    if (!h.regex) ctx.error(value, "`expect.headers." + h.name + "`: " + error);
                } else if (auto t2 = ctx.templ(value, "expect.headers")) {
                    h.substring = std::move(*t2);
                }
                config.expect_headers.push_back(std::move(h));
            }
        }
    }
    if (const auto* n = e.get("body_contains")) {
        if (const auto* arr = n->as_array()) {
            for (const auto& el : *arr) {
                if (auto t = ctx.templ(el, "expect.body_contains")) config.body_contains.push_back(std::move(*t));
            }
        } else if (auto t = ctx.templ(*n, "expect.body_contains")) {
            config.body_contains.push_back(std::move(*t));
        }
    }
    if (const auto* n = e.get("body_matches")) {
        if (auto pattern = ctx.string(*n, "expect.body_matches")) {
            std::string error;
            if (auto re = text::compile_regex(*pattern, false, &error)) config.body_matches.push_back(re);
            else ctx.error(*n, "`expect.body_matches`: " + error);
        }
    }
    if (const auto* n = e.get("json")) {
        if (const auto* t = ctx.table(*n, "expect.json")) {
            for (auto&& [key, value] : *t) {
                std::string error;
                auto path = jsonpath::Path::parse(key.str(), &error);
                auto expected = ctx.json_value(value, "expect.json", false);
                if (!path) ctx.diags().error(jobfile::pos_of(key), "`expect.json`: " + error);
                else if (expected) config.expect_json.emplace_back(std::move(*path), std::move(*expected));
            }
        }
    }
    if (const auto* n = e.get("max_latency")) config.max_latency = ctx.duration(*n, "expect.max_latency");
    if (const auto* n = e.get("min_cert_days")) config.min_cert_days = ctx.number(*n, "expect.min_cert_days", 0, 100'000);
}

// The `capture` table (its specs were checked by check_capture).
void compile_captures(const toml::table& capture, HttpJobConfig& config) {
    for (auto&& [key, value] : capture) {
        const auto* spec = jobfile::capture_source(value);
        if (!spec || kind().check_capture(spec->get())) continue;  // reported by the loader
        const std::string& text = spec->get();
        HttpCapture c;
        c.name = std::string(key.str());
        std::string error;
        if (text == "status") c.source = HttpCapture::Source::status;
        else if (text == "body") c.source = HttpCapture::Source::body;
        else if (text == "url") c.source = HttpCapture::Source::url;
        else if (text.rfind("header:", 0) == 0) {
            c.source = HttpCapture::Source::header;
            c.header = text.substr(7);
        } else if (text.rfind("tls:", 0) == 0) {
            c.source = HttpCapture::Source::tls;
            c.header = text.substr(4);
        } else if (text.rfind("cookie:", 0) == 0) {
            c.source = HttpCapture::Source::cookie;
            c.header = text.substr(7);
        } else if (text.rfind("json:", 0) == 0) {
            c.source = HttpCapture::Source::json;
            c.path = jsonpath::Path::parse(std::string_view(text).substr(5), &error);
        } else {
            c.source = HttpCapture::Source::regex;
            c.regex = text::compile_regex(std::string_view(text).substr(6), false, &error);
        }
        config.captures.push_back(std::move(c));
    }
}

// `multipart = { name = "value", upload = { file = "path", type = "image/png", filename = "x.png" } }`.
std::vector<MultipartField> compile_multipart(const toml::node& node, CompileContext& ctx) {
    std::vector<MultipartField> out;
    const auto* table = ctx.table(node, "multipart");
    if (!table) return out;
    for (auto&& [key, value] : *table) {
        MultipartField field;
        field.name = std::string(key.str());
        const std::string what = "multipart." + field.name;
        if (auto problem = jobfile::text_rule_problem(field.name, jobfile::TextRule::header_value)) {
            ctx.diags().error(jobfile::pos_of(key), "the name `" + what + "` holds " + problem->character);
            continue;
        }
        if (const auto* upload = value.as_table()) {
            ctx.check_keys(*upload, {"file", "type", "filename"}, "`" + what + "`");
            const auto* file = upload->get("file");
            if (!file) {
                ctx.error(value, "`" + what + "` is an upload: it needs `file`, the path to send");
                continue;
            }
            field.file = ctx.templ(*file, what + ".file", jobfile::TextRule::no_nul);
            if (const auto* t = upload->get("type")) field.type = ctx.templ(*t, what + ".type", jobfile::TextRule::header_value);
            if (const auto* f = upload->get("filename")) {
                field.filename = ctx.templ(*f, what + ".filename", jobfile::TextRule::header_value);
            }
            if (!field.file) continue;
        } else if (auto t = ctx.scalar_templ(value, what)) {
            field.value = std::move(*t);
        } else {
            continue;
        }
        out.push_back(std::move(field));
    }
    return out;
}

// Renders a template that reads nothing a run makes (literal text, env.*), to check what
// it names when the job file is loaded; nullopt when it needs the run.
std::optional<std::string> known_at_load(const jobfile::Template& t) {
    for (const auto& part : t.parts()) {
        if (part.ref && part.ref->kind != jobfile::TemplateRef::Kind::env) return std::nullopt;
    }
    try {
        return t.render(jobfile::RenderScope{});
    } catch (const jobfile::RenderError&) {
        return std::nullopt;  // an unset env.*: reported on its own
    }
}

// `cert`, `key` (default: the cert file, which then holds both) and `key_password`. When
// the files and the password are known at load, they are checked then: a wrong password
// or a key of another certificate is an error of the job file, not of every attempt.
void compile_client_certificate(const toml::table& job, HttpJobConfig& config, CompileContext& ctx) {
    const auto* cert = job.get("cert");
    if (cert) config.cert = ctx.templ(*cert, "cert", jobfile::TextRule::no_nul);
    if (const auto* n = job.get("key")) config.key = ctx.templ(*n, "key", jobfile::TextRule::no_nul);
    if (const auto* n = job.get("key_password")) config.key_password = ctx.templ(*n, "key_password", jobfile::TextRule::no_nul);
    if (!cert) {
        for (const char* key : {"key", "key_password"}) {
            if (const auto* n = job.get(key)) ctx.error(*n, "`" + std::string(key) + "` goes with `cert`, the client certificate");
        }
        return;
    }
    if (!config.cert) return;
    const auto cert_file = known_at_load(*config.cert);
    const auto key_file = config.key ? known_at_load(*config.key) : cert_file;
    const auto password = config.key_password ? known_at_load(*config.key_password) : std::optional<std::string>("");
    if (!cert_file || !key_file || !password) return;
    if (auto problem = net::check_client_certificate(*cert_file, *key_file, *password); !problem.empty()) ctx.error(*cert, problem);
}

}  // namespace

const jobfile::KindSchema& HttpKind::schema() const {
    static const jobfile::KindSchema schema{
        "http",
        "api",
        {"method", "url", "headers", "query", "body", "json", "form", "body_file", "multipart", "follow_redirects",
         "trust_redirect_auth", "http_version", "save_body", "insecure", "auth", "cert", "key", "key_password",
         "cookies"},
        {"status", "headers", "body_contains", "body_matches", "json", "max_latency", "min_cert_days"},
        {"max_clients", "timeout", "max_body", "rate", "burst", "circuit_breaker", "hosts", "cookies", "cookie_file"},
        {{"success_rate", jobfile::SloKey::Unit::ratio, 0.99},
         {"p95", jobfile::SloKey::Unit::duration, 0.100},
         {"max_active", jobfile::SloKey::Unit::count, 450}},
        {},
    };
    return schema;
}

std::optional<std::string> HttpKind::check_capture(std::string_view spec) const {
    if (spec == "status" || spec == "body" || spec == "url") return std::nullopt;
    if (spec.rfind("header:", 0) == 0) {
        if (spec.size() == 7) return std::string("`header:` needs a header name");
        return std::nullopt;
    }
    if (spec.rfind("cookie:", 0) == 0) {
        if (spec.size() == 7) return std::string("`cookie:` needs a cookie name");
        return std::nullopt;
    }
    if (spec.rfind("tls:", 0) == 0) {
        const auto fact = spec.substr(4);
        for (const char* known : {"version", "cipher", "subject", "issuer", "expiry", "days_left"}) {
            if (fact == known) return std::nullopt;
        }
        return "a TLS capture is tls:version, tls:cipher, tls:subject, tls:issuer, tls:expiry or tls:days_left, not \"" +
               std::string(spec) + "\"";
    }
    std::string error;
    if (spec.rfind("json:", 0) == 0) {
        if (!jsonpath::Path::parse(spec.substr(5), &error)) return error;
        return std::nullopt;
    }
    if (spec.rfind("regex:", 0) == 0) {
        if (!text::compile_regex(spec.substr(6), false, &error)) return error;
        return std::nullopt;
    }
    return "an http capture is \"status\", \"body\", \"url\", \"header:NAME\", \"cookie:NAME\", \"tls:FACT\", \"json:$.path\" or \"regex:PATTERN\", not \"" +
           std::string(spec) + "\"";
}

std::shared_ptr<const jobfile::KindConfig> HttpKind::compile_job(const toml::table& job, CompileContext& ctx) const {
    auto config = std::make_shared<HttpJobConfig>();
    if (const auto* n = job.get("url")) {
        if (auto t = ctx.templ(*n, "url", jobfile::TextRule::url)) config->url = std::move(*t);
    } else {
        ctx.diags().error(jobfile::pos_of(job), "an http job needs a `url`");
    }
    if (const auto* n = job.get("method")) {
        if (auto t = ctx.templ(*n, "method", jobfile::TextRule::token)) config->method = std::move(*t);
    }
    if (const auto* n = job.get("headers")) config->headers = ctx.templ_table(*n, "headers", jobfile::TextRule::token, jobfile::TextRule::header_value);
    if (const auto* n = job.get("query")) config->query = ctx.templ_table(*n, "query");
    // One body: the second one named is the error, pointing at the first.
    const char* body_key = nullptr;
    for (const char* key : {"body", "json", "form", "body_file", "multipart"}) {
        const auto* n = job.get(key);
        if (!n) continue;
        if (body_key) {
            ctx.error(*n, "an http job has one body: `" + std::string(body_key) + "` is already set, so `" + key +
                              "` cannot be");
            continue;
        }
        body_key = key;
        const std::string k = key;
        if (k == "body") config->body = ctx.templ(*n, "body");
        else if (k == "json") config->json_body = ctx.json_value(*n, "json", false);
        else if (k == "form") config->form = ctx.templ_table(*n, "form");
        else if (k == "multipart") config->multipart = compile_multipart(*n, ctx);
        else config->body_file = ctx.templ(*n, "body_file", jobfile::TextRule::no_nul);
    }
    if (const auto* n = job.get("save_body")) config->save_body = ctx.templ(*n, "save_body", jobfile::TextRule::no_nul);
    if (const auto* n = job.get("http_version")) {
        if (auto v = ctx.string(*n, "http_version")) {
            if (*v == "1.1") config->version = HttpVersion::http1_1;
            else if (*v == "2") config->version = HttpVersion::http2;
            else ctx.error(*n, "`http_version` is \"1.1\" or \"2\", not \"" + *v + "\"");
        }
    }
    if (const auto* n = job.get("follow_redirects")) config->follow_redirects = ctx.boolean(*n, "follow_redirects").value_or(true);
    if (const auto* n = job.get("trust_redirect_auth")) {
        config->trust_redirect_auth = ctx.boolean(*n, "trust_redirect_auth").value_or(false);
    }
    if (const auto* n = job.get("insecure")) config->insecure = ctx.boolean(*n, "insecure").value_or(false);
    compile_client_certificate(job, *config, ctx);
    if (const auto* n = job.get("multipart"); n && !config->multipart.empty()) {
        const bool own_type = std::any_of(config->headers.begin(), config->headers.end(),
                                          [](const auto& h) { return iequals(h.first, "Content-Type"); });
        if (own_type) ctx.error(*n, "`multipart` writes its own Content-Type (it carries the boundary): drop the header");
    }
    if (const auto* n = job.get("cookies")) config->cookies = ctx.boolean(*n, "cookies").value_or(true);
    if (const auto* n = job.get("auth")) {
        config->auth = compile_auth(*n, ctx);
        const bool own_header = std::any_of(config->headers.begin(), config->headers.end(),
                                            [](const auto& h) { return iequals(h.first, "Authorization"); });
        if (config->auth && own_header) ctx.error(*n, "`auth` and an Authorization header: keep one of them");
    }

    if (const auto* expect = job.get("expect"); expect && expect->is_table()) {
        compile_expect(*expect->as_table(), *config, ctx);
    }
    if (const auto* capture = job.get("capture"); capture && capture->is_table()) {
        compile_captures(*capture->as_table(), *config);
    }
    return config;
}

namespace {

// rate, burst and max_clients of [api] or of one [api.hosts."H"].
void compile_limits(const toml::table& t, RequestLimits& limits, const std::string& where, CompileContext& ctx) {
    if (const auto* n = t.get("max_clients")) {
        if (auto v = ctx.integer(*n, where + ".max_clients", 1, 100'000)) limits.max_clients = static_cast<std::uint32_t>(*v);
    }
    if (const auto* n = t.get("rate")) limits.rate = ctx.rate(*n, where + ".rate");
    if (const auto* n = t.get("burst")) {
        if (auto v = ctx.integer(*n, where + ".burst", 1, 1'000'000)) limits.burst = static_cast<double>(*v);
    }
}

}  // namespace

std::shared_ptr<const jobfile::KindConfig> HttpKind::compile_subsystem(const std::vector<const toml::table*>& fragments,
                                                                       CompileContext& ctx) const {
    auto config = std::make_shared<ApiConfig>();
    for (const auto* t : fragments) {
        compile_limits(*t, config->limits, "api", ctx);
        if (const auto* n = t->get("timeout")) config->timeout = ctx.duration(*n, "api.timeout");
        if (const auto* n = t->get("max_body")) config->body_cap = ctx.size(*n, "api.max_body").value_or(config->body_cap);
        if (const auto* n = t->get("cookies")) config->cookies = ctx.boolean(*n, "api.cookies").value_or(false);
        if (const auto* n = t->get("cookie_file")) {
            if (auto path = ctx.static_text(*n, "api.cookie_file")) {
                config->cookie_file = *path;
                config->cookies = true;
            }
        }
        if (const auto* n = t->get("circuit_breaker")) {
            if (const auto* cb = ctx.table(*n, "api.circuit_breaker")) {
                ctx.check_keys(*cb, {"failures", "open_for"}, "api.circuit_breaker");
                CircuitBreakerConfig breaker;
                if (const auto* f = cb->get("failures")) {
                    if (auto v = ctx.integer(*f, "api.circuit_breaker.failures", 1, 1'000'000)) {
                        breaker.failures = static_cast<std::uint32_t>(*v);
                    }
                }
                if (const auto* o = cb->get("open_for")) {
                    breaker.open_for = ctx.duration(*o, "api.circuit_breaker.open_for").value_or(breaker.open_for);
                }
                config->circuit_breaker = breaker;
            }
        }
        if (const auto* n = t->get("hosts")) {
            if (const auto* hosts = ctx.table(*n, "api.hosts")) {
                for (auto&& [name, value] : *hosts) {
                    const std::string where = "api.hosts.\"" + std::string(name.str()) + "\"";
                    const auto* host = ctx.table(value, where);
                    if (!host) continue;
                    ctx.check_keys(*host, {"rate", "burst", "max_clients"}, where);
                    std::string key(name.str());
                    std::transform(key.begin(), key.end(), key.begin(),
                                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                    compile_limits(*host, config->hosts[key], where, ctx);
                }
            }
        }
    }
    return config;
}

std::unique_ptr<run::KindRuntime> HttpKind::make_runtime(run::RunEnv& env, const jobfile::KindConfig* subsystem) const {
    static const ApiConfig defaults;
    const auto* config = dynamic_cast<const ApiConfig*>(subsystem);
    return std::make_unique<ApiPool>(env, config ? *config : defaults);
}

std::vector<build::Component> HttpKind::components() const {
    std::string curl;
    try {
        curl = libcurl_version();
    } catch (const std::exception& e) {
        curl = e.what();
    }
    const unsigned long parser = http_parser_version();
    return {{"libcurl", curl},
            {"http-parser", std::to_string((parser >> 16) & 255) + "." + std::to_string((parser >> 8) & 255) + "." +
                                std::to_string(parser & 255)}};
}

void HttpKind::judge_health(run::HealthCheck& check) const {
    const double active = check.gauge("gaia_api_requests_in_flight");
    check.count("active", active);
    check.count("queued", check.gauge("gaia_api_queue_depth"));
    check.at_most("requests in flight", active, "max_active");
    std::uint64_t open = 0;
    if (const auto* breakers = check.registry().find_gauge("gaia_api_circuit_breaker_state")) {
        for (const auto& [labels, g] : breakers->series()) open += g->value() >= 2 ? 1 : 0;
    }
    check.fact("circuit_breakers_open", open);
    if (open > 0) check.miss(run::HealthStatus::degraded, std::to_string(open) + " host circuit breaker(s) open");
    check.work("HTTP requests", check.counter("gaia_api_requests_total"));
}

const run::JobKind& kind() {
    static const HttpKind the_kind;
    return the_kind;
}

}  // namespace gaia::jobs::http
