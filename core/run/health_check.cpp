#include "core/run/health_check.hpp"

#include <algorithm>

namespace gaia::run {

const char* health_name(HealthStatus status) {
    switch (status) {
    case HealthStatus::healthy: return "healthy";
    case HealthStatus::degraded: return "degraded";
    case HealthStatus::unhealthy: return "unhealthy";
    }
    return "unhealthy";
}

HealthCheck::HealthCheck(const metrics::Registry& registry, const jobfile::SloSettings& slo,
                         const std::vector<jobfile::SloKey>& keys)
    : registry_(registry), slo_(slo), keys_(keys) {}

std::optional<double> HealthCheck::objective(std::string_view key) const {
    if (auto set = slo_.values.find(key); set != slo_.values.end()) return set->second;
    for (const auto& declared : keys_) {
        if (declared.name == key) return declared.fallback;
    }
    return std::nullopt;
}

double HealthCheck::gauge(std::string_view metric) const {
    const auto* family = registry_.find_gauge(metric);
    if (!family) return 0;
    double sum = 0;
    for (const auto& [labels, g] : family->series()) sum += g->value();
    return sum;
}

double HealthCheck::counter(std::string_view metric) const {
    const auto* family = registry_.find_counter(metric);
    if (!family) return 0;
    double sum = 0;
    for (const auto& [labels, c] : family->series()) sum += c->value();
    return sum;
}

void HealthCheck::count(const std::string& key, double value) {
    body_[key] = value > 0 ? static_cast<std::uint64_t>(value + 0.5) : 0;
}

void HealthCheck::work(std::string_view unit, double total) {
    body_["work"] = {{"unit", unit}, {"total", total}};
}

void HealthCheck::miss(HealthStatus status, std::string reason) {
    status_ = std::max(status_, status);
    reasons_.push_back(std::move(reason));
}

void HealthCheck::at_most(std::string_view what, double value, std::string_view key) {
    const auto limit = objective(key);
    if (!limit || value <= *limit) return;
    miss(HealthStatus::degraded, std::string(what) + " " + std::to_string(static_cast<long long>(value)) +
                                     " is over the objective of " + std::to_string(static_cast<long long>(*limit)));
}

nlohmann::json HealthCheck::finish() && {
    body_["status"] = health_name(status_);
    body_["reasons"] = std::move(reasons_);
    return std::move(body_);
}

}  // namespace gaia::run
