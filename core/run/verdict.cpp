#include "core/run/verdict.hpp"

#include "core/jobfile/values.hpp"

#include <cmath>
#include <cstdio>

namespace gaia::run {
namespace {

std::string seconds_text(double s) {
    return jobfile::format_duration(jobfile::Duration(static_cast<std::int64_t>(std::llround(s * 1e6))));
}

}  // namespace

std::string judge(const jobfile::Thresholds& thresholds, bool fan_out, const InstanceCounts& counts,
                  const LatencySummary& latency, std::string_view first_error) {
    const double rate =
        counts.instances == 0 ? 1.0 : static_cast<double>(counts.passed) / static_cast<double>(counts.instances);
    if (rate < thresholds.success_rate) {
        if (!fan_out) return first_error.empty() ? std::string("failed") : std::string(first_error);
        char buf[160];
        std::snprintf(buf, sizeof buf, "%llu of %llu instances failed (success rate %.4g, required %.4g)",
                      static_cast<unsigned long long>(counts.failed), static_cast<unsigned long long>(counts.instances),
                      rate, thresholds.success_rate);
        std::string problem = buf;
        if (!first_error.empty()) problem += "; first: " + std::string(first_error);
        return problem;
    }
    auto over = [](const std::optional<jobfile::Duration>& limit, double actual, const char* name) -> std::string {
        if (!limit || actual <= jobfile::to_seconds(*limit)) return {};
        return std::string(name) + " latency " + seconds_text(actual) + " is over the threshold " +
               jobfile::format_duration(*limit);
    };
    for (auto problem : {over(thresholds.p50, latency.p50, "p50"), over(thresholds.p95, latency.p95, "p95"),
                         over(thresholds.p99, latency.p99, "p99"), over(thresholds.max, latency.max, "max")}) {
        if (!problem.empty()) return problem;
    }
    return {};
}

}  // namespace gaia::run
