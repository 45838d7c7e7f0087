#pragma once
// One subsystem's verdict as /health builds it: the facts of its JSON body and the
// objectives it misses. gaia serve's health judges every subsystem's recent success rate
// and p95 itself; a kind adds what its metrics say of its load now (JobKind::judge_health).

#include "core/jobfile/model.hpp"
#include "core/metrics/registry.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::run {

enum class HealthStatus { healthy, degraded, unhealthy };
const char* health_name(HealthStatus status);

class HealthCheck {
public:
    // `slo` is the subsystem's [slo.NAME] table; `keys` what the subsystem declares of it.
    HealthCheck(const metrics::Registry& registry, const jobfile::SloSettings& slo,
                const std::vector<jobfile::SloKey>& keys);

    // The objective `key`: from [slo.NAME], else its default; none: not judged.
    std::optional<double> objective(std::string_view key) const;
    // The sum of every series of a gauge or a counter; 0 when it is not registered.
    double gauge(std::string_view metric) const;
    double counter(std::string_view metric) const;
    const metrics::Registry& registry() const noexcept { return registry_; }

    void fact(const std::string& key, nlohmann::json value) { body_[key] = std::move(value); }
    // A fact that counts things: shown as an integer.
    void count(const std::string& key, double value);
    // What the subsystem has done since gaia started, in its own unit ("HTTP requests"):
    // the dashboard and gaia top show its rate.
    void work(std::string_view unit, double total);

    void miss(HealthStatus status, std::string reason);
    // `value` over the objective `key` makes the subsystem degraded: "WHAT V is over the
    // objective of L".
    void at_most(std::string_view what, double value, std::string_view key);

    HealthStatus status() const noexcept { return status_; }
    // The body, with "status" and "reasons" set from what was missed.
    nlohmann::json finish() &&;

private:
    const metrics::Registry& registry_;
    const jobfile::SloSettings& slo_;
    const std::vector<jobfile::SloKey>& keys_;
    HealthStatus status_ = HealthStatus::healthy;
    nlohmann::json body_ = nlohmann::json::object();
    nlohmann::json reasons_ = nlohmann::json::array();
};

}  // namespace gaia::run
