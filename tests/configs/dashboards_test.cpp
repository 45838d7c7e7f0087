// configs/grafana_dashboards: the seven dashboards are what generate.py writes, each is a
// well-formed Grafana dashboard with a datasource variable and SLO thresholds, and every
// panel's PromQL parses and returns data in a real Prometheus that scraped a real
// `gaia serve` whose jobs touch every subsystem.

#include "tests/support/curl.hpp"
#include "tests/support/prometheus_server.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>

using namespace gaia::test;

namespace {

std::string source(const std::string& relative) { return std::string(GAIA_SOURCE_DIR) + "/" + relative; }

const std::vector<std::string> kDashboards = {"overview", "api", "file", "browser", "process", "network", "runtime"};

nlohmann::json dashboard(const std::string& name) {
    return nlohmann::json::parse(read_file(source("configs/grafana_dashboards/" + name + ".json")));
}

// The PromQL of every panel of every dashboard, with Grafana's variables filled in as
// Grafana would for "all instances".
std::vector<std::pair<std::string, std::string>> all_queries() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& name : kDashboards) {
        const auto board = dashboard(name);  // a range over a temporary's member would dangle
        for (const auto& panel : board["panels"]) {
            for (const auto& target : panel["targets"]) {
                std::string expr = target["expr"];
                expr = std::regex_replace(expr, std::regex(R"(\$instance)"), ".+");
                expr = std::regex_replace(expr, std::regex(R"(\$__rate_interval)"), "30s");
                out.emplace_back(name + ": " + panel["title"].get<std::string>(), expr);
            }
        }
    }
    return out;
}

}  // namespace

TEST_CASE("the dashboards are what generate.py writes, and each is a Grafana dashboard with SLO thresholds") {
    TempDir out;
    auto gen = run_program({"python3", source("configs/grafana_dashboards/generate.py"), out.path().string()});
    INFO(gen.err);
    REQUIRE(gen.exit_code == 0);
    std::set<std::string> uids;
    int thresholds = 0;
    for (const auto& name : kDashboards) {
        INFO(name);
        CHECK(read_file(out.path() / (name + ".json")) == read_file(source("configs/grafana_dashboards/" + name + ".json")));
        const auto d = dashboard(name);
        CHECK(uids.insert(d["uid"].get<std::string>()).second);
        CHECK(d["title"].get<std::string>().rfind("gaia", 0) == 0);
        const auto& vars = d["templating"]["list"];
        REQUIRE(vars.size() >= 1);
        CHECK(vars[0]["type"] == "datasource");
        CHECK(vars[0]["query"] == "prometheus");
        CHECK(d["panels"].size() >= 5);
        for (const auto& panel : d["panels"]) {
            CHECK(panel["datasource"]["uid"] == "${datasource}");
            CHECK(!panel["targets"].empty());
            const auto& pos = panel["gridPos"];
            CHECK(pos["x"].get<int>() + pos["w"].get<int>() <= 24);
            if (panel["fieldConfig"]["defaults"].contains("thresholds")) ++thresholds;
        }
    }
    CHECK(thresholds >= 20);
    for (const char* file : {"provisioning.yml", "datasource.yml"}) {
        auto parsed = run_program({"python3", "-c", "import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); "
                                                    "print(d['apiVersion'], list(d)[1])",
                                   source(std::string("configs/grafana_dashboards/") + file)});
        INFO(file, parsed.err);
        CHECK(parsed.exit_code == 0);
    }
}

TEST_CASE("every dashboard query parses and returns data from Prometheus scraping gaia serve") {
    TempDir dir;
    const ListenAddress gaia_at;
    const std::string d = dir.path().string();
    // Jobs that touch every subsystem: HTTP to gaia's own endpoint by name (DNS), files,
    // processes (one skipped, one killed by its file_size limit), and a browser page.
    const auto jobs = dir.file("jobs.toml", R"T([network]
dns_cache_ttl = "1m"
[api]
circuit_breaker = { failures = 5, open_for = "30s" }
rate = "100/s"
[jobs.http]
kind = "http"
url = "http://localhost:)T" + std::to_string(gaia_at.port) + R"T(/liveness"
repeat = 5
schedule = "@every 1s"
[jobs.write]
kind = "file"
op = "write"
path = ")T" + d + R"T(/out.txt"
content = "dashboards"
schedule = "@every 1s"
[jobs.sum]
kind = "file"
op = "checksum"
path = ")T" + d + R"T(/out.txt"
schedule = "@every 1s"
[jobs.proc]
kind = "process"
command = ["true"]
schedule = "@every 1s"
[jobs.slow]
kind = "process"
command = ["sleep", "1.5"]
schedule = "@every 1s"
[jobs.limited]
kind = "process"
shell = "head -c 100000 /dev/zero > )T" + d + R"T(/big"
limits = { file_size = "1KiB" }
schedule = "@every 2s"
[jobs.page]
kind = "browser"
url = ")T" + gaia_at.base + R"T(/"
steps = [{ wait_for = "body[data-loaded]" }]
schedule = "@every 3s"
)T");
    BackgroundGaia gaia({"serve", jobs, "--listen", gaia_at.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(gaia_at.base), gaia.err());

    PrometheusServer prometheus(dir.path(), gaia_at.address);
    auto has_data = [&](const std::string& promql) { return prometheus.has_data(promql); };
    // Enough scrapes for rate() over 30 s, and each subsystem has done its work.
    REQUIRE_MESSAGE(eventually([&] { return has_data("up{job=\"gaia\"} == 1"); }, 30), prometheus.err());
    REQUIRE_MESSAGE(eventually([&] { return has_data("gaia_browser_pages_total{status=\"passed\"} > 0"); }, 60), gaia.err());
    REQUIRE(eventually([&] { return has_data("gaia_process_limit_kills_total > 0"); }, 30));
    REQUIRE(eventually([&] { return has_data("gaia_schedule_skipped_total > 0"); }, 30));
    REQUIRE(eventually([&] { return has_data("count_over_time(gaia_tasks_total[30s]) > 10"); }, 40));

    const auto queries = all_queries();
    CHECK(queries.size() >= 50);
    for (const auto& [panel, promql] : queries) {
        const std::string where = panel + "\n" + promql;  // INFO cannot capture a structured binding
        INFO(where);
        auto r = prometheus.query(promql);
        REQUIRE(r.is_object());
        CHECK(r["status"] == "success");
        CHECK(!r["data"]["result"].empty());
    }
    CHECK(prometheus.stop() == 0);
    gaia.signal(SIGTERM);
    CHECK(gaia.wait(30) == 0);
}
