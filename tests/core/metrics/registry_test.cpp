#include "core/metrics/registry.hpp"
#include "core/metrics/self_metrics.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

using namespace gaia;

TEST_CASE("the text exposition has HELP, TYPE, escaped labels and cumulative buckets") {
    metrics::Registry r;
    r.counter("gaia_x_total", "Things.", {"job"}).with({"a\"b\\c\nd"}).inc(3);
    auto& h = r.histogram("gaia_d_seconds", "Durations.", {}, {0.1, 1}).with(metrics::LabelValues{});
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    const auto text = r.expose();
    CHECK(text.find("# HELP gaia_x_total Things.\n# TYPE gaia_x_total counter\n") != std::string::npos);
    CHECK(text.find("gaia_x_total{job=\"a\\\"b\\\\c\\nd\"} 3\n") != std::string::npos);
    CHECK(text.find("gaia_d_seconds_bucket{le=\"0.1\"} 1\n") != std::string::npos);
    CHECK(text.find("gaia_d_seconds_bucket{le=\"1\"} 2\n") != std::string::npos);
    CHECK(text.find("gaia_d_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
    CHECK(text.find("gaia_d_seconds_count 3\n") != std::string::npos);
    CHECK(text.find("gaia_d_seconds_sum 5.55") != std::string::npos);
}

TEST_CASE("the exposition passes promtool check metrics") {
    metrics::Registry r;
    metrics::register_self_metrics(r);
    r.counter("gaia_tasks_total", "Tasks.", {"job", "kind", "status"}).with({"j", "process", "passed"}).inc();
    r.gauge("gaia_tasks_in_flight", "In flight.", {"kind"}).with({"process"}).set(2);
    r.histogram("gaia_task_duration_seconds", "Durations.", {"job", "kind"}).with({"j", "process"}).observe(0.2);
    test::TempDir dir;
    auto path = dir.file("m.prom", r.expose());
    auto out = test::run_program({"sh", "-c", "promtool check metrics < " + path});
    INFO(out.out, out.err);
    CHECK(out.exit_code == 0);
    CHECK(r.expose().find("process_resident_memory_bytes ") != std::string::npos);
    CHECK(r.expose().find("process_open_fds ") != std::string::npos);
}

TEST_CASE("a metric family asked for twice is one family in the exposition") {
    gaia::metrics::Registry registry;
    registry.counter("gaia_x_total", "X.", {"result"}).with({"hit"}).inc();
    registry.counter("gaia_x_total", "X.", {"result"}).with({"miss"}).inc(2);
    const auto text = registry.expose();
    CHECK(text.find("# TYPE gaia_x_total counter") == text.rfind("# TYPE gaia_x_total counter"));
    CHECK(text.find("gaia_x_total{result=\"hit\"} 1") != std::string::npos);
    CHECK(text.find("gaia_x_total{result=\"miss\"} 2") != std::string::npos);
    CHECK_THROWS_AS(registry.counter("gaia_x_total", "X.", {"other"}), std::logic_error);
}
