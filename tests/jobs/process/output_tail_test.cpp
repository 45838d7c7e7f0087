#include "jobs/process/output_tail.hpp"
#include "core/text/signal_names.hpp"

#include <doctest/doctest.h>

#include <csignal>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::jobs::process;

TEST_CASE("OutputTail keeps the last bytes and counts them all") {
    OutputTail tail(8);
    tail.append("0123");
    CHECK(tail.str() == "0123");
    tail.append("456789abcdef");
    CHECK(tail.str() == "89abcdef");
    for (int i = 0; i < 1000; ++i) tail.append("xyz");
    CHECK(tail.str().size() == 8);
    CHECK(tail.total_bytes() == 16 + 3000);
    CHECK(tail.truncated());
}

TEST_CASE("LineSplitter passes whole lines, splits very long ones, flushes the rest") {
    std::vector<std::string> lines;
    LineSplitter split([&](std::string_view l) { lines.emplace_back(l); }, 4);
    split.feed("ab\ncd");
    split.feed("e\n");
    split.feed("123456789");
    split.finish();
    CHECK(lines == std::vector<std::string>{"ab", "cde", "1234", "5678", "9"});
}

TEST_CASE("signal names parse in every spelling") {
    CHECK(gaia::text::parse_signal("SIGTERM") == SIGTERM);
    CHECK(gaia::text::parse_signal("TERM") == SIGTERM);
    CHECK(gaia::text::parse_signal("9") == SIGKILL);
    CHECK_FALSE(gaia::text::parse_signal("SIGFOO"));
    CHECK_FALSE(gaia::text::parse_signal("99"));
    CHECK(gaia::text::signal_name(SIGINT) == "SIGINT");
}

TEST_SUITE_END();
