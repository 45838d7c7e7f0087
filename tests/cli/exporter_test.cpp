// gaia as an exporter: `export` publishes captures as gauges, and the --metrics-file of a
// cron run reaches Prometheus through node_exporter's textfile collector.

#include "tests/support/curl.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <thread>
#include <string>

using namespace gaia::test;

namespace {

const char* kExporting = R"T([jobs.queue]
kind = "process"
command = ["echo", " 42 "]
capture.depth = "stdout"
export = { app_queue_depth = "depth" }

[jobs.ratio]
kind = "process"
command = ["echo", "-1.5e-3"]
capture.value = "stdout"
export = { app_ratio = "value", app_ratio_copy = "value" }

[jobs.words]
kind = "process"
command = ["echo", "not a number"]
capture.text = "stdout"
export = { app_words = "text" }
)T";

}  // namespace

TEST_CASE("export publishes numeric captures as gauges with the job's name — a non-number is a warning") {
    TempDir dir;
    auto run = run_with_metrics(dir, kExporting);
    INFO(run.out.err);
    CHECK(run.out.exit_code == 0);
    CHECK(metric_value(run.metrics, "app_queue_depth{job=\"queue\"}") == 42);
    CHECK(metric_value(run.metrics, "app_ratio{job=\"ratio\"}") == doctest::Approx(-0.0015));
    CHECK(metric_value(run.metrics, "app_ratio_copy{job=\"ratio\"}") == doctest::Approx(-0.0015));
    CHECK(run.metrics.find("# TYPE app_queue_depth gauge") != std::string::npos);
    CHECK(run.metrics.find("app_words") == std::string::npos);
    CHECK(run.out.err.find("job `words`: export `app_words`: capture `text` is not a number: \"not a number\"") !=
          std::string::npos);
    auto lint = run_program({"promtool", "check", "metrics"}, run.metrics);
    INFO(lint.out, lint.err);
    CHECK(lint.exit_code == 0);
}

TEST_CASE("cron + textfile: gaia run --metrics-file into node_exporter's textfile directory") {
    TempDir dir;
    const auto textfiles = dir.path() / "textfile";
    std::filesystem::create_directories(textfiles);
    const auto prom = (textfiles / "gaia.prom").string();
    // What cron runs: a one-shot run that leaves its final metrics, written atomically.
    auto run = run_gaia({"run", dir.file("jobs.toml", kExporting), "-q", "--metrics-file", prom});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    // No temporary file is left beside it for the collector to trip over.
    int files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(textfiles)) ++files;
    CHECK(files == 1);

    const ListenAddress exporter_at;
    BackgroundProcess exporter({"prometheus-node-exporter", "--collector.disable-defaults", "--collector.textfile",
                                "--collector.textfile.directory=" + textfiles.string(),
                                "--web.listen-address=" + exporter_at.address},
                               dir.path(), "node_exporter");
    const std::string url = exporter_at.base + "/metrics";
    std::string metrics;
    REQUIRE_MESSAGE(eventually([&] {
                        metrics = curl({url}).out;
                        return metrics.find("app_queue_depth") != std::string::npos;
                    }),
                    exporter.err());
    CHECK(metrics.find("app_queue_depth{job=\"queue\"} 42") != std::string::npos);
    CHECK(metrics.find("gaia_tasks_total{job=\"queue\",kind=\"process\",status=\"passed\"} 1") != std::string::npos);
    CHECK(metrics.find("gaia_build_info{version=") != std::string::npos);
    // node_exporter read the file without complaint.
    CHECK(metrics.find("node_textfile_scrape_error 0") != std::string::npos);
    exporter.signal(SIGTERM);
    CHECK(exporter.wait(20) >= 0);
}

TEST_CASE("staleness: the last successes survive a failed run in the metrics file, and node_exporter serves them") {
    TempDir dir;
    const auto textfiles = dir.path() / "textfile";
    std::filesystem::create_directories(textfiles);
    const auto prom = (textfiles / "nightly.prom").string();
    const auto file = [&](const char* verdict) {
        return dir.file("nightly.toml", std::string("[settings]\nstale_after = \"26h\"\n[jobs.backup]\nkind = \"process\"\n"
                                                    "command = [\"") + verdict + "\"]\n[jobs.always]\nkind = \"process\"\ncommand = [\"true\"]\n");
    };
    auto value = [&](const std::string& series) {
        const auto text = read_file(prom);
        const auto at = text.find("\n" + series + " ");
        REQUIRE_MESSAGE(at != std::string::npos, series);
        return std::stod(text.substr(at + series.size() + 2));
    };
    const double before = static_cast<double>(std::time(nullptr));
    REQUIRE(run_gaia({"run", "-q", "--metrics-file", prom, file("true")}).exit_code == 0);
    const double passed_at = value("gaia_run_last_success_timestamp_seconds{run=\"nightly\"}");
    CHECK(passed_at >= before - 1);
    CHECK(value("gaia_run_last_timestamp_seconds{run=\"nightly\"}") == passed_at);
    const double backup_at = value("gaia_job_last_success_timestamp_seconds{job=\"backup\"}");
    CHECK(backup_at >= before - 1);
    CHECK(value("gaia_run_stale_after_seconds{run=\"nightly\"}") == 26 * 3600);

    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    REQUIRE(run_gaia({"run", "-q", "--metrics-file", prom, file("false")}).exit_code == 1);
    // The failed run moved the last run on, and kept the last successes as they were.
    CHECK(value("gaia_run_last_timestamp_seconds{run=\"nightly\"}") > passed_at);
    CHECK(value("gaia_run_last_success_timestamp_seconds{run=\"nightly\"}") == passed_at);
    CHECK(value("gaia_job_last_success_timestamp_seconds{job=\"backup\"}") == backup_at);
    CHECK(value("gaia_job_last_success_timestamp_seconds{job=\"always\"}") > backup_at);

    const ListenAddress exporter_at;
    BackgroundProcess exporter({"prometheus-node-exporter", "--collector.disable-defaults", "--collector.textfile",
                                "--collector.textfile.directory=" + textfiles.string(),
                                "--web.listen-address=" + exporter_at.address},
                               dir.path(), "node_exporter");
    std::string metrics;
    REQUIRE_MESSAGE(eventually([&] {
                        metrics = curl({exporter_at.base + "/metrics"}).out;
                        return metrics.find("gaia_run_last_success_timestamp_seconds") != std::string::npos;
                    }),
                    exporter.err());
    CHECK(metrics.find("gaia_run_last_success_timestamp_seconds{run=\"nightly\"}") != std::string::npos);
    CHECK(metrics.find("gaia_job_last_success_timestamp_seconds{job=\"backup\"}") != std::string::npos);
    CHECK(metrics.find("node_textfile_scrape_error 0") != std::string::npos);
    exporter.signal(SIGTERM);
    CHECK(exporter.wait(20) >= 0);
}
