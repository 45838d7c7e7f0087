// libFuzzer target: the value parsers of job files and schedules — cron lines and their
// next fire times, durations, sizes, rates and bandwidths, and the round trip of what
// parses back through its formatter.

#include "core/jobfile/values.hpp"
#include "core/jobfile/schedule.hpp"

#include <cstddef>
#include <cstdint>

using namespace gaia;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string error;
    if (auto schedule = jobfile::Schedule::parse(text, &error)) {
        auto at = jobfile::Schedule::Clock::time_point{} + std::chrono::hours(24 * 365 * 56);  // 2026
        for (int i = 0; i < 3; ++i) {
            auto next = schedule->next_after(at);
            if (!next) break;
            at = *next;
        }
    }
    if (auto d = jobfile::parse_duration(text, &error)) {
        auto again = jobfile::parse_duration(jobfile::format_duration(*d), &error);
        if (!again || *again != *d) __builtin_trap();  // a duration prints as what parses back to it
    }
    (void)jobfile::parse_size(text, &error);
    (void)jobfile::parse_rate(text, &error);
    (void)jobfile::parse_bandwidth(text, &error);
    return 0;
}
