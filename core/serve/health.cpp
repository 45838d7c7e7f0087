#include "core/serve/health.hpp"

#include "core/build_info.hpp"
#include "core/loop/loop.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace gaia::serve {
namespace {

// The default objectives (gaia-jobs(5), [slo.NAME]), for a subsystem without its key.
struct Defaults {
    std::optional<double> success_rate;
    std::optional<double> p95_s;
    std::optional<double> max_active;
};

Defaults defaults_of(std::string_view subsystem) {
    if (subsystem == "api") return {0.99, 0.100, 450};
    if (subsystem == "file") return {0.99, 0.500, 100};
    if (subsystem == "browser") return {0.95, std::nullopt, std::nullopt};
    if (subsystem == "process") return {0.95, std::nullopt, 200};
    return {};
}

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

// Gauges that count things are shown as integers.
std::uint64_t count_of(double v) { return v > 0 ? static_cast<std::uint64_t>(v + 0.5) : 0; }

template <class T>
std::optional<double> as_double(const std::optional<T>& v) {
    if (!v) return std::nullopt;
    return static_cast<double>(*v);
}

}  // namespace

const char* health_name(HealthStatus status) {
    switch (status) {
    case HealthStatus::healthy: return "healthy";
    case HealthStatus::degraded: return "degraded";
    case HealthStatus::unhealthy: return "unhealthy";
    }
    return "unhealthy";
}

std::string_view subsystem_of_kind(std::string_view kind) {
    if (kind == "http") return "api";
    if (kind == "file") return "file";
    if (kind == "browser") return "browser";
    if (kind == "process") return "process";
    return {};
}

// Collects the reasons of one verdict; the worst one decides.
struct Health::Judge {
    HealthStatus status = HealthStatus::healthy;
    nlohmann::json reasons = nlohmann::json::array();

    void miss(HealthStatus s, std::string reason) {
        status = std::max(status, s);
        reasons.push_back(std::move(reason));
    }
    // A ceiling: over it is degraded.
    void at_most(const char* what, double value, std::optional<double> limit) {
        if (limit && value > *limit) {
            miss(HealthStatus::degraded, std::string(what) + " " + std::to_string(static_cast<long long>(value)) +
                                             " is over the objective of " +
                                             std::to_string(static_cast<long long>(*limit)));
        }
    }
};

Health::Health(metrics::Registry& registry, Clock now_ms)
    : registry_(registry), now_ms_(std::move(now_ms)), started_ms_(this->now_ms()) {}

std::uint64_t Health::now_ms() const {
    if (now_ms_) return now_ms_();
    return loop::Loop::hrtime_ns() / 1'000'000;
}

void Health::record_task(std::string_view kind, bool passed, double seconds) {
    const auto subsystem = subsystem_of_kind(kind);
    if (subsystem.empty()) return;
    auto it = windows_.find(subsystem);
    if (it == windows_.end()) it = windows_.emplace(std::string(subsystem), SloWindow{}).first;
    it->second.record(now_ms(), passed, seconds);
}

void Health::on_task_finished(const jobfile::Job& job, run::TaskStatus status, double seconds) {
    if (status != run::TaskStatus::cancelled) record_task(job.kind, status == run::TaskStatus::passed, seconds);
}

double Health::gauge(std::string_view name) const {
    const auto* family = registry_.find_gauge(name);
    if (!family) return 0;
    double sum = 0;
    for (const auto& [labels, g] : family->series()) sum += g->value();
    return sum;
}

Health::Verdict Health::subsystem(std::string_view name) {
    registry_.collect();  // sampled gauges (process memory) are fresh
    return verdict_of(name);
}

