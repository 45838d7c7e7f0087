// Schedules against known next-fire times, in UTC and across daylight-saving changes.

#include "core/jobfile/schedule.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using gaia::jobfile::Schedule;

namespace {

// The local time zone for one test (TZ, as users set it).
class LocalZone {
public:
    explicit LocalZone(const char* zone) {
        if (const char* old = std::getenv("TZ")) old_ = old, had_ = true;
        ::setenv("TZ", zone, 1);
        ::tzset();
    }
    ~LocalZone() {
        if (had_) ::setenv("TZ", old_.c_str(), 1);
        else ::unsetenv("TZ");
        ::tzset();
    }

private:
    std::string old_;
    bool had_ = false;
};

Schedule::Clock::time_point utc(const char* text) {
    std::tm tm{};
    REQUIRE(std::sscanf(text, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                        &tm.tm_sec) == 6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return Schedule::Clock::from_time_t(::timegm(&tm));
}

std::string utc_text(std::optional<Schedule::Clock::time_point> t) {
    if (!t) return "never";
    const std::time_t s = Schedule::Clock::to_time_t(*t);
    std::tm tm{};
    ::gmtime_r(&s, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string next(const char* schedule, const char* after_utc) {
    std::string error;
    auto s = Schedule::parse(schedule, &error);
    REQUIRE_MESSAGE(s, error);
    return utc_text(s->next_after(utc(after_utc)));
}

}  // namespace

TEST_CASE("cron lines and aliases against known next-fire times (UTC)") {
    LocalZone zone("UTC");
    struct Row {
        const char* schedule;
        const char* after;
        const char* expected;
    };
    const Row rows[] = {
        {"*/15 * * * *", "2026-03-10 10:07:00", "2026-03-10 10:15:00"},
        {"*/15 * * * *", "2026-03-10 10:15:00", "2026-03-10 10:30:00"},  // strictly after
        {"*/15 * * * *", "2026-03-10 10:14:59", "2026-03-10 10:15:00"},
        {"0 9 * * mon-fri", "2026-03-13 10:00:00", "2026-03-16 09:00:00"},  // Friday -> Monday
        {"0 9 * * MON-FRI", "2026-03-14 08:00:00", "2026-03-16 09:00:00"},  // names in any case
        {"0 0 1 jan *", "2026-03-10 00:00:00", "2027-01-01 00:00:00"},
        {"0 0 29 2 *", "2026-03-01 00:00:00", "2028-02-29 00:00:00"},      // the next leap day
        {"0 0 13 * fri", "2026-01-01 00:00:00", "2026-01-02 00:00:00"},    // either day field
        // Vixie cron: a day field written with a leading `*` is no restriction for that
        // rule, so both must hold: odd days that are Fridays (2026-01-09), not every Friday.
        {"0 0 */2 * fri", "2026-01-01 00:00:00", "2026-01-09 00:00:00"},
        {"0 0 13 * */2", "2026-01-01 00:00:00", "2026-01-13 00:00:00"},    // a Tuesday; either rule would say the 3rd
        {"0 0 1-31/2 * fri", "2026-01-01 00:00:00", "2026-01-02 00:00:00"},  // no leading `*`: either
        {"0 0 13 * *", "2026-01-01 00:00:00", "2026-01-13 00:00:00"},
        {"10-30/10 * * * *", "2026-03-10 10:25:00", "2026-03-10 10:30:00"},
        {"10-30/10 * * * *", "2026-03-10 10:30:00", "2026-03-10 11:10:00"},
        {"5/20 * * * *", "2026-03-10 10:46:00", "2026-03-10 11:05:00"},   // 5, 25, 45
        {"0 0 * * 7", "2026-03-10 00:00:00", "2026-03-15 00:00:00"},      // 7 is Sunday
        {"0 0 * * sun", "2026-03-10 00:00:00", "2026-03-15 00:00:00"},
        {"1,2,3 4 * * *", "2026-03-10 04:02:00", "2026-03-10 04:03:00"},
        {"0 12 * dec *", "2026-12-31 12:00:00", "2027-12-01 12:00:00"},
        {"59 23 31 12 *", "2026-12-31 23:59:00", "2027-12-31 23:59:00"},
        {"@hourly", "2026-03-10 10:00:00", "2026-03-10 11:00:00"},
        {"@daily", "2026-03-10 10:00:00", "2026-03-11 00:00:00"},
        {"@midnight", "2026-03-10 23:59:59", "2026-03-11 00:00:00"},
        {"@weekly", "2026-03-10 10:00:00", "2026-03-15 00:00:00"},
        {"@monthly", "2026-03-10 10:00:00", "2026-04-01 00:00:00"},
        {"@yearly", "2026-03-10 10:00:00", "2027-01-01 00:00:00"},
        {"@every 90s", "2026-03-10 10:00:00", "2026-03-10 10:01:30"},
        {"@every 1h30m", "2026-03-10 23:00:00", "2026-03-11 00:30:00"},
        {"  */30 * * * *  ", "2026-03-10 10:00:00", "2026-03-10 10:30:00"},  // spaces around
    };
    for (const auto& row : rows) {
        INFO(row.schedule, " after ", row.after);
        CHECK(next(row.schedule, row.after) == row.expected);
    }
}

TEST_CASE("cron across daylight-saving changes: a skipped time fires at the jump, a repeated one once") {
    SUBCASE("New York, spring forward: 02:00 EST becomes 03:00 EDT on 2026-03-08") {
        LocalZone zone("America/New_York");
        // 02:30 does not exist that night: it fires at the jump, 03:00 EDT (07:00Z).
        CHECK(next("30 2 * * *", "2026-03-08 05:00:00") == "2026-03-08 07:00:00");
        CHECK(next("30 2 * * *", "2026-03-08 07:00:00") == "2026-03-09 06:30:00");  // 02:30 EDT the next day
        // Every 10 minutes: the six times of the gap fire once, at the jump.
        CHECK(next("*/10 * * * *", "2026-03-08 06:55:00") == "2026-03-08 07:00:00");
        CHECK(next("*/10 * * * *", "2026-03-08 07:00:00") == "2026-03-08 07:10:00");  // 03:10 EDT
        CHECK(next("0 3 * * *", "2026-03-08 05:00:00") == "2026-03-08 07:00:00");     // 03:00 EDT exists
        CHECK(next("@daily", "2026-03-07 12:00:00") == "2026-03-08 05:00:00");       // midnight EST
        CHECK(next("@daily", "2026-03-08 05:00:00") == "2026-03-09 04:00:00");       // midnight EDT
    }
    SUBCASE("New York, fall back: 02:00 EDT becomes 01:00 EST on 2026-11-01") {
        LocalZone zone("America/New_York");
        // 01:30 happens twice: it fires at the first (EDT, 05:30Z), not at the second.
        CHECK(next("30 1 * * *", "2026-11-01 04:00:00") == "2026-11-01 05:30:00");
        CHECK(next("30 1 * * *", "2026-11-01 05:30:00") == "2026-11-02 06:30:00");
        // Hourly: 01:00 EDT, then 02:00 EST — the repeated 01:00 does not run again.
        CHECK(next("0 * * * *", "2026-11-01 04:30:00") == "2026-11-01 05:00:00");
        CHECK(next("0 * * * *", "2026-11-01 05:00:00") == "2026-11-01 07:00:00");
        // Started inside the repeated hour, gaia still fires at the next matching time.
        CHECK(next("45 1 * * *", "2026-11-01 06:10:00") == "2026-11-01 06:45:00");
        // @every ignores the clock: 90 minutes are 90 minutes.
        CHECK(next("@every 90m", "2026-11-01 05:00:00") == "2026-11-01 06:30:00");
    }
    SUBCASE("Berlin, spring forward: 02:00 CET becomes 03:00 CEST on 2026-03-29") {
        LocalZone zone("Europe/Berlin");
        CHECK(next("15 2 * * *", "2026-03-28 23:00:00") == "2026-03-29 01:00:00");  // at the jump
        CHECK(next("15 2 * * *", "2026-03-29 01:00:00") == "2026-03-30 00:15:00");  // 02:15 CEST
        CHECK(next("0 9 * * *", "2026-03-28 09:00:00") == "2026-03-29 07:00:00");   // 09:00 CEST
    }
    SUBCASE("Lord Howe Island moves its clock by 30 minutes") {
        LocalZone zone("Australia/Lord_Howe");
        // 2026-10-04 02:00 +10:30 becomes 02:30 +11:00 (15:30Z the day before).
        CHECK(next("15 2 * * *", "2026-10-03 15:00:00") == "2026-10-03 15:30:00");
        CHECK(next("45 2 * * *", "2026-10-03 15:00:00") == "2026-10-03 15:45:00");  // 02:45 +11:00 exists
    }
}

TEST_CASE("bad schedules say what is wrong") {
    auto problem = [](const char* text) {
        std::string error;
        auto s = Schedule::parse(text, &error);
        CHECK_FALSE(s);
        return error;
    };
    CHECK(problem("61 * * * *") == "minute 61 is out of range 0-59");
    CHECK(problem("* 24 * * *") == "hour 24 is out of range 0-23");
    CHECK(problem("* * 0 * *") == "day-of-month 0 is out of range 1-31");
    CHECK(problem("* * * 13 *") == "month 13 is out of range 1-12");
    CHECK(problem("* * * * 8") == "day-of-week 8 is out of range 0-7");
    CHECK(problem("* * *") == "a cron line has 5 fields (minute hour day-of-month month day-of-week), this one has 3");
    CHECK(problem("* * * * * *").find("this one has 6") != std::string::npos);
    CHECK(problem("30-10 * * * *") == "minute: the range `30-10` goes backwards");
    CHECK(problem("*/0 * * * *").find("minute: the step `0` must be a number from 1 to 60") == 0);
    CHECK(problem("* * * smarch *").find("month: `smarch` is neither a number nor a name") == 0);
    CHECK(problem("1,,2 * * * *") == "minute: a value is missing");
    CHECK(problem("@sometimes").find("unknown schedule `@sometimes`") == 0);
    CHECK(problem("@every 500ms").find("`@every` takes a duration of at least 1s") == 0);
    CHECK(problem("@every soon").find("`@every` takes a duration of at least 1s") == 0);
    CHECK(problem("@every 3651d") == "`@every` takes at most 3650d (ten years)");
    CHECK(problem("@every 30s3us3132323392s") == "`@every` takes at most 3650d (ten years)");
    CHECK(problem("") .find("a cron line has 5 fields") == 0);
    // Dates that never come.
    CHECK(problem("0 0 31 4 *") == "`0 0 31 4 *` never fires: April has no day 31");
    CHECK(problem("0 0 30,31 feb *") == "`0 0 30,31 feb *` never fires: February has no day 30");
    CHECK(problem("0 0 31 4,6,9,11 *") == "`0 0 31 4,6,9,11 *` never fires: no month it names has a day it names");
    // ... but a leap day, a 31st in a list with a long month, or a weekday alternative do come.
    for (const char* fine : {"0 0 29 2 *", "0 0 31 4,5 *", "0 0 31 4 mon", "0 0 * 2 *"}) {
        std::string error;
        CHECK_MESSAGE(Schedule::parse(fine, &error), fine, ": ", error);
    }
}

TEST_SUITE_END();
