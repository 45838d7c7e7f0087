#include "core/jobfile/values.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>

namespace gaia::jobfile {
namespace {

// Reads a non-negative decimal number ("12", "1.5") at the front of text.
std::optional<double> take_number(std::string_view& text) {
    std::size_t i = 0;
    bool digits = false;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, digits = true;
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, digits = true;
    }
    if (!digits) return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + i, value);
    if (ec == std::errc::result_out_of_range) {
        // Beyond a double: a huge number (which every caller refuses as too large), or a
        // tiny one (zero, for a duration or a size). Never an exception: std::stod threw
        // out of the parser for "1000…0s" with 400 digits.
        const auto integer = text.substr(0, text.find('.'));
        value = integer.find_first_not_of('0') != std::string_view::npos ? std::numeric_limits<double>::infinity() : 0.0;
    }
    (void)end;
    text.remove_prefix(i);
    return value;
}

std::string_view take_unit(std::string_view& text) {
    std::size_t i = 0;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i])) && text[i] != '.') ++i;
    auto unit = text.substr(0, i);
    text.remove_prefix(i);
    return unit;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

std::optional<Duration> parse_duration(std::string_view text, std::string* error) {
    const std::string_view original = text;
    if (text.empty()) {
        *error = "empty duration (write e.g. \"5s\" or \"250ms\")";
        return std::nullopt;
    }
    double micros = 0;
    while (!text.empty()) {
        auto number = take_number(text);
        if (!number) {
            *error = "invalid duration " + quoted(original) + ": expected a number (e.g. \"5s\", \"1h30m\")";
            return std::nullopt;
        }
        auto unit = take_unit(text);
        double scale = 0;
        if (unit == "us" || unit == "µs") scale = 1;
        else if (unit == "ms") scale = 1e3;
        else if (unit == "s") scale = 1e6;
        else if (unit == "m") scale = 60e6;
        else if (unit == "h") scale = 3600e6;
        else if (unit == "d") scale = 86400e6;
        else if (unit.empty()) {
            *error = "invalid duration " + quoted(original) + ": missing unit (use ms, s, m, h or d, e.g. \"" +
                     std::string(original) + "s\")";
            return std::nullopt;
        } else {
            *error = "invalid duration " + quoted(original) + ": unknown unit `" + std::string(unit) +
                     "` (use ms, s, m, h or d)";
            return std::nullopt;
        }
        micros += *number * scale;
        // 100 years is longer than any deadline anyone means.
        if (micros > 100.0 * 365 * 86400e6) {
            *error = "duration " + quoted(original) + " is too long";
            return std::nullopt;
        }
    }
    return Duration(static_cast<std::int64_t>(std::llround(micros)));
}

std::optional<std::uint64_t> parse_size(std::string_view text, std::string* error) {
    const std::string_view original = text;
    auto number = take_number(text);
    if (!number) {
        *error = "invalid size " + quoted(original) + ": expected a number with a unit (e.g. \"64KiB\", \"10MB\")";
        return std::nullopt;
    }
    auto unit = take_unit(text);
    if (!text.empty()) {
        *error = "invalid size " + quoted(original) + ": unexpected text after the unit";
        return std::nullopt;
    }
    double scale = 0;
    if (unit == "B" || unit.empty()) scale = 1;
    else if (unit == "KiB") scale = 1024.0;
    else if (unit == "MiB") scale = 1024.0 * 1024;
    else if (unit == "GiB") scale = 1024.0 * 1024 * 1024;
    else if (unit == "TiB") scale = 1024.0 * 1024 * 1024 * 1024;
    else if (unit == "KB" || unit == "kB") scale = 1e3;
    else if (unit == "MB") scale = 1e6;
    else if (unit == "GB") scale = 1e9;
    else if (unit == "TB") scale = 1e12;
    else {
        *error = "invalid size " + quoted(original) + ": unknown unit `" + std::string(unit) +
                 "` (use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)";
        return std::nullopt;
    }
    double bytes = *number * scale;
    if (bytes > 9.0e18) {
        *error = "size " + quoted(original) + " is too large";
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(std::llround(bytes));
}

std::optional<Rate> parse_rate(std::string_view text, std::string* error) {
    const std::string_view original = text;
    auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        *error = "invalid rate " + quoted(original) + ": expected COUNT/UNIT (e.g. \"100/s\", \"6000/m\")";
        return std::nullopt;
    }
    std::string_view count_text = text.substr(0, slash);
    std::string_view unit = text.substr(slash + 1);
    auto count = take_number(count_text);
    if (!count || !count_text.empty() || *count <= 0) {
        *error = "invalid rate " + quoted(original) + ": the count must be a positive number";
        return std::nullopt;
    }
    if (!std::isfinite(*count)) {
        *error = "rate " + quoted(original) + " is too large";
        return std::nullopt;
    }
    double per = 0;
    if (unit == "s") per = 1;
    else if (unit == "m") per = 60;
    else if (unit == "h") per = 3600;
    else if (unit == "d") per = 86400;
    else {
        *error = "invalid rate " + quoted(original) + ": unknown unit `" + std::string(unit) + "` (use s, m, h or d)";
        return std::nullopt;
    }
    return Rate{*count / per, std::string(original)};
}

std::optional<double> parse_bandwidth(std::string_view text, std::string* error) {
    const auto slash = text.rfind('/');
    if (slash == std::string_view::npos) {
        *error = "invalid bandwidth " + quoted(text) + ": expected SIZE/UNIT (e.g. \"10MiB/s\")";
        return std::nullopt;
    }
    std::string size_error;
    auto bytes = parse_size(text.substr(0, slash), &size_error);
    if (!bytes || *bytes == 0) {
        *error = "invalid bandwidth " + quoted(text) + ": " + (bytes ? std::string("it must be more than 0") : size_error);
        return std::nullopt;
    }
    const auto unit = text.substr(slash + 1);
    double per = 0;
    if (unit == "s") per = 1;
    else if (unit == "m") per = 60;
    else if (unit == "h") per = 3600;
    else {
        *error = "invalid bandwidth " + quoted(text) + ": unknown unit `" + std::string(unit) + "` (use s, m or h)";
        return std::nullopt;
    }
    return static_cast<double>(*bytes) / per;
}

std::string format_duration(Duration d) {
    auto us = d.count();
    if (us == 0) return "0s";
    if (us % 1000 != 0) return std::to_string(us) + "us";
    auto ms = us / 1000;
    if (ms % 1000 != 0) {
        if (ms < 1000) return std::to_string(ms) + "ms";
        // 1.5s reads better than 1500ms
        std::string s = std::to_string(ms / 1000) + "." + std::to_string(1000 + ms % 1000).substr(1);
        while (s.back() == '0') s.pop_back();
        return s + "s";
    }
    auto s = ms / 1000;
    std::string out;
    if (s >= 86400 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
    if (s >= 3600) out += std::to_string(s / 3600) + "h", s %= 3600;
    if (s >= 60) out += std::to_string(s / 60) + "m", s %= 60;
    if (s > 0) out += std::to_string(s) + "s";
    return out;
}

double to_seconds(Duration d) { return static_cast<double>(d.count()) / 1e6; }

std::string format_size(std::uint64_t bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    while (unit + 1 < std::size(units) && bytes != 0 && bytes % 1024 == 0) {
        bytes /= 1024;
        ++unit;
    }
    return std::to_string(bytes) + units[unit];
}

}  // namespace gaia::jobfile
