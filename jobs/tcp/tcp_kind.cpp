#include "jobs/tcp/tcp_kind.hpp"

#include "core/text/regex.hpp"
#include "jobs/tcp/tcp_config.hpp"
#include "jobs/tcp/tcp_runtime.hpp"

namespace gaia::jobs::tcp {
namespace {

using jobfile::CompileContext;

std::optional<TcpCapture> parse_capture(std::string_view spec, std::string* error) {
    using Source = TcpCapture::Source;
    static const std::pair<std::string_view, Source> kPlain[] = {
        {"connect_time", Source::connect_time}, {"tls_version", Source::tls_version},
        {"cert_expiry", Source::cert_expiry},   {"cert_days_left", Source::cert_days_left},
        {"response", Source::response},
    };
    for (const auto& [name, source] : kPlain) {
        if (spec == name) return TcpCapture{{}, source, nullptr};
    }
    if (spec.substr(0, 9) == "response:") {
        auto re = text::compile_regex(spec.substr(9), true, error);
        if (!re) return std::nullopt;
        return TcpCapture{{}, Source::response_regex, std::move(re)};
    }
    *error = "a tcp capture is \"connect_time\", \"tls_version\", \"cert_expiry\", \"cert_days_left\", \"response\" or "
             "\"response:REGEX\", not \"" + std::string(spec) + "\"";
    return std::nullopt;
}

void compile_expect(const toml::table& expect, TcpJobConfig& config, CompileContext& ctx) {
    if (const auto* n = expect.get("response")) {
        if (auto pattern = ctx.string(*n, "expect.response")) {
            std::string error;
            config.expect_response = text::compile_regex(*pattern, true, &error);
            config.expect_response_text = *pattern;
            if (!config.expect_response) ctx.error(*n, "`expect.response`: " + error);
        }
    }
    if (const auto* n = expect.get("max_latency")) config.max_latency = ctx.duration(*n, "expect.max_latency");
    if (const auto* n = expect.get("min_cert_days")) {
        config.min_cert_days = ctx.number(*n, "expect.min_cert_days", 0, 100'000);
        if (!config.tls) ctx.error(*n, "`expect.min_cert_days` needs `tls = true`: a plain connection has no certificate");
    }
}

}  // namespace

bool TcpJobConfig::reads() const noexcept {
    if (expect_response) return true;
    for (const auto& c : captures) {
        if (c.source == TcpCapture::Source::response || c.source == TcpCapture::Source::response_regex) return true;
    }
    return false;
}

const jobfile::KindSchema& TcpKind::schema() const {
    static const jobfile::KindSchema schema{
        "tcp",
        "tcp",
        {"host", "port", "tls", "server_name", "insecure", "ca_file", "send", "max_response"},
        {"response", "max_latency", "min_cert_days"},
        {"max", "timeout"},
        {{"success_rate", jobfile::SloKey::Unit::ratio, 0.99},
         {"p95", jobfile::SloKey::Unit::duration, 0.250},
         {"max_active", jobfile::SloKey::Unit::count, 200}},
        {},
    };
    return schema;
}

std::optional<std::string> TcpKind::check_capture(std::string_view spec) const {
    std::string error;
    if (!parse_capture(spec, &error)) return error;
    return std::nullopt;
}

std::shared_ptr<const jobfile::KindConfig> TcpKind::compile_job(const toml::table& job, CompileContext& ctx) const {
    auto config = std::make_shared<TcpJobConfig>();
    const auto* host = job.get("host");
    const auto* port = job.get("port");
    if (!host || !port) {
        ctx.diags().error(jobfile::pos_of(job), "a tcp job needs `host` and `port` (e.g. host = \"127.0.0.1\", port = 443)");
    }
    if (host) {
        if (auto t = ctx.templ(*host, "host", jobfile::TextRule::url)) config->host = std::move(*t);
    }
    if (port) {
        if (port->is_integer()) {
            if (auto p = ctx.integer(*port, "port", 1, 65535)) config->port = jobfile::Template::literal(std::to_string(*p));
        } else if (port->is_string()) {
            if (auto t = ctx.templ(*port, "port", jobfile::TextRule::url)) config->port = std::move(*t);
        } else {
            ctx.error(*port, "`port` must be a number from 1 to 65535 (or a template that renders to one), not " +
                                 jobfile::type_name(*port));
        }
    }
    if (const auto* n = job.get("tls")) config->tls = ctx.boolean(*n, "tls").value_or(false);
    for (const char* key : {"server_name", "insecure", "ca_file"}) {
        if (job.contains(key) && !config->tls) {
            ctx.error(*job.get(key), "`" + std::string(key) + "` is for TLS: set `tls = true` too");
        }
    }
    if (const auto* n = job.get("server_name")) config->server_name = ctx.templ(*n, "server_name", jobfile::TextRule::url);
    if (const auto* n = job.get("insecure")) config->insecure = ctx.boolean(*n, "insecure");
    if (const auto* n = job.get("ca_file")) config->ca_file = ctx.static_text(*n, "ca_file").value_or("");
    if (const auto* n = job.get("send")) config->send = ctx.templ(*n, "send");
    if (const auto* n = job.get("max_response")) {
        if (auto v = ctx.size(*n, "max_response")) config->max_response = std::max<std::uint64_t>(*v, 1);
    }
    if (const auto* expect = job.get("expect"); expect && expect->is_table()) compile_expect(*expect->as_table(), *config, ctx);
    if (const auto* capture = job.get("capture"); capture && capture->is_table()) {
        for (auto&& [key, value] : *capture->as_table()) {
            const auto* spec = jobfile::capture_source(value);
            std::string error;
            auto parsed = spec ? parse_capture(spec->get(), &error) : std::nullopt;
            if (!parsed) continue;  // reported through check_capture
            parsed->name = std::string(key.str());
            const bool needs_tls = parsed->source == TcpCapture::Source::tls_version ||
                                   parsed->source == TcpCapture::Source::cert_expiry ||
                                   parsed->source == TcpCapture::Source::cert_days_left;
            if (needs_tls && !config->tls) ctx.error(value, "`" + spec->get() + "` needs `tls = true`");
            config->captures.push_back(std::move(*parsed));
        }
    }
    return config;
}

std::shared_ptr<const jobfile::KindConfig> TcpKind::compile_subsystem(const std::vector<const toml::table*>& fragments,
                                                                      CompileContext& ctx) const {
    auto config = std::make_shared<TcpSubsystemConfig>();
    for (const auto* t : fragments) {
        if (const auto* n = t->get("max")) {
            if (auto v = ctx.integer(*n, "tcp.max", 1, 100'000)) config->max = static_cast<std::uint32_t>(*v);
        }
        if (const auto* n = t->get("timeout")) {
            if (auto v = ctx.duration(*n, "tcp.timeout")) config->timeout = *v;
        }
    }
    return config;
}

std::unique_ptr<run::KindRuntime> TcpKind::make_runtime(run::RunEnv& env, const jobfile::KindConfig* subsystem) const {
    static const TcpSubsystemConfig defaults;
    const auto* config = subsystem ? static_cast<const TcpSubsystemConfig*>(subsystem) : &defaults;
    return std::make_unique<TcpRuntime>(env, *config);
}

void TcpKind::judge_health(run::HealthCheck& check) const {
    const double active = check.gauge("gaia_tcp_connections_active");
    check.count("active", active);
    check.at_most("connections open", active, "max_active");
    check.work("TCP probes", check.counter("gaia_tcp_probes_total"));
}

const run::JobKind& kind() {
    static const TcpKind the_kind;
    return the_kind;
}

}  // namespace gaia::jobs::tcp
