#pragma once
// SLO-based health (gaia-serve(1), /health): each subsystem's recent work and current load,
// read from its metrics, judged against the job files' [slo.*] objectives (or the
// defaults of gaia-jobs(5)). One threshold missed: degraded. Success under half its objective, or a
// subsystem that cannot work at all (no Chromium, a stalled loop): unhealthy.

#include "core/jobfile/model.hpp"
#include "core/metrics/registry.hpp"
#include "core/run/task.hpp"
#include "core/serve/slo_window.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::serve {

using run::HealthStatus;
using run::health_name;

class Health {
public:
    using Clock = std::function<std::uint64_t()>;  // milliseconds, monotonic
    // The subsystems are those of `kinds` (every kind of this build), in their order, then
    // the network coordinator's.
    Health(metrics::Registry& registry, std::vector<const run::JobKind*> kinds, Clock now_ms = {});

    void set_objectives(std::map<std::string, jobfile::SloSettings, std::less<>> slo) { slo_ = std::move(slo); }
    // Why a subsystem cannot work at all (empty when it can), asked at each verdict.
    void set_unavailable(std::function<std::string(std::string_view subsystem)> fn) { unavailable_ = std::move(fn); }
    // The event loop's latest lag: a loop this late makes gaia unhealthy.
    void set_loop_lag(std::function<double()> fn) { loop_lag_s_ = std::move(fn); }

    // A task of this kind ended (after its retries) and took this long.
    void record_task(std::string_view kind, bool passed, double seconds);
    // The same, as a Scheduler reports an instance's end (Scheduler::on_instance_finished): a
    // cancelled task says nothing about the subsystem and is not counted.
    void on_task_finished(const jobfile::Job& job, run::TaskStatus status, double seconds);

    struct Verdict {
        HealthStatus status = HealthStatus::healthy;
        nlohmann::json body;
    };
    // A part of gaia that is not a subsystem (the state database): judged with them in
    // overall(), its body under `name` beside "subsystems", its reason in "reasons".
    void add_component(std::string name, std::function<Verdict()> judge) {
        components_.emplace_back(std::move(name), std::move(judge));
    }
    // The names of the subsystems judged, in the order every report and page lists them.
    std::vector<std::string_view> subsystems() const;
    // One subsystem: {status, reasons, active, success_rate, p95_s, work, …}.
    Verdict subsystem(std::string_view name);
    // All of them and gaia itself: {status, version, uptime_s, loop_lag_s, subsystems}.
    Verdict overall();

    static constexpr double kStalledLoopS = 1.0;

private:
    struct Subsystem {
        std::string_view name;
        const run::JobKind* kind = nullptr;  // null: the network coordinator
    };
    const Subsystem* find(std::string_view name) const;
    Verdict verdict_of(const Subsystem& subsystem);  // from the values as they are (no collect)
    void judge_recent(std::string_view subsystem, run::HealthCheck& check);
    std::uint64_t now_ms() const;

    metrics::Registry& registry_;
    std::vector<Subsystem> subsystems_;
    Clock now_ms_;
    std::uint64_t started_ms_;
    std::map<std::string, jobfile::SloSettings, std::less<>> slo_;
    std::function<std::string(std::string_view)> unavailable_;
    std::function<double()> loop_lag_s_;
    std::map<std::string, SloWindow, std::less<>> windows_;  // by subsystem
    std::vector<std::pair<std::string, std::function<Verdict()>>> components_;
};

}  // namespace gaia::serve
