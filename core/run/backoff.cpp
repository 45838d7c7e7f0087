#include "core/run/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace gaia::run {

jobfile::Duration backoff_delay(const jobfile::RetryPolicy& policy, std::uint32_t retry, double random01) {
    const double base = static_cast<double>(policy.backoff.count());
    const double cap = static_cast<double>(policy.max_backoff.count());
    const double exponent = std::min<double>(retry == 0 ? 0 : retry - 1, 62);
    const double full = std::min(cap, base * std::pow(2.0, exponent));
    const double jittered = full / 2 + full / 2 * std::clamp(random01, 0.0, 1.0);
    return jobfile::Duration(static_cast<std::int64_t>(jittered));
}

}  // namespace gaia::run
