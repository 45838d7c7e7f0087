#include "core/run/results.hpp"

#include <algorithm>
#include <cmath>

namespace gaia::run {

std::string_view to_string(JobStatus s) {
    switch (s) {
    case JobStatus::pending: return "pending";
    case JobStatus::running: return "running";
    case JobStatus::passed: return "passed";
    case JobStatus::failed: return "failed";
    case JobStatus::skipped: return "skipped";
    case JobStatus::cancelled: return "cancelled";
    }
    return "unknown";
}

double percentile(std::vector<float> sample, double q) {
    if (sample.empty()) return 0;
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sample.size())));
    rank = std::clamp<std::size_t>(rank, 1, sample.size());
    std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(rank - 1), sample.end());
    return sample[rank - 1];
}

LatencySummary summarize(const std::vector<float>& seconds) {
    LatencySummary s;
    if (seconds.empty()) return s;
    s.p50 = percentile(seconds, 0.50);
    s.p95 = percentile(seconds, 0.95);
    s.p99 = percentile(seconds, 0.99);
    s.max = *std::max_element(seconds.begin(), seconds.end());
    return s;
}

LatencySummary JobResult::latency() const { return summarize(durations); }

}  // namespace gaia::run
