// configs/: the Prometheus configuration and the alert rules pass promtool, every rule
// carries what an operator needs, and every rule is fired (and not fired) by a unit test.

#include "tests/support/curl.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <regex>
#include <set>
#include <sstream>

using namespace gaia::test;

namespace {

std::string source(const std::string& relative) { return std::string(GAIA_SOURCE_DIR) + "/" + relative; }

// The text of each `- alert:` block of a rules file, by alert name.
std::vector<std::pair<std::string, std::string>> alert_blocks(const std::string& rules) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in(rules);
    std::string line;
    const std::regex start(R"(^\s*- alert:\s*(\S+)\s*$)");
    const std::regex group(R"(^\s*- name:)");
    std::smatch m;
    while (std::getline(in, line)) {
        if (std::regex_match(line, m, start)) {
            out.emplace_back(m[1], "");
        } else if (std::regex_search(line, group)) {
            out.emplace_back("", "");  // a new group ends the block before it
        } else if (!out.empty()) {
            out.back().second += line + "\n";
        }
    }
    std::erase_if(out, [](const auto& b) { return b.first.empty(); });
    return out;
}

}  // namespace

TEST_CASE("configs/prometheus.yml and configs/alerts.yml pass promtool check") {
    auto config = run_program({"promtool", "check", "config", source("configs/prometheus.yml")});
    INFO(config.out, config.err);
    CHECK(config.exit_code == 0);
    CHECK((config.out + config.err).find("SUCCESS: 1 rule files found") != std::string::npos);

    auto rules = run_program({"promtool", "check", "rules", source("configs/alerts.yml")});
    INFO(rules.out, rules.err);
    CHECK(rules.exit_code == 0);
    std::smatch m;
    const std::string text = rules.out + rules.err;
    REQUIRE(std::regex_search(text, m, std::regex(R"(SUCCESS: (\d+) rules found)")));
    CHECK(std::stoi(m[1]) >= 18);
}

TEST_CASE("every alert rule has a for, a severity, a summary and a runbook, and a unit test that fires it") {
    const auto rules = read_file(source("configs/alerts.yml"));
    const auto tests = read_file(source("configs/tests/alerts_test.yml"));
    const auto blocks = alert_blocks(rules);
    CHECK(blocks.size() >= 18);
    std::set<std::string> names;
    for (const auto& block : blocks) {
        const std::string& name = block.first;  // not a structured binding: INFO captures it
        const std::string& body = block.second;
        INFO(name);
        CHECK(names.insert(name).second);  // unique
        CHECK(std::regex_search(body, std::regex(R"(\n\s+for: \d+[smh])")));
        CHECK(std::regex_search(body, std::regex(R"(\n\s+severity: (critical|warning|info)\n)")));
        CHECK(body.find("summary: ") != std::string::npos);
        CHECK(body.find("runbook: ") != std::string::npos);
        // Exercised: a test group of its own that expects it to fire.
        CHECK(tests.find("- name: " + name + "\n") != std::string::npos);
        CHECK(tests.find("alertname: " + name + "\n    exp_alerts:") != std::string::npos);
    }
    // The subsystems, scheduling and gaia itself are all covered.
    for (const char* needle : {"gaia_tasks_total{kind=\"http\"", "gaia_api_circuit_breaker_state", "gaia_file_",
                               "gaia_browser_crashes_total", "gaia_process_limit_kills_total",
                               "gaia_network_dns_lookups_total{result=\"error\"}", "gaia_network_throttle_wait_seconds_total",
                               "gaia_schedule_skipped_total", "gaia_job_runs_total{status=\"failed\"}", "up{job=\"gaia\"}",
                               "gaia_event_loop_lag_seconds", "gaia_config_reloads_total", "process_resident_memory_bytes"}) {
        INFO(needle);
        CHECK(rules.find(needle) != std::string::npos);
    }
}

TEST_CASE("promtool test rules: every alert fires on its bad series and not on its good ones") {
    auto out = run_program({"promtool", "test", "rules", source("configs/tests/alerts_test.yml")});
    INFO(out.out, out.err);
    CHECK(out.exit_code == 0);
    CHECK((out.out + out.err).find("SUCCESS") != std::string::npos);
}

TEST_CASE("every metric the alert rules use is one gaia serve exposes") {
    TempDir dir;
    ServedGaia served({"serve", dir.file("jobs.toml", "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n")}, dir.path());
    auto& gaia = served.process;
    const std::string& base = served.base;
    REQUIRE_MESSAGE(wait_until_up(base), gaia.err());
    const auto exposition = curl({base + "/metrics"}).out;
    std::set<std::string> exposed;
    const std::regex type(R"(# TYPE (\S+) (\w+))");
    for (auto it = std::sregex_iterator(exposition.begin(), exposition.end(), type); it != std::sregex_iterator(); ++it) {
        exposed.insert((*it)[1]);
        if ((*it)[2] == "histogram") exposed.insert(std::string((*it)[1]) + "_bucket");
    }
    const auto rules = read_file(source("configs/alerts.yml"));
    const std::regex metric(R"(\b((?:gaia|process)_[a-z_]+)\b)");
    int used = 0;
    for (auto it = std::sregex_iterator(rules.begin(), rules.end(), metric); it != std::sregex_iterator(); ++it) {
        const std::string name = (*it)[1];
        if (name.rfind("gaia_", 0) != 0 && name.rfind("process_", 0) != 0) continue;
        if (name == "process_active" || name == "process_memory_bytes") continue;  // tails of gaia_process_*
        ++used;
        INFO(name);
        CHECK(exposed.count(name) == 1);
    }
    CHECK(used >= 25);
    // The monitoring guide names every metric gaia serves.
    std::string guide;
    for (char c : read_file(source("man/gaia-monitoring.7"))) {
        if (c != '\\') guide += c;
    }
    for (const auto& name : exposed) {
        if (name.size() > 7 && name.compare(name.size() - 7, 7, "_bucket") == 0) continue;
        INFO(name);
        CHECK(guide.find(name) != std::string::npos);
    }
    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 0);
}
