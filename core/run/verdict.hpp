#pragma once
// Whether a job whose instances have all ended passes: its success_rate and latency
// thresholds (gaia-jobs(5)) against what its instances did. One rule for a run and for
// `gaia report merge`, which judges the shards' instances again as one run would have.

#include "core/jobfile/model.hpp"
#include "core/run/results.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace gaia::run {

struct InstanceCounts {
    std::uint64_t instances = 0, passed = 0, failed = 0;
};

// "" when the job passes; else why it failed, as reports and logs say it. `first_error`
// is the first instance failure ("instance 7: connection refused"), quoted in the reason.
std::string judge(const jobfile::Thresholds& thresholds, bool fan_out, const InstanceCounts& counts,
                  const LatencySummary& latency, std::string_view first_error);

}  // namespace gaia::run
