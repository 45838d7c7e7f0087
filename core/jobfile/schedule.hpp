#pragma once
// When a scheduled job runs under `gaia serve` (the `schedule` key): `@every D`, a
// 5-field cron line (minute hour day-of-month month day-of-week: `*`, lists, ranges,
// steps, month and day names), `@hourly`, `@daily` and cron's other aliases. Cron lines
// are read in the local time zone, as cron does, or in the job's `timezone` (an IANA name,
// from the system's tz database through Howard Hinnant's date library):
// - a time that does not exist because the clock jumps forward (02:30 on the spring
//   change) fires when the jump happens, once however many times fall in the gap;
// - a time that happens twice because the clock goes back (01:30 in the autumn) fires
//   once, at its first occurrence.
// `@every D` is a fixed interval, free of the time zone.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace date {
class time_zone;
}

namespace gaia::jobfile {

class Schedule {
public:
    using Clock = std::chrono::system_clock;

    // The schedule, or nullopt with *error saying what is wrong and where.
    static std::optional<Schedule> parse(std::string_view text, std::string* error);

    // The first fire time strictly after `after`; nullopt for a cron line that never
    // fires (February 30th) within the next eight years.
    std::optional<Clock::time_point> next_after(Clock::time_point after) const;

    // Reads the cron line in the IANA zone `name` ("Europe/Berlin") instead of the local
    // one; false with *error (naming the nearest zone) when there is no such zone.
    bool set_zone(std::string_view name, std::string* error);
    const std::string& zone_name() const noexcept { return zone_name_; }  // empty: local

    const std::string& text() const noexcept { return text_; }
    // D of `@every D`, whose next time depends on `after` only, not on the calendar.
    std::optional<std::chrono::seconds> interval() const noexcept {
        if (const auto* every = std::get_if<Every>(&rule_)) return every->interval;
        return std::nullopt;
    }

private:
    struct Every {
        std::chrono::seconds interval;
    };
    struct Cron {
        std::uint64_t minutes = 0;  // bit m set: minute m matches
        std::uint32_t hours = 0;
        std::uint32_t days = 0;      // bits 1..31
        std::uint32_t months = 0;    // bits 1..12
        std::uint32_t weekdays = 0;  // bits 0..6, Sunday 0
        bool any_day = true;         // day-of-month started with `*` (cron's DOM_STAR)
        bool any_weekday = true;     // day-of-week started with `*`
        bool day_matches(int mday, int wday) const;
    };
    std::optional<Clock::time_point> next_cron(const Cron& cron, Clock::time_point after) const;

    std::string text_;
    std::variant<Every, Cron> rule_;
    const date::time_zone* zone_ = nullptr;  // null: the process's local time zone
    std::string zone_name_;
};

}  // namespace gaia::jobfile
