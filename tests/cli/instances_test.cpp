// Per-instance results, for cron and CI: the JSON report lists every instance that did not
// pass (--report-instances all: every one), JUnit gets a testcase per instance
// (--junit-instances), and --joblog writes GNU parallel's joblog. A fan-out with seeded
// failures is checked against what each of its instances really did.

#include "tests/support/file_helpers.hpp"
#include "tests/support/nginx_server.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <csignal>
#include <filesystem>
#include <set>
#include <sstream>

using namespace gaia::test;

namespace {

// 60 instances; those whose index is 3 more than a multiple of 7 exit 3. Each prints its
// item, captured.
constexpr int kInstances = 60;
bool seeded_failure(int index) { return index % 7 == 3; }

std::string fan_out(const TempDir& dir, const std::string& extra = "") {
    std::string items;
    for (int i = 0; i < kInstances; ++i) items += (i ? ", \"item-" : "\"item-") + std::to_string(i) + "\"";
    return dir.file("jobs.toml", R"T([jobs.work]
kind = "process"
for_each = [)T" + items + R"T(]
command = ["sh", "-c", "echo {{ item }}; if [ $(( {{ index }} % 7 )) -eq 3 ]; then exit 3; fi"]
capture.said = { from = "stdout" }
)T" + extra);
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::string piece;
    std::istringstream in(text);
    while (std::getline(in, piece, sep)) out.push_back(piece);
    return out;
}

}  // namespace

TEST_CASE("the JSON report lists each instance that did not pass, with its item, exit code, error and captures") {
    TempDir dir;
    const auto file = fan_out(dir);
    const auto report_path = (dir.path() / "report.json").string();
    auto out = run_gaia({"run", "--report-json", report_path, file});
    CHECK(out.exit_code == 1);
    const auto report = nlohmann::json::parse(read_file(report_path));
    CHECK(report["run"]["instances_listed"] == "failed");
    const auto& instances = report["instances"];
    std::set<int> listed;
    for (const auto& i : instances) {
        const int index = i["index"].get<int>();
        listed.insert(index);
        CHECK(i["job"] == "work");
        CHECK(i["item"] == "item-" + std::to_string(index));
        CHECK(i["status"] == "failed");
        CHECK(i["attempts"] == 1);
        CHECK(i["exit_code"] == 3);
        CHECK(i["error"].get<std::string>().find("exit code 3") == 0);
        CHECK(i["captures"]["said"] == "item-" + std::to_string(index));
        CHECK(i["duration_s"].get<double>() >= 0);
    }
    std::set<int> expected;
    for (int i = 0; i < kInstances; ++i) {
        if (seeded_failure(i)) expected.insert(i);
    }
    CHECK(listed == expected);
    // Listed in index order.
    CHECK(instances.front()["index"] == 3);
    CHECK(instances.back()["index"] == 59);

    SUBCASE("--report-instances all lists the passed ones too") {
        auto all = run_gaia({"run", "--report-json", report_path, "--report-instances", "all", file});
        CHECK(all.exit_code == 1);
        const auto full = nlohmann::json::parse(read_file(report_path));
        CHECK(full["run"]["instances_listed"] == "all");
        REQUIRE(full["instances"].size() == kInstances);
        for (int i = 0; i < kInstances; ++i) {
            const auto& one = full["instances"][static_cast<std::size_t>(i)];
            CHECK(one["index"] == i);
            CHECK(one["status"] == (seeded_failure(i) ? "failed" : "passed"));
            CHECK(one["exit_code"] == (seeded_failure(i) ? 3 : 0));
            CHECK((one["error"].is_null()) == !seeded_failure(i));
        }
    }
}

TEST_CASE("--junit-instances gives each instance its testcase, and failures within success_rate do not fail CI") {
    TempDir dir;
    const auto junit_path = (dir.path() / "junit.xml").string();
    for (const bool tolerated : {false, true}) {
        CAPTURE(tolerated);
        const auto file = fan_out(dir, tolerated ? "thresholds.success_rate = 0.8\n" : "");
        auto out = run_gaia({"run", "--report-junit", junit_path, "--junit-instances", file});
        CHECK(out.exit_code == (tolerated ? 0 : 1));
        pugi::xml_document doc;
        REQUIRE(doc.load_file(junit_path.c_str()));
        const auto suite = doc.child("testsuites").child("testsuite");
        int cases = 0, failures = 0, skipped = 0;
        for (const auto& tc : suite.children("testcase")) {
            ++cases;
            const std::string name = tc.attribute("name").value();
            if (tc.child("failure")) ++failures;
            if (tc.child("skipped")) ++skipped;
            if (name == "work") continue;  // the job's own verdict
            const int index = std::stoi(name.substr(name.find('#') + 1));
            CHECK(name == "work#" + std::to_string(index) + " (item-" + std::to_string(index) + ")");
            const bool bad = tc.child("failure") || tc.child("skipped");
            CHECK(bad == seeded_failure(index));
            if (tolerated && seeded_failure(index)) {
                CHECK(std::string(tc.child("skipped").attribute("message").value()).find("within the job's success_rate") !=
                      std::string::npos);
            }
        }
        const int seeded = (kInstances + 3) / 7;
        CHECK(cases == kInstances + 1);
        CHECK(failures == (tolerated ? 0 : seeded + 1));
        CHECK(skipped == (tolerated ? seeded : 0));
        CHECK(suite.attribute("tests").as_int() == cases);
        CHECK(suite.attribute("failures").as_int() == failures);
        CHECK(suite.attribute("skipped").as_int() == skipped);
    }
}

