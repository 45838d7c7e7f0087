// gaia report merge against real shards: the same job file run with --shard K/N for every K
// and once whole; the merge of the shards' reports must be the whole run's report (timings
// aside), with its exit status, and shards that do not make one run are refused.

#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

using gaia::test::run_gaia;
using gaia::test::read_file;
using gaia::test::TempDir;
using nlohmann::json;

namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// A report without what differs from run to run by nature: times, ids, resource use, and
// which failed instance of a fan-out was first (in time in a run; the lowest index merged).
json comparable(json report) {
    for (auto& job : report["jobs"]) {
        if (job["fan_out"] == true && job["first_error"].is_string()) {
            const auto error = job["first_error"].get<std::string>();
            job["first_error"] = error.substr(0, error.find("instance "));
        }
        for (const char* key : {"latency_s", "latency_histogram", "duration_s", "started_s", "finished_s", "activity", "cpu_s",
                                "peak_rss_bytes", "details", "file"}) {
            job.erase(key);
        }
    }
    for (auto& instance : report["instances"]) {
        instance.erase("started_s");
        instance.erase("duration_s");
    }
    report.erase("subsystems");
    return report;
}

// Runs `file` as N shards (reports sN-K.json) and whole (whole.json); the shards' paths.
std::vector<std::string> run_shards(const TempDir& dir, const std::string& file, int n, const std::vector<std::string>& extra,
                                    std::vector<int>* statuses = nullptr) {
    std::vector<std::string> reports;
    for (int k = 1; k <= n; ++k) {
        const auto report = (dir.path() / ("s" + std::to_string(n) + "-" + std::to_string(k) + ".json")).string();
        std::vector<std::string> args = {"-q", "run", file, "--shard", std::to_string(k) + "/" + std::to_string(n),
                                         "--report-json", report};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto out = run_gaia(args);
        INFO(out.err);
        REQUIRE(std::filesystem::exists(report));
        if (statuses) statuses->push_back(out.exit_code);
        reports.push_back(report);
    }
    return reports;
}

struct JunitCounts {
    int tests = 0, failures = 0, skipped = 0;
};

JunitCounts junit_counts(const std::string& path) {
    pugi::xml_document doc;
    REQUIRE(doc.load_file(path.c_str()));
    const auto suites = doc.child("testsuites");
    return {suites.attribute("tests").as_int(), suites.attribute("failures").as_int(), suites.attribute("skipped").as_int()};
}

const char* kJobFile = R"T(name = "merged"
[vars]
dir = "DIR"

[settings]
stale_after = "2h"

[jobs.setup]
kind = "process"
command = ["true"]

[jobs.mkdir]
kind = "file"
op = "mkdir"
needs = ["setup"]
path = "{{ vars.dir }}/in"

[jobs.write]
kind = "file"
op = "write"
needs = ["mkdir"]
for_each = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"]
path = "{{ vars.dir }}/in/{{ item }}.txt"
content = "{{ item }} {{ index }}"

[jobs.count]
kind = "process"
needs = ["setup"]
repeat = 103
command = ["sh", "-c", "test $(( {{ index }} % 10 )) -ne 3 || { echo broken {{ index }} >&2; exit 3; }"]
thresholds = { success_rate = 0.85 }

[jobs.echo]
kind = "process"
needs = ["write"]
for_each = ["a", "b", "c", "d", "e"]
command = ["echo", "{{ item }}-{{ index }}"]
capture = { out = "stdout" }

[jobs.notify]
kind = "process"
needs = ["count", "echo"]
shard = "first"
command = ["echo", "done"]
)T";

}  // namespace

