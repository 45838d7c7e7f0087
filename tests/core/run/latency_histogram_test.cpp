// The latency histogram of the JSON report: percentiles within 1% of the sample's, and
// histograms of parts that add up to the histogram of the whole.

#include "core/run/latency_histogram.hpp"
#include "core/run/results.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

TEST_SUITE_BEGIN("unit");

using gaia::run::LatencyHistogram;

TEST_CASE("latency histogram: percentiles within 1% of the exact ones, over nine decades") {
    std::mt19937_64 random(42);
    std::uniform_real_distribution<double> exponent(-6.5, 2.5);  // 0.3 us .. 300 s
    for (int round = 0; round < 20; ++round) {
        std::vector<float> sample(static_cast<std::size_t>(1 + round * 500));
        for (auto& s : sample) s = static_cast<float>(std::pow(10.0, exponent(random)));
        const auto h = LatencyHistogram::of(sample);
        CHECK(h.count() == sample.size());
        for (double q : {0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
            const double exact = gaia::run::percentile(sample, q);
            const double read = h.percentile(q);
            CAPTURE(q);
            CAPTURE(exact);
            if (exact <= LatencyHistogram::kFloorS) CHECK(read <= LatencyHistogram::kFloorS);
            else CHECK(std::abs(read - exact) <= exact * 0.01 + 1e-12);
        }
        CHECK(h.max_s() == doctest::Approx(*std::max_element(sample.begin(), sample.end())));
    }
    CHECK(LatencyHistogram().percentile(0.5) == 0);
    CHECK(LatencyHistogram::of({0.25f}).percentile(0.95) == doctest::Approx(0.25));  // one value reads back exactly
}

TEST_CASE("latency histogram: the parts' histograms add up to the whole's, also through JSON") {
    std::mt19937_64 random(7);
    std::lognormal_distribution<double> seconds(-3, 1.5);
    std::vector<float> all, first, second;
    for (int i = 0; i < 5000; ++i) {
        const auto s = static_cast<float>(seconds(random));
        all.push_back(s);
        (i % 3 == 0 ? first : second).push_back(s);
    }
    std::string error;
    auto merged = LatencyHistogram::from_json(nlohmann::json::parse(LatencyHistogram::of(first).to_json().dump()), &error);
    REQUIRE_MESSAGE(merged, error);
    const auto other = LatencyHistogram::from_json(nlohmann::json::parse(LatencyHistogram::of(second).to_json().dump()), &error);
    REQUIRE(other);
    merged->merge(*other);
    CHECK(merged->to_json() == LatencyHistogram::of(all).to_json());
    for (double q : {0.5, 0.95, 0.99}) CHECK(merged->percentile(q) == LatencyHistogram::of(all).percentile(q));

    for (const char* bad : {R"({"growth":1.1,"floor_s":1e-6,"min_s":0,"max_s":0,"buckets":[]})", R"([])",
                            R"({"growth":1.02,"floor_s":1e-6,"min_s":0,"max_s":1,"buckets":[[1]]})"}) {
        error.clear();
        CHECK_FALSE(LatencyHistogram::from_json(nlohmann::json::parse(bad), &error));
        CHECK(!error.empty());
    }
}

TEST_SUITE_END();
