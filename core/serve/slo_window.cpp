#include "core/serve/slo_window.hpp"

#include <cmath>

namespace gaia::serve {
namespace {

constexpr double kFirstUpperS = 100e-6;
constexpr double kGrowth = 1.25;

std::size_t bucket_of(double seconds) {
    if (!(seconds > kFirstUpperS)) return 0;  // also NaN
    const double steps = std::ceil(std::log(seconds / kFirstUpperS) / std::log(kGrowth));
    if (steps >= static_cast<double>(SloWindow::kBuckets - 1)) return SloWindow::kBuckets - 1;
    return static_cast<std::size_t>(steps);
}

}  // namespace

double SloWindow::bucket_upper_s(std::size_t bucket) { return kFirstUpperS * std::pow(kGrowth, static_cast<double>(bucket)); }

bool SloWindow::fresh(const Slice& s, std::uint64_t now_ms) const {
    const std::uint64_t epoch = now_ms / kSliceMs + 1;
    return s.epoch != 0 && s.epoch <= epoch && epoch - s.epoch < kSlices;
}

SloWindow::Slice& SloWindow::slice_at(std::uint64_t now_ms) {
    const std::uint64_t epoch = now_ms / kSliceMs + 1;
    Slice& s = slices_[epoch % kSlices];
    if (s.epoch != epoch) s = Slice{epoch, 0, 0, {}};  // what it held is older than the window
    return s;
}

void SloWindow::record(std::uint64_t now_ms, bool passed, double seconds) {
    Slice& s = slice_at(now_ms);
    if (passed) ++s.passed;
    else ++s.failed;
    ++s.latency[bucket_of(seconds)];
}

SloWindow::Summary SloWindow::summarize(std::uint64_t now_ms) const {
    Summary out;
    std::array<std::uint64_t, kBuckets> latency{};
    for (const auto& s : slices_) {
        if (!fresh(s, now_ms)) continue;
        out.passed += s.passed;
        out.failed += s.failed;
        for (std::size_t b = 0; b < kBuckets; ++b) latency[b] += s.latency[b];
    }
    const std::uint64_t total = out.passed + out.failed;
    if (total == 0) return out;
    out.success_rate = static_cast<double>(out.passed) / static_cast<double>(total);
    // The smallest bucket edge at or below which 95 % of the tasks ended.
    const auto wanted = static_cast<std::uint64_t>(std::ceil(0.95 * static_cast<double>(total)));
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
        seen += latency[b];
        if (seen >= wanted) {
            out.p95_s = bucket_upper_s(b);
            break;
        }
    }
    return out;
}

}  // namespace gaia::serve
