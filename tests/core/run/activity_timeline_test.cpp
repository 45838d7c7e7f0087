// A job's activity over the run, in bins: what the HTML report's timeline draws. Counts and
// instance-seconds are kept exactly as bins widen and merge; the JSON form reads back.

#include "core/run/activity_timeline.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <random>

TEST_SUITE_BEGIN("unit");

using gaia::run::ActivityTimeline;

namespace {

ActivityTimeline::Bin total(const ActivityTimeline& t) {
    ActivityTimeline::Bin sum;
    for (const auto& b : t.bins()) {
        sum.started += b.started;
        sum.failed += b.failed;
        sum.retried += b.retried;
        sum.busy_s += b.busy_s;
    }
    return sum;
}

}  // namespace

TEST_CASE("activity timeline: instances land in the bins they started and ended in, their time spread over the bins between") {
    ActivityTimeline t;
    t.add(0.0101, 0.0125, false, false);  // 1 ms bins while the run is short
    CHECK(t.width_s() == doctest::Approx(0.001));
    REQUIRE(t.bins().size() == 13);
    CHECK(t.bins()[10].started == 1);
    CHECK(t.bins()[10].busy_s == doctest::Approx(0.0009));
    CHECK(t.bins()[11].busy_s == doctest::Approx(0.001));
    CHECK(t.bins()[12].busy_s == doctest::Approx(0.0005));
    CHECK(t.bins()[12].started == 0);

    // An instance ending at 2 s: 256 bins of 1 ms do not reach, 256 of 8 ms do.
    t.add(1.0, 2.0, true, true);
    CHECK(t.width_s() == doctest::Approx(0.008));
    CHECK(t.bins().size() <= ActivityTimeline::kMaxBins);
    CHECK(t.bins()[1].started == 1);  // the first one's 10.1 ms is in bin 1 now
    CHECK(t.bins()[125].started == 1);
    CHECK(t.bins()[250].failed == 1);
    CHECK(t.bins()[250].retried == 1);
    const auto sum = total(t);
    CHECK(sum.started == 2);
    CHECK(sum.failed == 1);
    CHECK(sum.busy_s == doctest::Approx(1.0024));

    // Nonsense times are not counted; an end before the start is an instant.
    t.add(std::numeric_limits<double>::quiet_NaN(), 1, false, false);
    t.add(0.5, 0.4, false, false);
    CHECK(total(t).started == 3);
    CHECK(total(t).busy_s == doctest::Approx(1.0024));
}

TEST_CASE("activity timeline: a day of 100,000 instances keeps 256 bins and every count") {
    std::mt19937_64 random(7);
    std::uniform_real_distribution<double> start(0, 86400), length(0, 30);
    ActivityTimeline t;
    double busy = 0;
    for (int i = 0; i < 100000; ++i) {
        const double s = start(random), d = length(random);
        t.add(s, s + d, i % 10 == 0, i % 7 == 0);
        busy += d;
    }
    CHECK(t.bins().size() <= ActivityTimeline::kMaxBins);
    CHECK(t.width_s() * ActivityTimeline::kMaxBins > 86430);
    CHECK(t.width_s() < 86430.0 / 128);  // no wider than it needs
    const auto sum = total(t);
    CHECK(sum.started == 100000);
    CHECK(sum.failed == 10000);
    CHECK(sum.retried == 14286);
    CHECK(sum.busy_s == doctest::Approx(busy).epsilon(1e-9));
}

TEST_CASE("activity timeline: two shards merge bin into bin, the later one shifted by its start") {
    ActivityTimeline a, b;
    a.add(0, 0.5, false, false);     // 2 ms bins
    b.add(0.1, 3.0, true, false);    // 16 ms bins
    b.add(0.2, 0.3, false, true);
    ActivityTimeline both = a;
    both.merge(b, 10.0);  // shard 2 began 10 s after shard 1
    CHECK(both.width_s() >= b.width_s());
    CHECK(both.width_s() * ActivityTimeline::kMaxBins > 13.0);
    const auto sum = total(both);
    CHECK(sum.started == 3);
    CHECK(sum.failed == 1);
    CHECK(sum.retried == 1);
    CHECK(sum.busy_s == doctest::Approx(0.5 + 2.9 + 0.1));
    // Shard 2's instances are after 10 s, shard 1's before.
    double before = 0;
    for (std::size_t i = 0; i < both.bins().size(); ++i) {
        if ((static_cast<double>(i) + 1) * both.width_s() <= 10.0) before += both.bins()[i].busy_s;
    }
    CHECK(before == doctest::Approx(0.5));
}

TEST_CASE("activity timeline: the JSON form reads back, and what is not one is refused with why") {
    ActivityTimeline t;
    t.add(0.25, 0.75, true, true);
    t.add(3, 4, false, false);
    const auto j = t.to_json();
    std::string error;
    const auto back = ActivityTimeline::from_json(nlohmann::json::parse(j.dump()), &error);
    REQUIRE(back);
    CHECK(back->width_s() == t.width_s());
    CHECK(back->to_json() == j);
    // Only the bins with something in them are written.
    CHECK(j["bins"].size() < t.bins().size());

    for (const char* bad : {R"({"bin_s": 0.003, "bins": []})", R"({"bin_s": 0.001, "bins": [[256, 1, 0, 0, 0]]})",
                            R"({"bin_s": 0.001, "bins": [[1, -1, 0, 0, 0]]})", R"({"bin_s": 0.001, "bins": [[1, 1, 0, 0]]})",
                            R"({"bins": []})", R"([])"}) {
        CAPTURE(bad);
        error.clear();
        CHECK_FALSE(ActivityTimeline::from_json(nlohmann::json::parse(bad), &error));
        CHECK(error.find("not an activity timeline: ") == 0);
    }
}
