#include "jobs/dns/dns_kind.hpp"

#include "core/jobfile/network_table.hpp"
#include "core/text/regex.hpp"
#include "jobs/dns/dns_config.hpp"
#include "jobs/dns/dns_runtime.hpp"


namespace gaia::jobs::dns {
namespace {

using jobfile::CompileContext;

std::optional<DnsCapture::Source> capture_source(std::string_view spec) {
    if (spec == "answers") return DnsCapture::Source::answers;
    if (spec == "ttl") return DnsCapture::Source::ttl;
    if (spec == "rcode") return DnsCapture::Source::rcode;
    if (spec == "latency") return DnsCapture::Source::latency;
    return std::nullopt;
}

void compile_expect(const toml::table& expect, DnsJobConfig& config, CompileContext& ctx) {
    if (const auto* n = expect.get("rcode")) {
        if (auto text = ctx.string(*n, "expect.rcode")) {
            bool known = false;
            for (int code = 0; code < 6; ++code) {
                if (rcode_name(code) == *text) {
                    config.expect_rcode = code;
                    known = true;
                }
            }
            if (!known) ctx.error(*n, "`expect.rcode` is one of NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, not `" + *text + "`");
        }
    }
    if (const auto* n = expect.get("answer_count")) {
        if (auto v = ctx.integer(*n, "expect.answer_count", 0, 65535)) config.expect_count = static_cast<std::uint64_t>(*v);
    }
    if (const auto* n = expect.get("answers")) {
        if (auto list = ctx.string_list(*n, "expect.answers", true)) config.expect_answers = std::move(*list);
    }
    if (const auto* n = expect.get("answers_match")) {
        if (auto pattern = ctx.string(*n, "expect.answers_match")) {
            std::string error;
            config.answers_match = text::compile_regex(*pattern, false, &error);
            config.answers_match_text = *pattern;
            if (!config.answers_match) ctx.error(*n, "`expect.answers_match`: " + error);
        }
    }
    if (const auto* n = expect.get("max_latency")) config.max_latency = ctx.duration(*n, "expect.max_latency");
}

}  // namespace

const jobfile::KindSchema& DnsKind::schema() const {
    static const jobfile::KindSchema schema{
        "dns",
        "dns",
        {"name", "type", "server"},
        {"rcode", "answer_count", "answers", "answers_match", "max_latency"},
        {"max", "timeout", "tries"},
        {{"success_rate", jobfile::SloKey::Unit::ratio, 0.99},
         {"p95", jobfile::SloKey::Unit::duration, 0.100},
         {"max_active", jobfile::SloKey::Unit::count, 200}},
        {},
    };
    return schema;
}

std::optional<std::string> DnsKind::check_capture(std::string_view spec) const {
    if (capture_source(spec)) return std::nullopt;
    return "a dns capture is \"answers\" (a JSON array), \"ttl\", \"rcode\" or \"latency\", not \"" + std::string(spec) + "\"";
}

std::shared_ptr<const jobfile::KindConfig> DnsKind::compile_job(const toml::table& job, CompileContext& ctx) const {
    auto config = std::make_shared<DnsJobConfig>();
    if (const auto* n = job.get("name")) {
        if (auto t = ctx.templ(*n, "name", jobfile::TextRule::url)) config->name = std::move(*t);
    } else {
        ctx.diags().error(jobfile::pos_of(job), "a dns job needs `name`, the name to ask for (e.g. name = \"example.com\")");
    }
    if (const auto* n = job.get("type")) {
        if (auto text = ctx.string(*n, "type")) {
            if (auto type = record_type(*text)) config->type = *type;
            else ctx.error(*n, "`type` is one of A, AAAA, CNAME, MX, TXT, SRV, NS, not `" + *text + "`");
        }
    }
    if (const auto* n = job.get("server")) {
        if (auto text = ctx.static_text(*n, "server")) {
            if (auto address = jobfile::dns_server(*text)) config->server = *address;
            else ctx.error(*n, "`server` is an IP address with an optional port (\"127.0.0.1:5353\", \"[::1]:53\"), not `" + *text + "`");
        }
    }
    if (const auto* expect = job.get("expect"); expect && expect->is_table()) compile_expect(*expect->as_table(), *config, ctx);
    if (const auto* capture = job.get("capture"); capture && capture->is_table()) {
        for (auto&& [key, value] : *capture->as_table()) {
            const auto* spec = jobfile::capture_source(value);
            if (!spec) continue;
            if (auto source = capture_source(spec->get())) config->captures.push_back({std::string(key.str()), *source});
        }
    }
    return config;
}

std::shared_ptr<const jobfile::KindConfig> DnsKind::compile_subsystem(const std::vector<const toml::table*>& fragments,
                                                                      CompileContext& ctx) const {
    auto config = std::make_shared<DnsSubsystemConfig>();
    for (const auto* t : fragments) {
        if (const auto* n = t->get("max")) {
            if (auto v = ctx.integer(*n, "dns.max", 1, 100'000)) config->max = static_cast<std::uint32_t>(*v);
        }
        if (const auto* n = t->get("timeout")) {
            if (auto v = ctx.duration(*n, "dns.timeout")) config->timeout = *v;
        }
        if (const auto* n = t->get("tries")) {
            if (auto v = ctx.integer(*n, "dns.tries", 1, 10)) config->tries = static_cast<std::uint32_t>(*v);
        }
    }
    return config;
}

std::unique_ptr<run::KindRuntime> DnsKind::make_runtime(run::RunEnv& env, const jobfile::KindConfig* subsystem) const {
    static const DnsSubsystemConfig defaults;
    const auto* config = subsystem ? static_cast<const DnsSubsystemConfig*>(subsystem) : &defaults;
    return std::make_unique<DnsRuntime>(env, *config);
}

void DnsKind::judge_health(run::HealthCheck& check) const {
    const double active = check.gauge("gaia_dns_queries_in_flight");
    check.count("active", active);
    check.at_most("queries in flight", active, "max_active");
    check.work("DNS queries", check.counter("gaia_dns_queries_total"));
}

const run::JobKind& kind() {
    static const DnsKind the_kind;
    return the_kind;
}

}  // namespace gaia::jobs::dns
