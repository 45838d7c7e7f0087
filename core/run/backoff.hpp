#pragma once
// Delays between attempts: exponential, capped, with jitter so that many failing
// instances do not retry in lockstep.

#include "core/jobfile/model.hpp"

namespace gaia::run {

// retry: 1 for the first retry. random01: a uniform number in [0, 1). The delay is
// uniform in [d/2, d] where d = min(max_backoff, backoff * 2^(retry-1)).
jobfile::Duration backoff_delay(const jobfile::RetryPolicy& policy, std::uint32_t retry, double random01);

}  // namespace gaia::run
