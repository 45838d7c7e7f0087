#pragma once
// The tasks of one subsystem that ended in the last five minutes: counts and a latency
// histogram in ten-second slices, so that /health judges recent work, not the whole
// uptime, in constant memory however many tasks run.

#include <array>
#include <cstdint>
#include <optional>

namespace gaia::serve {

class SloWindow {
public:
    static constexpr std::uint64_t kSliceMs = 10'000;
    static constexpr std::size_t kSlices = 30;  // 5 minutes

    struct Summary {
        std::uint64_t passed = 0;
        std::uint64_t failed = 0;
        std::optional<double> success_rate;  // none when nothing ended in the window
        std::optional<double> p95_s;         // an upper bound: the edge of the bucket holding it
    };

    void record(std::uint64_t now_ms, bool passed, double seconds);
    Summary summarize(std::uint64_t now_ms) const;

    // Latency buckets: 100 µs to about 3 hours, each 25 % wider than the last.
    static constexpr std::size_t kBuckets = 80;
    static double bucket_upper_s(std::size_t bucket);

private:
    struct Slice {
        std::uint64_t epoch = 0;  // now_ms / kSliceMs + 1 when in use; 0: empty
        std::uint64_t passed = 0;
        std::uint64_t failed = 0;
        std::array<std::uint32_t, kBuckets> latency{};
    };
    Slice& slice_at(std::uint64_t now_ms);
    bool fresh(const Slice& s, std::uint64_t now_ms) const;

    std::array<Slice, kSlices> slices_{};
};

}  // namespace gaia::serve
