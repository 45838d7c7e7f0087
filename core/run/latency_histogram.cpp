#include "core/run/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace gaia::run {

int LatencyHistogram::bucket_of(double seconds) {
    if (!(seconds > kFloorS)) return 0;
    // Bucket i holds (floor * growth^(i-1), floor * growth^i].
    return static_cast<int>(std::ceil(std::log(seconds / kFloorS) / std::log(kGrowth) - 1e-9));
}

void LatencyHistogram::add(double seconds, std::uint64_t count) {
    if (count == 0 || !std::isfinite(seconds)) return;
    seconds = std::max(seconds, 0.0);
    buckets_[bucket_of(seconds)] += count;
    count_ += count;
    min_ = std::min(min_, seconds);
    max_ = std::max(max_, seconds);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    for (const auto& [index, n] : other.buckets_) buckets_[index] += n;
    count_ += other.count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
}

LatencyHistogram LatencyHistogram::of(const std::vector<float>& seconds) {
    LatencyHistogram h;
    for (float s : seconds) h.add(s);
    return h;
}

double LatencyHistogram::percentile(double q) const {
    if (count_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (const auto& [index, n] : buckets_) {
        seen += n;
        if (seen < rank) continue;
        return middle(index);
    }
    return max_;
}

double LatencyHistogram::middle(int index) const {
    const double m = index == 0 ? kFloorS : kFloorS * std::pow(kGrowth, index - 0.5);
    return std::clamp(m, min_, max_);
}

LatencySummary LatencyHistogram::summary() const {
    return {percentile(0.50), percentile(0.95), percentile(0.99), max_s()};
}

void LatencyHistogram::for_each_bucket(const std::function<void(double, std::uint64_t)>& fn) const {
    for (const auto& [index, n] : buckets_) fn(middle(index), n);
}

nlohmann::ordered_json LatencyHistogram::to_json() const {
    nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
    for (const auto& [index, n] : buckets_) buckets.push_back({index, n});
    return {{"growth", kGrowth},
            {"floor_s", kFloorS},
            {"min_s", count_ ? min_ : 0.0},
            {"max_s", max_s()},
            {"buckets", std::move(buckets)}};
}

std::optional<LatencyHistogram> LatencyHistogram::from_json(const nlohmann::json& j, std::string* error) {
    if (!j.is_object() || j.value("growth", 0.0) != kGrowth || j.value("floor_s", 0.0) != kFloorS ||
        !j.value("buckets", nlohmann::json()).is_array() || !j.value("min_s", nlohmann::json()).is_number() ||
        !j.value("max_s", nlohmann::json()).is_number()) {
        *error = "not a latency histogram of this gaia (growth " + std::to_string(kGrowth) + ", floor 1 us)";
        return std::nullopt;
    }
    LatencyHistogram h;
    for (const auto& b : j["buckets"]) {
        if (!b.is_array() || b.size() != 2 || !b[0].is_number_integer() || !b[1].is_number_unsigned()) {
            *error = "a latency histogram bucket is not [index, count]";
            return std::nullopt;
        }
        const auto n = b[1].get<std::uint64_t>();
        h.buckets_[b[0].get<int>()] += n;
        h.count_ += n;
    }
    if (h.count_ > 0) {
        h.min_ = j["min_s"].get<double>();
        h.max_ = j["max_s"].get<double>();
    }
    return h;
}

}  // namespace gaia::run
