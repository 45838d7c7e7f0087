#include "core/jobfile/values.hpp"

#include <doctest/doctest.h>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::jobfile;
using namespace std::chrono_literals;

TEST_CASE("durations parse in every unit and combination") {
    std::string error;
    CHECK(parse_duration("250ms", &error) == Duration(250ms));
    CHECK(parse_duration("5s", &error) == Duration(5s));
    CHECK(parse_duration("2m", &error) == Duration(2min));
    CHECK(parse_duration("1h30m", &error) == Duration(90min));
    CHECK(parse_duration("1d", &error) == Duration(24h));
    CHECK(parse_duration("1.5s", &error) == Duration(1500ms));
    CHECK(parse_duration("0s", &error) == Duration(0));
}

TEST_CASE("bad durations say what is wrong") {
    std::string error;
    CHECK_FALSE(parse_duration("5", &error));
    CHECK(error.find("missing unit") != std::string::npos);
    CHECK_FALSE(parse_duration("5x", &error));
    CHECK(error.find("unknown unit `x`") != std::string::npos);
    CHECK_FALSE(parse_duration("", &error));
    CHECK_FALSE(parse_duration("s", &error));
    CHECK_FALSE(parse_duration("99999999999d", &error));
    CHECK(error.find("too long") != std::string::npos);
}

TEST_CASE("sizes parse binary and SI units") {
    std::string error;
    CHECK(parse_size("512B", &error) == 512u);
    CHECK(parse_size("64KiB", &error) == 64u * 1024);
    CHECK(parse_size("10MiB", &error) == 10u * 1024 * 1024);
    CHECK(parse_size("1GiB", &error) == 1024ull * 1024 * 1024);
    CHECK(parse_size("10MB", &error) == 10'000'000u);
    CHECK_FALSE(parse_size("10 parsecs", &error));
    CHECK_FALSE(parse_size("MiB", &error));
}

TEST_CASE("rates are per second") {
    std::string error;
    CHECK(parse_rate("100/s", &error)->per_second == doctest::Approx(100));
    CHECK(parse_rate("6000/m", &error)->per_second == doctest::Approx(100));
    CHECK(parse_rate("10/h", &error)->per_second == doctest::Approx(10.0 / 3600));
    CHECK_FALSE(parse_rate("100", &error));
    CHECK_FALSE(parse_rate("0/s", &error));
    CHECK_FALSE(parse_rate("5/y", &error));
}

TEST_CASE("bandwidths are bytes per second") {
    std::string error;
    CHECK(*parse_bandwidth("10MiB/s", &error) == doctest::Approx(10.0 * 1024 * 1024));
    CHECK(*parse_bandwidth("600KB/m", &error) == doctest::Approx(10'000));
    CHECK_FALSE(parse_bandwidth("10MiB", &error));
    CHECK(error.find("expected SIZE/UNIT") != std::string::npos);
    CHECK_FALSE(parse_bandwidth("0B/s", &error));
    CHECK_FALSE(parse_bandwidth("1MiB/y", &error));
    CHECK_FALSE(parse_bandwidth("fast/s", &error));
}

TEST_CASE("durations print back in their shortest form") {
    CHECK(format_duration(Duration(1500ms)) == "1.5s");
    CHECK(format_duration(Duration(90min)) == "1h30m");
    CHECK(format_duration(Duration(250ms)) == "250ms");
    CHECK(format_duration(Duration(48h)) == "2d");
}

TEST_CASE("numbers beyond a double are refused or read as zero, never thrown") {
    // Found by the values fuzz target: std::stod threw out_of_range for 400 digits and
    // the exception ended gaia.
    const std::string huge(400, '9');
    const std::string tiny = "0." + std::string(400, '0') + "1";
    std::string error;
    CHECK_FALSE(parse_duration(huge + "s", &error));
    CHECK(error.find("too long") != std::string::npos);
    CHECK(parse_duration(tiny + "s", &error) == Duration(0));
    CHECK_FALSE(parse_size(huge + "KiB", &error));
    CHECK(error.find("too large") != std::string::npos);
    CHECK(parse_size(tiny + "B", &error) == 0u);
    CHECK_FALSE(parse_rate(huge + "/s", &error));
    CHECK(error.find("too large") != std::string::npos);
    CHECK_FALSE(parse_rate(tiny + "/s", &error));  // zero: not a positive count
    CHECK_FALSE(parse_bandwidth(huge + "B/s", &error));
}

TEST_SUITE_END();
