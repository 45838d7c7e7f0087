#pragma once
// Instance durations in geometric buckets 2% wide: a percentile read from it is within 1%
// of the sample's own, and the histograms of several runs (the shards of one job file) add
// up to the histogram of all their instances. The JSON report keeps one per job
// (latency_histogram), so that percentiles of merged shard reports can be recomputed.

#include "core/run/results.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gaia::run {

class LatencyHistogram {
public:
    static constexpr double kGrowth = 1.02;  // each bucket's upper bound over its lower
    static constexpr double kFloorS = 1e-6;  // durations up to a microsecond share bucket 0

    void add(double seconds, std::uint64_t count = 1);
    void merge(const LatencyHistogram& other);
    static LatencyHistogram of(const std::vector<float>& seconds);

    std::uint64_t count() const noexcept { return count_; }
    // Nearest rank, q in [0, 1]: the geometric middle of the rank's bucket, kept within the
    // smallest and largest durations seen (so a one-value sample reads back exactly). 0
    // when empty.
    double percentile(double q) const;
    double max_s() const noexcept { return count_ ? max_ : 0; }
    // p50, p95, p99 and max.
    LatencySummary summary() const;
    // Each bucket's count at its geometric middle, smallest first.
    void for_each_bucket(const std::function<void(double seconds, std::uint64_t count)>& fn) const;

    // {"growth", "floor_s", "min_s", "max_s", "buckets": [[index, count], ...]}, buckets by index.
    nlohmann::ordered_json to_json() const;
    // nullopt with *error when it is not one (another growth or floor included).
    static std::optional<LatencyHistogram> from_json(const nlohmann::json& j, std::string* error);

private:
    static int bucket_of(double seconds);
    double middle(int index) const;

    std::map<int, std::uint64_t> buckets_;
    std::uint64_t count_ = 0;
    double min_ = std::numeric_limits<double>::infinity();
    double max_ = 0;
};

}  // namespace gaia::run