Health::Verdict Health::verdict_of(std::string_view name) {
    const auto defaults = defaults_of(name);
    const jobfile::SloSettings none;
    const auto found = slo_.find(name);
    const auto& slo = found == slo_.end() ? none : found->second;
    Judge judge;
    nlohmann::json body = nlohmann::json::object();

    if (unavailable_) {
        if (auto why = unavailable_(name); !why.empty()) judge.miss(HealthStatus::unhealthy, why);
    }

    // Recent work against the success rate and p95 objectives.
    if (name != "network") {
        const auto objective = slo.success_rate ? slo.success_rate : defaults.success_rate;
        const auto p95_objective = slo.p95 ? std::optional<double>(std::chrono::duration<double>(*slo.p95).count())
                                           : defaults.p95_s;
        SloWindow::Summary recent;
        if (auto w = windows_.find(name); w != windows_.end()) recent = w->second.summarize(now_ms());
        body["window_s"] = SloWindow::kSlices * SloWindow::kSliceMs / 1000;
        body["passed"] = recent.passed;
        body["failed"] = recent.failed;
        body["success_rate"] = recent.success_rate ? nlohmann::json(*recent.success_rate) : nlohmann::json(nullptr);
        body["p95_s"] = recent.p95_s ? nlohmann::json(*recent.p95_s) : nlohmann::json(nullptr);
        if (objective) body["objective_success_rate"] = *objective;
        if (p95_objective) body["objective_p95_s"] = *p95_objective;
        if (recent.success_rate && objective && *recent.success_rate < *objective) {
            const bool far = *recent.success_rate < *objective / 2;
            judge.miss(far ? HealthStatus::unhealthy : HealthStatus::degraded,
                       "success rate " + percent(*recent.success_rate) + " is under the objective of " +
                           percent(*objective));
        }
        if (recent.p95_s && p95_objective && *recent.p95_s > *p95_objective) {
            judge.miss(HealthStatus::degraded,
                       "p95 " + millis(*recent.p95_s) + " is over the objective of " + millis(*p95_objective));
        }
    }

    const auto max_active = slo.max_active ? as_double(slo.max_active) : defaults.max_active;
    if (name == "api") {
        const double active = gauge("gaia_api_requests_in_flight");
        body["active"] = count_of(active);
        body["queued"] = count_of(gauge("gaia_api_queue_depth"));
        judge.at_most("requests in flight", active, max_active);
        std::uint64_t open = 0;
        if (const auto* breakers = registry_.find_gauge("gaia_api_circuit_breaker_state")) {
            for (const auto& [labels, g] : breakers->series()) open += g->value() >= 2 ? 1 : 0;
        }
        body["circuit_breakers_open"] = open;
        if (open > 0) judge.miss(HealthStatus::degraded, std::to_string(open) + " host circuit breaker(s) open");
    } else if (name == "file") {
        const double active = gauge("gaia_file_operations_in_flight");
        body["active"] = count_of(active);
        judge.at_most("operations in flight", active, max_active);
    } else if (name == "browser") {
        const double instances = gauge("gaia_browser_instances");
        const double tabs = gauge("gaia_browser_tabs_active");
        body["active"] = count_of(tabs);
        body["instances"] = count_of(instances);
        body["queued"] = count_of(gauge("gaia_browser_queue_depth"));
        judge.at_most("browser instances", instances, slo.max_instances ? as_double(slo.max_instances) : 50.0);
        judge.at_most("tabs", tabs, slo.max_tabs ? as_double(slo.max_tabs) : 1000.0);
    } else if (name == "process") {
        const double active = gauge("gaia_process_active");
        const double memory = gauge("gaia_process_memory_bytes");
        body["active"] = count_of(active);
        body["memory_bytes"] = count_of(memory);
        judge.at_most("processes running", active, max_active);
        const double memory_limit = slo.memory ? static_cast<double>(*slo.memory) : 500.0 * 1024 * 1024;
        body["objective_memory_bytes"] = count_of(memory_limit);
        if (memory > memory_limit) {
            judge.miss(HealthStatus::degraded, "children's resident memory " + std::to_string(static_cast<long long>(memory)) +
                                                   " bytes is over the objective of " +
                                                   std::to_string(static_cast<long long>(memory_limit)));
        }
    } else if (name == "network") {
        const double open = gauge("gaia_network_connections_open");
        body["active"] = count_of(open);
        judge.at_most("open connections", open, slo.max_connections ? as_double(slo.max_connections) : 1000.0);
        double hits = 0, lookups = 0;
        if (const auto* dns = registry_.find_counter("gaia_network_dns_lookups_total")) {
            for (const auto& [labels, c] : dns->series()) {
                lookups += c->value();
                if (!labels.empty() && labels.front() == "hit") hits += c->value();
            }
        }
        body["dns_lookups"] = count_of(lookups);
        const double wanted = slo.dns_hit_rate ? *slo.dns_hit_rate : 0.8;
        body["objective_dns_hit_rate"] = wanted;
        if (lookups > 0) {
            const double rate = hits / lookups;
            body["dns_hit_rate"] = rate;
            if (rate < wanted) {
                judge.miss(HealthStatus::degraded,
                           "DNS cache hit rate " + percent(rate) + " is under the objective of " + percent(wanted));
            }
        } else {
            body["dns_hit_rate"] = nullptr;
        }
    }

    body["status"] = health_name(judge.status);
    body["reasons"] = std::move(judge.reasons);
    return {judge.status, std::move(body)};
}

Health::Verdict Health::overall() {
    Verdict out;
    nlohmann::json subsystems = nlohmann::json::object();
    Judge judge;
    registry_.collect();  // once for the five verdicts
    for (auto name : kSubsystems) {
        auto v = verdict_of(name);
        if (v.status != HealthStatus::healthy) judge.miss(v.status, std::string(name) + " is " + health_name(v.status));
        subsystems[std::string(name)] = std::move(v.body);
    }
    const double lag = loop_lag_s_ ? loop_lag_s_() : 0.0;
    if (lag >= kStalledLoopS) judge.miss(HealthStatus::unhealthy, "the event loop is " + millis(lag) + " late");
    out.status = judge.status;
    out.body = {
        {"status", health_name(judge.status)},
        {"version", std::string(build::version())},
        {"uptime_s", static_cast<double>(now_ms() - started_ms_) / 1000.0},
        {"loop_lag_s", lag},
        {"reasons", std::move(judge.reasons)},
        {"subsystems", std::move(subsystems)},
    };
    return out;
}

}  // namespace gaia::serve
