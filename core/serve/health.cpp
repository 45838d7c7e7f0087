#include "core/serve/health.hpp"

#include "core/build_info.hpp"
#include "core/jobfile/network_table.hpp"
#include "core/loop/loop.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace gaia::serve {
namespace {

constexpr std::string_view kNetwork = "network";

std::string percent(double ratio) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", ratio * 100.0);
    return text;
}

std::string millis(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f ms", seconds * 1000.0);
    return text;
}

// The network coordinator belongs to core: its load is judged here, from its own metrics.
void judge_network(run::HealthCheck& check) {
    const double open = check.gauge("gaia_network_connections_open");
    check.count("active", open);
    check.at_most("open connections", open, "max_connections");
    double hits = 0, lookups = 0;
    if (const auto* dns = check.registry().find_counter("gaia_network_dns_lookups_total")) {
        for (const auto& [labels, c] : dns->series()) {
            lookups += c->value();
            if (!labels.empty() && labels.front() == "hit") hits += c->value();
        }
    }
    check.count("dns_lookups", lookups);
    const double wanted = check.objective("dns_hit_rate").value_or(1.0);
    check.fact("objective_dns_hit_rate", wanted);
    if (lookups > 0) {
        const double rate = hits / lookups;
        check.fact("dns_hit_rate", rate);
        if (rate < wanted) {
            check.miss(HealthStatus::degraded,
                       "DNS cache hit rate " + percent(rate) + " is under the objective of " + percent(wanted));
        }
    } else {
        check.fact("dns_hit_rate", nullptr);
    }
    check.work("network KiB", check.counter("gaia_network_bytes_total") / 1024.0);
}

}  // namespace

Health::Health(metrics::Registry& registry, std::vector<const run::JobKind*> kinds, Clock now_ms)
    : registry_(registry), now_ms_(std::move(now_ms)), started_ms_(this->now_ms()) {
    for (const auto* kind : kinds) {
        const auto name = kind->schema().subsystem;
        if (!find(name)) subsystems_.push_back({name, kind});
    }
    subsystems_.push_back({kNetwork, nullptr});
}

std::vector<std::string_view> Health::subsystems() const {
    std::vector<std::string_view> names;
    for (const auto& s : subsystems_) names.push_back(s.name);
    return names;
}

const Health::Subsystem* Health::find(std::string_view name) const {
    for (const auto& s : subsystems_) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

std::uint64_t Health::now_ms() const {
    if (now_ms_) return now_ms_();
    return loop::Loop::hrtime_ns() / 1'000'000;
}

void Health::record_task(std::string_view kind, bool passed, double seconds) {
    const auto it = std::find_if(subsystems_.begin(), subsystems_.end(),
                                 [&](const Subsystem& s) { return s.kind && s.kind->schema().kind == kind; });
    if (it == subsystems_.end()) return;
    auto window = windows_.find(it->name);
    if (window == windows_.end()) window = windows_.emplace(std::string(it->name), SloWindow{}).first;
    window->second.record(now_ms(), passed, seconds);
}

void Health::on_task_finished(const jobfile::Job& job, run::TaskStatus status, double seconds) {
    if (status != run::TaskStatus::cancelled) record_task(job.kind, status == run::TaskStatus::passed, seconds);
}

Health::Verdict Health::subsystem(std::string_view name) {
    registry_.collect();  // sampled gauges (process memory) are fresh
    const auto* found = find(name);
    if (!found) return {HealthStatus::unhealthy, {{"status", "unhealthy"}, {"reasons", {"no such subsystem"}}}};
    return verdict_of(*found);
}

// The tasks of the last five minutes against the success rate and p95 objectives.
void Health::judge_recent(std::string_view subsystem, run::HealthCheck& check) {
    const auto objective = check.objective("success_rate");
    const auto p95_objective = check.objective("p95");
    SloWindow::Summary recent;
    if (auto w = windows_.find(subsystem); w != windows_.end()) recent = w->second.summarize(now_ms());
    check.fact("window_s", SloWindow::kSlices * SloWindow::kSliceMs / 1000);
    check.fact("passed", recent.passed);
    check.fact("failed", recent.failed);
    check.fact("success_rate", recent.success_rate ? nlohmann::json(*recent.success_rate) : nlohmann::json(nullptr));
    check.fact("p95_s", recent.p95_s ? nlohmann::json(*recent.p95_s) : nlohmann::json(nullptr));
    if (objective) check.fact("objective_success_rate", *objective);
    if (p95_objective) check.fact("objective_p95_s", *p95_objective);
    if (recent.success_rate && objective && *recent.success_rate < *objective) {
        const bool far = *recent.success_rate < *objective / 2;
        check.miss(far ? HealthStatus::unhealthy : HealthStatus::degraded,
                   "success rate " + percent(*recent.success_rate) + " is under the objective of " + percent(*objective));
    }
    if (recent.p95_s && p95_objective && *recent.p95_s > *p95_objective) {
        check.miss(HealthStatus::degraded,
                   "p95 " + millis(*recent.p95_s) + " is over the objective of " + millis(*p95_objective));
    }
}

Health::Verdict Health::verdict_of(const Subsystem& subsystem) {
    static const jobfile::SloSettings none;
    const auto found = slo_.find(subsystem.name);
    const auto& slo = found == slo_.end() ? none : found->second;
    run::HealthCheck check(registry_, slo, subsystem.kind ? subsystem.kind->schema().slo_keys : jobfile::kNetworkSloKeys);
    if (unavailable_) {
        if (auto why = unavailable_(subsystem.name); !why.empty()) check.miss(HealthStatus::unhealthy, why);
    }
    if (subsystem.kind) {
        judge_recent(subsystem.name, check);
        subsystem.kind->judge_health(check);
    } else {
        judge_network(check);
    }
    const auto status = check.status();
    return {status, std::move(check).finish()};
}

Health::Verdict Health::overall() {
    nlohmann::json subsystems = nlohmann::json::object();
    static const jobfile::SloSettings none;
    static const std::vector<jobfile::SloKey> no_keys;
    run::HealthCheck check(registry_, none, no_keys);
    registry_.collect();  // once for every verdict
    for (const auto& s : subsystems_) {
        auto v = verdict_of(s);
        if (v.status != HealthStatus::healthy) check.miss(v.status, std::string(s.name) + " is " + health_name(v.status));
        subsystems[std::string(s.name)] = std::move(v.body);
    }
    nlohmann::json components = nlohmann::json::object();
    for (const auto& [name, judge] : components_) {
        auto v = judge();
        if (v.status != HealthStatus::healthy) {
            std::string why = name + " is " + health_name(v.status);
            if (v.body.contains("error") && v.body["error"].is_string()) why += ": " + v.body["error"].get<std::string>();
            check.miss(v.status, why);
        }
        components[name] = std::move(v.body);
    }
    const double lag = loop_lag_s_ ? loop_lag_s_() : 0.0;
    if (lag >= kStalledLoopS) check.miss(HealthStatus::unhealthy, "the event loop is " + millis(lag) + " late");
    check.fact("version", std::string(build::version()));
    check.fact("uptime_s", static_cast<double>(now_ms() - started_ms_) / 1000.0);
    check.fact("loop_lag_s", lag);
    check.fact("subsystems", std::move(subsystems));
    for (auto& [name, body] : components.items()) check.fact(name, std::move(body));
    const auto status = check.status();
    return {status, std::move(check).finish()};
}

}  // namespace gaia::serve