TEST_CASE("gaia report merge makes the shards' reports into the report the whole run writes") {
    TempDir dir;
    std::string text = kJobFile;
    text.replace(text.find("DIR"), 3, dir.path().string());
    const auto file = dir.file("merged.toml", text);
    const std::vector<std::string> all = {"--report-instances", "all"};
    const auto shards = run_shards(dir, file, 4, all);
    const auto whole = (dir.path() / "whole.json").string(), whole_xml = (dir.path() / "whole.xml").string();
    auto args = std::vector<std::string>{"-q", "run", file, "--report-json", whole, "--report-junit", whole_xml,
                                         "--junit-instances"};
    args.insert(args.end(), all.begin(), all.end());
    REQUIRE(run_gaia(args).exit_code == 0);

    // In any order: a glob sorts s4-10 before s4-2.
    const auto merged = (dir.path() / "merged.json").string(), xml = (dir.path() / "merged.xml").string(),
               prom = (dir.path() / "merged.prom").string();
    const auto out = run_gaia({"report", "merge", shards[2], shards[0], shards[3], shards[1], "--report-json", merged,
                               "--report-junit", xml, "--junit-instances", "--metrics-file", prom});
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    CHECK(out.out.find("run merged: passed (4 shards merged)") != std::string::npos);
    // The summary: count's line says passed, 103 instances, 10 failed.
    std::istringstream line(out.out.substr(out.out.find("\ncount ") + 1));
    std::string name, kind, status, instances, failed;
    line >> name >> kind >> status >> instances >> failed;
    CHECK(status + " " + instances + " " + failed == "passed 103 10");

    const auto m = json::parse(read_file(merged)), w = json::parse(read_file(whole));
    // The same jobs, counts, statuses, captures, errors; the same instances in the same order.
    CHECK(comparable(m)["jobs"] == comparable(w)["jobs"]);
    CHECK(comparable(m)["instances"] == comparable(w)["instances"]);
    CHECK(m["instances"].size() == 1 + 1 + 7 + 103 + 5 + 1);
    CHECK(m["jobs"][3]["first_error"] == "instance 3: exit code 3 (expected 0): broken 3");  // the lowest index that failed
    CHECK(w["jobs"][3]["first_error"].get<std::string>().rfind("instance ", 0) == 0);
    // The run: what an unsharded run says, and which shards it came from.
    CHECK(m["run"]["shard"].is_null());
    CHECK(m["run"]["status"] == "passed");
    CHECK(m["run"]["job_set_digest"] == w["run"]["job_set_digest"]);
    CHECK(m["run"]["stale_after_s"] == 7200.0);
    REQUIRE(m["run"]["merged_from"].size() == 4);
    CHECK(m["run"]["merged_from"][1]["shard"] == "2/4");
    CHECK(m["run"]["merged_from"][1]["report"] == shards[1]);
    // Percentiles from the summed histograms: within the histogram's 1% of the samples'.
    std::uint64_t counted = 0;
    for (const auto& bucket : m["jobs"][3]["latency_histogram"]["buckets"]) counted += bucket[1].get<std::uint64_t>();
    CHECK(counted == 103);
    double max_of_shards = 0;
    for (const auto& shard : shards) {
        max_of_shards = std::max(max_of_shards, json::parse(read_file(shard))["jobs"][3]["latency_s"]["max"].get<double>());
    }
    CHECK(m["jobs"][3]["latency_s"]["max"].get<double>() == doctest::Approx(max_of_shards));
    // The timeline: every shard's instances in the merged activity, the job's span covering
    // each shard's (the shards ran one after another here).
    std::uint64_t started_in_bins = 0, failed_in_bins = 0;
    for (const auto& bin : m["jobs"][3]["activity"]["bins"]) {
        started_in_bins += bin[1].get<std::uint64_t>();
        failed_in_bins += bin[2].get<std::uint64_t>();
    }
    CHECK(started_in_bins == 103);
    CHECK(failed_in_bins == 10);
    CHECK(m["jobs"][3]["started_s"].get<double>() >= 0);
    CHECK(m["jobs"][3]["finished_s"].get<double>() >= m["jobs"][3]["started_s"].get<double>());
    CHECK(m["jobs"][3]["finished_s"].get<double>() <= m["run"]["duration_s"].get<double>() + 1);  // "started" is to the second

    // JUnit: the whole run's testcases, counted alike.
    const auto a = junit_counts(xml), b = junit_counts(whole_xml);
    CHECK(a.tests == b.tests);
    CHECK(a.failures == b.failures);
    CHECK(a.skipped == b.skipped);
    CHECK(a.tests == 7 + 103 + 5 + 6);  // every instance of the three fan-outs, then each job
    CHECK(a.skipped == 10);                     // the failures within count's success_rate

    // The metrics file: the run's and the jobs' series as gaia run writes them.
    const auto metrics = read_file(prom);
    CHECK(metrics.find("gaia_tasks_total{job=\"count\",kind=\"process\",status=\"failed\"} 10") != std::string::npos);
    CHECK(metrics.find("gaia_tasks_total{job=\"count\",kind=\"process\",status=\"passed\"} 93") != std::string::npos);
    CHECK(metrics.find("gaia_job_runs_total{job=\"notify\",kind=\"process\",status=\"passed\"} 1") != std::string::npos);
    CHECK(metrics.find("gaia_task_duration_seconds_count{job=\"count\",kind=\"process\"} 103") != std::string::npos);
    CHECK(metrics.find("gaia_run_stale_after_seconds{run=\"merged\"} 7200") != std::string::npos);
    CHECK(metrics.find("gaia_run_last_success_timestamp_seconds{run=\"merged\"}") != std::string::npos);
}

