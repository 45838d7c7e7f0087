#pragma once
// The value syntaxes of job files: durations, sizes and rates.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gaia::jobfile {

using Duration = std::chrono::microseconds;

struct Rate {
    double per_second = 0;
    std::string text;  // as written, for messages and reports
};

// Each returns nullopt and sets *error (a sentence without position) when text is invalid.
std::optional<Duration> parse_duration(std::string_view text, std::string* error);
std::optional<std::uint64_t> parse_size(std::string_view text, std::string* error);
std::optional<Rate> parse_rate(std::string_view text, std::string* error);
// "10MiB/s", "500KB/s", "1GiB/m": bytes per second.
std::optional<double> parse_bandwidth(std::string_view text, std::string* error);

// "1.5s", "250ms", "2m30s": the shortest exact rendering, for messages and reports.
std::string format_duration(Duration d);
double to_seconds(Duration d);
// "64KiB", "1GiB", "1500B": the largest binary unit that divides the size exactly.
std::string format_size(std::uint64_t bytes);

}  // namespace gaia::jobfile