TEST_CASE("--joblog writes GNU parallel's joblog: a header, then a line per instance as it ends") {
    TempDir dir;
    const auto file = fan_out(dir, R"T(
[jobs.killed]
kind = "process"
command = ["sh", "-c", "kill -TERM $$"]

[jobs.slow]
kind = "process"
command = ["sleep", "5"]
timeout = "300ms"
)T");
    const auto joblog = (dir.path() / "joblog.tsv").string();
    const auto before = std::chrono::system_clock::now();
    auto out = run_gaia({"run", "--joblog", joblog, file});
    CHECK(out.exit_code == 1);
    const auto lines = split(read_file(joblog), '\n');
    REQUIRE(lines.size() == kInstances + 3);
    CHECK(lines[0] == "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand");
    std::set<int> seqs;
    const double started = std::chrono::duration<double>(before.time_since_epoch()).count();
    for (std::size_t n = 1; n < lines.size(); ++n) {
        CAPTURE(lines[n]);
        const auto cols = split(lines[n], '\t');
        REQUIRE(cols.size() == 9);
        seqs.insert(std::stoi(cols[0]));
        CHECK(cols[1] == ":");
        CHECK(std::stod(cols[2]) >= started - 1);
        CHECK(std::stod(cols[2]) < started + 60);
        CHECK(cols[3].size() >= 10);  // right-aligned in ten columns, as parallel writes it
        const auto& command = cols[8];
        if (command == "killed") {
            CHECK(cols[6] == "0");  // it killed itself: parallel's Exitval 0 with the signal
            CHECK(cols[7] == std::to_string(SIGTERM));
        } else if (command == "slow") {
            CHECK(cols[6] == "-1");  // gaia killed it (its timeout)
            CHECK(cols[7] != "0");
        } else {
            const int index = std::stoi(command.substr(command.find('#') + 1));
            CHECK(command == "work#" + std::to_string(index) + " item-" + std::to_string(index));
            CHECK(cols[6] == (seeded_failure(index) ? "3" : "0"));
            CHECK(cols[7] == "0");
            CHECK(cols[5] == std::to_string(std::string("item-" + std::to_string(index) + "\n").size()));
        }
    }
    CHECK(seqs.size() == kInstances + 2);
    CHECK(*seqs.begin() == 1);
    CHECK(*seqs.rbegin() == kInstances + 2);

    auto bad = run_gaia({"run", "--joblog", (dir.path() / "no/such/dir/log").string(), file});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("--joblog: cannot open the joblog") != std::string::npos);
}

TEST_CASE("a stopped run lists the instances it cancelled and those it never launched") {
    TempDir dir;
    const auto file = dir.file("jobs.toml", R"T([settings]
concurrency = 2
[jobs.slow]
kind = "process"
repeat = 40
command = ["sh", "-c", "if [ {{ index }} -lt 2 ]; then exit 0; fi; touch )T" + (dir.path() / "started-").string() + R"T({{ index }}; sleep 30"]
)T");
    const auto report_path = (dir.path() / "report.json").string();
    BackgroundGaia run({"run", "--report-json", report_path, file}, dir.path());
    REQUIRE(eventually([&] { return std::filesystem::exists(dir.path() / "started-3"); }));
    run.signal(SIGTERM);
    CHECK(run.wait(20) == 143);
    const auto report = nlohmann::json::parse(read_file(report_path));
    const auto& instances = report["instances"];
    REQUIRE(instances.size() == 38);  // 0 and 1 passed
    for (std::size_t i = 0; i < instances.size(); ++i) {
        const auto& one = instances[i];
        CHECK(one["index"] == i + 2);
        CHECK(one["status"] == "cancelled");
        CHECK(one["error"] == "cancelled: terminated (SIGTERM)");
        // The two that were running had begun; the rest never launched.
        CHECK(one["attempts"] == (i < 2 ? 1 : 0));
    }
}

TEST_CASE("an http fan-out records each response's status") {
    NginxServer nginx;
    TempDir dir;
    const auto file = dir.file("jobs.toml", R"T([jobs.get]
kind = "http"
for_each = ["hello.txt", "missing-1", "hello.txt", "missing-2"]
url = ")T" + nginx.http_url("/") + R"T({{ item }}"
)T");
    const auto report_path = (dir.path() / "report.json").string();
    auto out = run_gaia({"run", "--report-json", report_path, "--report-instances", "all", file});
    CHECK(out.exit_code == 1);
    const auto report = nlohmann::json::parse(read_file(report_path));
    REQUIRE(report["instances"].size() == 4);
    for (const auto& one : report["instances"]) {
        const bool missing = one["item"].get<std::string>().rfind("missing", 0) == 0;
        CHECK(one["http_status"] == (missing ? 404 : 200));
        CHECK(one["status"] == (missing ? "failed" : "passed"));
        CHECK_FALSE(one.contains("exit_code"));
    }
}
