#include "core/run/activity_timeline.hpp"

#include <algorithm>
#include <cmath>

namespace gaia::run {

void ActivityTimeline::widen_once() {
    width_s_ *= 2;
    std::vector<Bin> merged((bins_.size() + 1) / 2);
    for (std::size_t i = 0; i < bins_.size(); ++i) {
        auto& to = merged[i / 2];
        const auto& from = bins_[i];
        to.started += from.started;
        to.failed += from.failed;
        to.retried += from.retried;
        to.busy_s += from.busy_s;
    }
    bins_ = std::move(merged);
}

void ActivityTimeline::widen_to(double end_s) {
    while (end_s >= static_cast<double>(kMaxBins) * width_s_) widen_once();
}

ActivityTimeline::Bin& ActivityTimeline::bin_at(double t_s) {
    auto i = static_cast<std::size_t>(std::max(0.0, t_s) / width_s_);
    i = std::min(i, kMaxBins - 1);
    if (bins_.size() <= i) bins_.resize(i + 1);
    return bins_[i];
}

void ActivityTimeline::add(double started_s, double ended_s, bool failed, bool retried) {
    if (!std::isfinite(started_s) || !std::isfinite(ended_s)) return;
    started_s = std::max(started_s, 0.0);
    ended_s = std::max(ended_s, started_s);
    widen_to(ended_s);
    ++bin_at(started_s).started;
    auto& last = bin_at(ended_s);
    if (failed) ++last.failed;
    if (retried) ++last.retried;
    // Its time, spread over the bins it spans.
    const auto first = static_cast<std::size_t>(started_s / width_s_);
    const auto end = std::min(static_cast<std::size_t>(ended_s / width_s_), kMaxBins - 1);
    for (std::size_t i = first; i <= end; ++i) {
        const double lo = std::max(started_s, static_cast<double>(i) * width_s_);
        const double hi = std::min(ended_s, static_cast<double>(i + 1) * width_s_);
        if (hi > lo) bin_at(lo).busy_s += hi - lo;
    }
}

void ActivityTimeline::merge(const ActivityTimeline& other, double offset_s) {
    if (other.empty()) return;
    offset_s = std::isfinite(offset_s) ? std::max(offset_s, 0.0) : 0.0;
    while (width_s_ < other.width_s_) widen_once();
    widen_to(offset_s + static_cast<double>(other.bins_.size()) * other.width_s_ - other.width_s_ / 2);
    for (std::size_t j = 0; j < other.bins_.size(); ++j) {
        const auto& from = other.bins_[j];
        auto& to = bin_at(offset_s + (static_cast<double>(j) + 0.5) * other.width_s_);
        to.started += from.started;
        to.failed += from.failed;
        to.retried += from.retried;
        to.busy_s += from.busy_s;
    }
}

nlohmann::ordered_json ActivityTimeline::to_json() const {
    nlohmann::ordered_json bins = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < bins_.size(); ++i) {
        const auto& b = bins_[i];
        if (b.started == 0 && b.failed == 0 && b.retried == 0 && b.busy_s <= 0) continue;
        bins.push_back({i, b.started, b.failed, b.retried, std::round(b.busy_s * 1e6) / 1e6});
    }
    return {{"bin_s", width_s_}, {"bins", std::move(bins)}};
}

std::optional<ActivityTimeline> ActivityTimeline::from_json(const nlohmann::json& j, std::string* error) {
    auto fail = [error](std::string why) -> std::optional<ActivityTimeline> {
        *error = "not an activity timeline: " + std::move(why);
        return std::nullopt;
    };
    if (!j.is_object() || !j.contains("bin_s") || !j["bin_s"].is_number() || !j.contains("bins") || !j["bins"].is_array()) {
        return fail("it has a number \"bin_s\" and an array \"bins\"");
    }
    const double width = j["bin_s"].get<double>();
    const double doublings = std::log2(width / kFirstWidthS);
    if (!std::isfinite(doublings) || doublings < -1e-9 || doublings > 64 || std::abs(doublings - std::round(doublings)) > 1e-9) {
        return fail("\"bin_s\" is 1 ms times a power of two");
    }
    ActivityTimeline t;
    for (long k = std::lround(doublings); k > 0; --k) t.width_s_ *= 2;
    for (const auto& row : j["bins"]) {
        if (!row.is_array() || row.size() != 5 || !row[0].is_number_unsigned() || row[0].get<std::uint64_t>() >= kMaxBins ||
            !row[1].is_number_unsigned() || !row[2].is_number_unsigned() || !row[3].is_number_unsigned() ||
            !row[4].is_number() || !(row[4].get<double>() >= 0) || !std::isfinite(row[4].get<double>())) {
            return fail("each bin is [index below " + std::to_string(kMaxBins) + ", started, failed, retried, busy seconds]");
        }
        const auto i = row[0].get<std::size_t>();
        if (t.bins_.size() <= i) t.bins_.resize(i + 1);
        auto& b = t.bins_[i];
        b.started += row[1].get<std::uint64_t>();
        b.failed += row[2].get<std::uint64_t>();
        b.retried += row[3].get<std::uint64_t>();
        b.busy_s += row[4].get<double>();
    }
    return t;
}

}  // namespace gaia::run
