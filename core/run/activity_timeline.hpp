#pragma once
// A job's instances over the run's time, in bins: how many started, failed and were retried
// in each, and how many instance-seconds each held (its mean concurrency times its width).
// The HTML report draws a job's lane from it, so a fan-out of a million instances costs at
// most kMaxBins bins, not a record per instance.
//
// Bins are counted from the run's start and are 1 ms x 2^k wide: when an instance ends past
// the last bin, the width doubles (neighbours merged) until it fits. Widths of two timelines
// are then multiples of each other, so the shards of one job file merge bin into bin.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gaia::run {

class ActivityTimeline {
public:
    static constexpr std::size_t kMaxBins = 256;
    static constexpr double kFirstWidthS = 0.001;

    struct Bin {
        std::uint64_t started = 0;  // instances whose first attempt started in it
        std::uint64_t failed = 0;   // instances that ended in it, failed
        std::uint64_t retried = 0;  // instances that ended in it after more than one attempt
        double busy_s = 0;          // instance-seconds inside it
    };

    // An instance that ran from started_s (its first attempt) to ended_s, seconds since the
    // run began.
    void add(double started_s, double ended_s, bool failed, bool retried);
    // Adds `other`, shifted later by offset_s (a shard that started after the first one), to
    // the nearest bin.
    void merge(const ActivityTimeline& other, double offset_s = 0);

    double width_s() const noexcept { return width_s_; }
    const std::vector<Bin>& bins() const noexcept { return bins_; }
    bool empty() const noexcept { return bins_.empty(); }

    // {"bin_s": W, "bins": [[index, started, failed, retried, busy_s], ...]}: only the bins
    // that saw something.
    nlohmann::ordered_json to_json() const;
    // nullopt with *error for anything to_json would not write.
    static std::optional<ActivityTimeline> from_json(const nlohmann::json& j, std::string* error);

private:
    // Doubles the width until [0, end_s) fits in kMaxBins bins.
    void widen_to(double end_s);
    void widen_once();
    Bin& bin_at(double t_s);

    double width_s_ = kFirstWidthS;
    std::vector<Bin> bins_;
};

}  // namespace gaia::run
