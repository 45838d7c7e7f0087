#include "core/jobfile/schedule.hpp"

#include "core/jobfile/suggest.hpp"
#include "core/jobfile/values.hpp"

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <ctime>
#include <vector>

namespace gaia::jobfile {
namespace {

using Clock = Schedule::Clock;

struct FieldSpec {
    const char* name;
    int min, max;
    std::vector<std::string_view> names;  // names[i] is value min + i (months) or i (weekdays)
};

const std::array<FieldSpec, 5>& field_specs() {
    static const std::array<FieldSpec, 5> specs = {{
        {"minute", 0, 59, {}},
        {"hour", 0, 23, {}},
        {"day-of-month", 1, 31, {}},
        {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
        // 7 is Sunday too, as in every cron.
        {"day-of-week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
    }};
    return specs;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<int> field_value(std::string_view text, const FieldSpec& spec, std::string* error) {
    if (text.empty()) {
        *error = std::string(spec.name) + ": a value is missing";
        return std::nullopt;
    }
    if (std::isdigit(static_cast<unsigned char>(text[0]))) {
        int v = 0;
        for (char c : text) {
            if (!std::isdigit(static_cast<unsigned char>(c)) || v > 1000) {
                *error = std::string(spec.name) + ": `" + std::string(text) + "` is not a number";
                return std::nullopt;
            }
            v = v * 10 + (c - '0');
        }
        if (v < spec.min || v > spec.max) {
            *error = std::string(spec.name) + " " + std::to_string(v) + " is out of range " + std::to_string(spec.min) +
                     "-" + std::to_string(spec.max);
            return std::nullopt;
        }
        return v;
    }
    const auto name = lower(text);
    for (std::size_t i = 0; i < spec.names.size(); ++i) {
        if (spec.names[i] == name) return static_cast<int>(i) + (spec.min == 1 ? 1 : 0);
    }
    *error = std::string(spec.name) + ": `" + std::string(text) + "` is neither a number nor a " +
             (spec.names.empty() ? std::string("name it takes") : "name such as " + std::string(spec.names[0]));
    return std::nullopt;
}

// One field: `*`, `*/n`, `a`, `a-b`, `a-b/n`, `a/n` (from a to the end), lists of these.
std::optional<std::uint64_t> parse_field(std::string_view text, const FieldSpec& spec, std::string* error) {
    std::uint64_t bits = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
        std::string_view range = item;
        int step = 1;
        if (auto slash = item.find('/'); slash != std::string_view::npos) {
            range = item.substr(0, slash);
            const auto step_text = item.substr(slash + 1);
            FieldSpec steps{spec.name, 1, spec.max - spec.min + 1, {}};
            auto s = field_value(step_text, steps, error);
            if (!s) {
                *error = std::string(spec.name) + ": the step `" + std::string(step_text) + "` must be a number from 1 to " +
                         std::to_string(steps.max);
                return std::nullopt;
            }
            step = *s;
        }
        int low = spec.min, high = spec.max;
        if (range != "*") {
            const auto dash = range.find('-');
            auto a = field_value(range.substr(0, dash), spec, error);
            if (!a) return std::nullopt;
            low = *a;
            high = item.find('/') != std::string_view::npos && dash == std::string_view::npos ? spec.max : *a;
            if (dash != std::string_view::npos) {
                auto b = field_value(range.substr(dash + 1), spec, error);
                if (!b) return std::nullopt;
                high = *b;
            }
            if (low > high) {
                *error = std::string(spec.name) + ": the range `" + std::string(range) + "` goes backwards";
                return std::nullopt;
            }
        }
        for (int v = low; v <= high; v += step) bits |= 1ull << v;
    }
    return bits;
}

// Local wall-clock time as seconds since the epoch read as UTC: civil arithmetic and
// comparison without time zones.
std::int64_t civil_of(std::time_t t) {
    std::tm tm{};
    ::localtime_r(&t, &tm);
    return static_cast<std::int64_t>(::timegm(&tm));
}

// The clock a cron line is read on: the process's local time (the C library's, as cron
// reads it) or a named zone.
class WallClock {
public:
    explicit WallClock(const date::time_zone* zone) : zone_(zone) {}

    std::int64_t civil(std::time_t t) const {
        if (!zone_) return civil_of(t);
        return zone_->to_local(date::sys_seconds(std::chrono::seconds(t))).time_since_epoch().count();
    }

    // The first instant after `after` at which the clock shows `civil`, whose fields are `tm`
    // (a time shown twice fires at its first showing); for a time the spring change skips,
    // the instant of the jump. None when that is not after `after`.
    std::optional<std::time_t> instant(std::int64_t civil_time, const std::tm& tm, std::time_t after) const {
        return zone_ ? in_zone(civil_time, after) : in_local(civil_time, tm, after);
    }

private:
    std::optional<std::time_t> in_zone(std::int64_t civil_time, std::time_t after) const {
        const auto info = zone_->get_info(date::local_seconds(std::chrono::seconds(civil_time)));
        std::optional<std::time_t> best;
        auto consider = [&](std::time_t t) {
            if (t > after && (!best || t < *best)) best = t;
        };
        switch (info.result) {
        case date::local_info::unique:
            consider(static_cast<std::time_t>(civil_time - info.first.offset.count()));
            break;
        case date::local_info::ambiguous:
            consider(static_cast<std::time_t>(civil_time - info.first.offset.count()));
            consider(static_cast<std::time_t>(civil_time - info.second.offset.count()));
            break;
        case date::local_info::nonexistent:
            consider(static_cast<std::time_t>(info.second.begin.time_since_epoch().count()));
            break;
        }
        return best;
    }

    std::optional<std::time_t> in_local(std::int64_t civil_time, const std::tm& tm, std::time_t after) const {
        std::optional<std::time_t> best;
        std::array<std::time_t, 2> readings{};
        for (int dst = 0; dst < 2; ++dst) {
            std::tm local = tm;
            local.tm_isdst = dst;
            readings[static_cast<std::size_t>(dst)] = ::mktime(&local);
            const std::time_t t = readings[static_cast<std::size_t>(dst)];
            if (civil_of(t) == civil_time && t > after && (!best || t < *best)) best = t;
        }
        if (!best && civil_of(readings[0]) != civil_time && civil_of(readings[1]) != civil_time) {
            // In the gap of a clock jumping forward: it fires when the jump happens, the
            // first instant whose local time is past the civil time.
            std::time_t lo = std::min(readings[0], readings[1]), hi = std::max(readings[0], readings[1]);
            while (lo < hi) {
                const std::time_t mid = lo + (hi - lo) / 2;
                if (civil_of(mid) >= civil_time) hi = mid;
                else lo = mid + 1;
            }
            if (lo > after) best = lo;
        }
        return best;
    }

    const date::time_zone* zone_;
};

std::time_t to_time_t(Clock::time_point t) {
    return static_cast<std::time_t>(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

}  // namespace

bool Schedule::Cron::day_matches(int mday, int wday) const {
    const bool dom = (days >> mday) & 1u;
    const bool dow = (weekdays >> wday) & 1u;
    // Vixie cron's rule: when both fields are restricted, either one will do; a field
    // written with a leading `*` (`*`, `*/2`) is not a restriction for this, so both must
    // hold (for `*` that is the other field alone).
    if (any_day || any_weekday) return dom && dow;
    return dom || dow;
}

// Long (about 100 lines) and kept whole: one branch per schedule syntax (@every, the
// @ names, five cron fields), each with its own error, as a reader of gaia-jobs(5) meets them.
std::optional<Schedule> Schedule::parse(std::string_view text, std::string* error) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    Schedule schedule;
    schedule.text_ = std::string(text);
    std::string line(text);
    if (text.rfind("@every", 0) == 0) {
        auto rest = text.substr(6);
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        std::string why;
        auto d = jobfile::parse_duration(rest, &why);
        if (!d || *d < std::chrono::seconds(1)) {
            *error = "`@every` takes a duration of at least 1s, e.g. \"@every 30s\"" + (why.empty() ? "" : ": " + why);
            return std::nullopt;
        }
        // Found by fuzz_values: a century-long interval overflowed the clock's nanoseconds
        // a few runs on. Ten years is beyond any schedule gaia serve will live to run.
        if (*d > std::chrono::hours(24 * 3650)) {
            *error = "`@every` takes at most 3650d (ten years)";
            return std::nullopt;
        }
        schedule.rule_ = Every{std::chrono::duration_cast<std::chrono::seconds>(*d)};
        return schedule;
    }
    if (!text.empty() && text.front() == '@') {
        static const std::array<std::pair<std::string_view, std::string_view>, 7> aliases = {{
            {"@yearly", "0 0 1 1 *"},
            {"@annually", "0 0 1 1 *"},
            {"@monthly", "0 0 1 * *"},
            {"@weekly", "0 0 * * 0"},
            {"@daily", "0 0 * * *"},
            {"@midnight", "0 0 * * *"},
            {"@hourly", "0 * * * *"},
        }};
        const auto found = std::find_if(aliases.begin(), aliases.end(), [&](const auto& a) { return a.first == text; });
        if (found == aliases.end()) {
            *error = "unknown schedule `" + std::string(text) +
                     "` (use @every D, @hourly, @daily, @weekly, @monthly, @yearly or a 5-field cron line)";
            return std::nullopt;
        }
        line = std::string(found->second);
    }
    std::vector<std::string> fields;
    for (std::size_t i = 0; i < line.size();) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        std::size_t j = i;
        while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
        if (j > i) fields.push_back(line.substr(i, j - i));
        i = j;
    }
    if (fields.size() != 5) {
        *error = "a cron line has 5 fields (minute hour day-of-month month day-of-week), this one has " +
                 std::to_string(fields.size());
        return std::nullopt;
    }
    Cron cron;
    std::array<std::uint64_t, 5> bits{};
    for (std::size_t i = 0; i < 5; ++i) {
        auto b = parse_field(fields[i], field_specs()[i], error);
        if (!b) return std::nullopt;
        bits[i] = *b;
    }
    cron.minutes = bits[0];
    cron.hours = static_cast<std::uint32_t>(bits[1]);
    cron.days = static_cast<std::uint32_t>(bits[2]);
    cron.months = static_cast<std::uint32_t>(bits[3]);
    cron.weekdays = static_cast<std::uint32_t>((bits[4] | (bits[4] >> 7)) & 0x7f);  // 7 is Sunday
    cron.any_day = fields[2].front() == '*';
    cron.any_weekday = fields[4].front() == '*';
    // With day-of-week `*` only the day of the month decides (with both set, either one
    // does): "0 0 31 4 *" or "0 0 30 2 *" would never fire, and is an error, not a job
    // that silently never runs.
    if (!cron.any_day && cron.any_weekday) {
        static constexpr std::array<int, 13> kDaysIn = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        static constexpr std::array<const char*, 13> kMonthNames = {
            "", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December"};
        int first_month = 0;
        bool possible = false;
        for (int m = 1; m <= 12 && !possible; ++m) {
            if (!(cron.months >> m & 1u)) continue;
            if (first_month == 0) first_month = m;
            const std::uint64_t month_days = ((std::uint64_t{1} << (kDaysIn[m] + 1)) - 1) & ~std::uint64_t{1};
            possible = (cron.days & month_days) != 0;
        }
        if (!possible) {
            int first_day = 1;
            while (first_day < 31 && !(cron.days >> first_day & 1u)) ++first_day;
            const bool one_month = std::popcount(cron.months) == 1;
            *error = "`" + std::string(text) + "` never fires: " +
                     (one_month ? std::string(kMonthNames[first_month]) + " has no day " + std::to_string(first_day)
                                : "no month it names has a day it names");
            return std::nullopt;
        }
    }
    schedule.rule_ = cron;
    return schedule;
}

std::optional<Clock::time_point> Schedule::next_after(Clock::time_point after) const {
    if (const auto* every = std::get_if<Every>(&rule_)) return after + every->interval;
    return next_cron(std::get<Cron>(rule_), after);
}

bool Schedule::set_zone(std::string_view name, std::string* error) {
    try {
        zone_ = date::locate_zone(name);
        zone_name_ = std::string(name);
        return true;
    } catch (const std::exception&) {
        std::vector<std::string> names;
        try {
            for (const auto& z : date::get_tzdb().zones) names.emplace_back(z.name());
        } catch (const std::exception&) {
            *error = "no time zone `" + std::string(name) + "`: the system's tz database (tzdata) cannot be read";
            return false;
        }
        std::vector<std::string_view> candidates(names.begin(), names.end());
        *error = "no time zone `" + std::string(name) + "` in the tz database" + did_you_mean(name, candidates) +
                 " (an IANA name such as Europe/Berlin or America/New_York)";
        return false;
    }
}

std::optional<Clock::time_point> Schedule::next_cron(const Cron& cron, Clock::time_point after) const {
    const std::time_t after_t = to_time_t(after);
    const WallClock clock(zone_);
    // The next whole minute of the wall clock, in civil seconds.
    std::int64_t civil = clock.civil(after_t) / 60 * 60 + 60;
    const std::int64_t limit = civil + 8ll * 366 * 86400;
    while (civil < limit) {
        std::time_t c = static_cast<std::time_t>(civil);
        std::tm tm{};
        ::gmtime_r(&c, &tm);
        // Skip whole months, days and hours that cannot match, then minutes.
        if (!((cron.months >> (tm.tm_mon + 1)) & 1u)) {
            tm.tm_mon += 1;
            tm.tm_mday = 1;
            tm.tm_hour = tm.tm_min = 0;
            civil = static_cast<std::int64_t>(::timegm(&tm));
            continue;
        }
        if (!cron.day_matches(tm.tm_mday, tm.tm_wday)) {
            civil = (civil / 86400 + 1) * 86400;
            continue;
        }
        if (!((cron.hours >> tm.tm_hour) & 1u)) {
            civil = (civil / 3600 + 1) * 3600;
            continue;
        }
        if (!((cron.minutes >> tm.tm_min) & 1ull)) {
            civil += 60;
            continue;
        }
        // A civil time that matches: the instant that shows it on the wall clock.
        if (auto best = clock.instant(civil, tm, after_t)) return Clock::from_time_t(*best);
        civil += 60;
    }
    return std::nullopt;
}

}  // namespace gaia::jobfile
