#pragma once
// The HTML report's two charts, as inline SVG: the run's timeline (a lane per job, its
// instances' density inside, failures and retries marked) and a job's latency histogram.
// Every shape carries its colour as an attribute and a class (the page's stylesheet turns
// it dark); the sizes are bounded: a lane is at most one path per mark kind, whatever the
// number of instances.

#include "core/run/activity_timeline.hpp"
#include "core/run/latency_histogram.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gaia::report::html {

struct TimelineLane {
    std::string label;   // the job's name
    std::string href;    // where its lane links ("#job-3")
    std::string status;  // passed, failed, skipped, cancelled…
    std::optional<double> start_s, end_s;  // unset: it did not run
    run::ActivityTimeline activity;
    std::size_t stage = 0;  // how many jobs deep in the needs graph: lanes of one stage are together
    std::string summary;    // its tooltip
};

// `lanes` in the order drawn; `run_s` the run's duration.
std::string timeline_svg(const std::vector<TimelineLane>& lanes, double run_s);

struct ChartMark {
    std::string label;  // "p95", "p95 limit"
    double seconds = 0;
};

// The histogram's durations on a logarithmic axis, in about 40 bars; percentile marks
// dashed, limits (thresholds) red. Empty string for an empty histogram.
std::string histogram_svg(const run::LatencyHistogram& histogram, const std::vector<ChartMark>& percentiles,
                          const std::vector<ChartMark>& limits, const std::string& title);

}  // namespace gaia::report::html