TEST_CASE("gaia report merge judges a fan-out over all its instances, as one run would") {
    TempDir dir;
    // Instances 0-3 fail: shard 1 of 2 (0-9) has 6 of 10 passed, shard 2 all 10; together 16 of 20.
    auto job_file = [&](const char* rate) {
        return dir.file(std::string("j") + rate + ".toml", std::string(R"T([jobs.fan]
kind = "process"
repeat = 20
command = ["sh", "-c", "test {{ index }} -ge 4"]
thresholds = { success_rate = )T") + rate + " }\n");
    };
    SUBCASE("a shard's failure passes in the whole run") {
        std::vector<int> statuses;
        const auto shards = run_shards(dir, job_file("0.7"), 2, {}, &statuses);
        CHECK(statuses == std::vector<int>{1, 0});
        const auto merged = (dir.path() / "m.json").string();
        const auto out = run_gaia({"-q", "report", "merge", shards[0], shards[1], "--report-json", merged});
        CHECK(out.exit_code == 0);
        const auto m = json::parse(read_file(merged));
        CHECK(m["jobs"][0]["status"] == "passed");
        CHECK(m["jobs"][0]["first_error"] == "instance 0: exit code 1 (expected 0)");
        CHECK(m["run"]["status"] == "passed");
        CHECK(m["instances"].size() == 4);  // failed only, as the shards listed
        const auto junit = run_gaia({"report", "merge", shards[0], shards[1], "--report-junit", merged + ".xml", "--junit-instances"});
        CHECK(junit.exit_code == 2);
        CHECK(junit.err.find("run them with --report-instances all") != std::string::npos);
    }
    SUBCASE("shards that pass alone fail together") {
        // 0.85: shard 1 fails (0.6), shard 2 passes; whole: 0.8 < 0.85.
        std::vector<int> statuses;
        const auto file = job_file("0.85");
        const auto shards = run_shards(dir, file, 2, {}, &statuses);
        const auto merged = (dir.path() / "m.json").string(), whole = (dir.path() / "w.json").string();
        const auto out = run_gaia({"-q", "report", "merge", shards[0], shards[1], "--report-json", merged});
        CHECK(out.exit_code == 1);
        CHECK(run_gaia({"-q", "run", file, "--report-json", whole}).exit_code == 1);
        const auto m = json::parse(read_file(merged)), w = json::parse(read_file(whole));
        CHECK(m["jobs"][0]["status"] == "failed");
        const auto reason = m["jobs"][0]["first_error"].get<std::string>();
        CHECK(reason.rfind("4 of 20 instances failed (success rate 0.8, required 0.85); first: instance ", 0) == 0);
        const auto whole_reason = w["jobs"][0]["first_error"].get<std::string>();
        CHECK(reason.substr(0, reason.find("; first:")) == whole_reason.substr(0, whole_reason.find("; first:")));
        CHECK(m["run"]["status"] == "failed");
    }
}

TEST_CASE("gaia report merge refuses shards that do not make one run, saying which and why") {
    TempDir dir;
    const auto file = dir.file("a.toml", "[jobs.fan]\nkind = \"process\"\nrepeat = 8\ncommand = [\"true\"]\n");
    const auto other = dir.file("b.toml", "[jobs.fan]\nkind = \"process\"\nrepeat = 8\ncommand = [\"true\", \"x\"]\n");
    const auto shards = run_shards(dir, file, 4, {});
    const auto merged = (dir.path() / "m.json").string();
    auto refused = [&](std::vector<std::string> args, const std::string& words) {
        args.insert(args.begin(), {"report", "merge"});
        args.insert(args.end(), {"--report-json", merged});
        const auto out = run_gaia(args);
        INFO(out.err);
        CHECK(out.exit_code == 2);
        CHECK(out.err.find(words) != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(merged));  // nothing half-merged is left behind
    };
    refused({shards[0], shards[1], shards[3]}, "shard 3/4 is missing (have 1/4, 2/4, 4/4)");
    refused({shards[0]}, "shards 2/4, 3/4, 4/4 are missing (have 1/4)");
    std::filesystem::copy_file(shards[1], dir.path() / "again.json");
    refused({shards[0], shards[1], shards[2], shards[3], (dir.path() / "again.json").string()},
            "shard 2/4 twice: " + shards[1] + " and " + (dir.path() / "again.json").string());

    const auto foreign = (dir.path() / "foreign.json").string();
    REQUIRE(run_gaia({"-q", "run", other, "--shard", "2/4", "--report-json", foreign}).exit_code == 0);
    refused({shards[0], foreign, shards[2], shards[3]}, "ran another job set than");
    refused({shards[0], shards[1], shards[2], shards[3], foreign}, "shard 2/4 twice");

    const auto of_three = (dir.path() / "of3.json").string();
    REQUIRE(run_gaia({"-q", "run", file, "--shard", "3/3", "--report-json", of_three}).exit_code == 0);
    refused({shards[0], of_three}, "is one of 3 shards");

    const auto whole = (dir.path() / "whole.json").string();
    REQUIRE(run_gaia({"-q", "run", file, "--report-json", whole}).exit_code == 0);
    refused({whole}, whole + ": is the report of a whole run");

    const auto listed_all = (dir.path() / "all.json").string();
    REQUIRE(run_gaia({"-q", "run", file, "--shard", "2/4", "--report-json", listed_all, "--report-instances", "all"})
                .exit_code == 0);
    refused({shards[0], listed_all, shards[2], shards[3]}, "run every shard with the same --report-instances");

    // A broken file: where and what.
    auto text = read_file(shards[1]);
    const auto cut = (dir.path() / "cut.json").string();
    write_file(cut, text.substr(0, text.rfind('\n', text.size() / 2)));  // whole lines: cut between values
    refused({shards[0], cut, shards[2], shards[3]}, cut + ":");
    refused({shards[0], cut, shards[2], shards[3]}, "the text ends");
    write_file(cut, "{\"run\": {}, \"jobs\": [], \"instances\": [\n  {\"job\": \"fan\", \"index\": 1, \"status\": \"passed\"},,\n]}");
    refused({cut}, cut + ":2:50: expected an object");
    write_file(cut, "not json");
    refused({cut}, cut + ":1:1: expected an object");
    refused({(dir.path() / "absent.json").string()}, "cannot read");
}

TEST_CASE("gaia report merge gives the exit status gaia run would have: an interrupted shard, a failed hook") {
    TempDir dir;
    const auto file = dir.file("h.toml", R"T([settings]
on_success = ["hook"]
[jobs.fan]
kind = "process"
repeat = 4
command = ["true"]
[jobs.hook]
kind = "process"
command = ["sh", "-c", "test {{ run.shard_index }} -ne 2"]
)T");
    const auto shards = run_shards(dir, file, 2, {});
    // The hook failed in shard 2 only: the merged run fails as that shard did.
    auto out = run_gaia({"-q", "report", "merge", shards[0], shards[1]});
    CHECK(out.exit_code == 1);
    // A shard that was interrupted: the merged run was too (130), whatever the others did.
    auto report = json::parse(read_file(shards[1]));
    report["run"]["status"] = "interrupted";
    write_file(shards[1], report.dump(2));
    out = run_gaia({"report", "merge", shards[0], shards[1]});
    CHECK(out.exit_code == 130);
    CHECK(out.out.find("run h: interrupted (2 shards merged)") != std::string::npos);
}
