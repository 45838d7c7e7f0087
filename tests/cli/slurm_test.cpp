// gaia on a real Slurm cluster (one node, on this machine, from Debian's packages): the
// job array of deploy/slurm/gaia-array.sbatch runs the shards, its dependent job merges
// them, and the merged report is an unsharded run's: the same instances, the same statuses.

#include "tests/support/nginx_server.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/slurm_cluster.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <regex>
#include <tuple>

using namespace gaia::test;
using nlohmann::json;

namespace {

// Each job's status and counts, and each listed instance's status, by job and index.
struct Outcome {
    std::map<std::string, std::tuple<std::string, std::uint64_t, std::uint64_t, std::uint64_t>> jobs;
    std::map<std::pair<std::string, std::uint64_t>, std::pair<std::string, json>> instances;
};

Outcome outcome_of(const std::filesystem::path& report) {
    const auto r = json::parse(read_file(report));
    Outcome o;
    for (const auto& job : r["jobs"]) {
        o.jobs[job["name"]] = {job["status"], job["instances"], job["passed"], job["failed"]};
    }
    for (const auto& i : r["instances"]) {
        o.instances[{i["job"], i["index"]}] = {i["status"], i.value("item", json(nullptr))};
    }
    return o;
}

}  // namespace

TEST_CASE("a Slurm job array runs the shards and its dependent job merges them into the whole run's report") {
    SlurmCluster slurm;
    if (!slurm.unavailable().empty()) {
        report_skipped(slurm.unavailable());
        return;
    }
    NginxServer nginx;
    TempDir dir;
    std::string paths;
    for (int i = 0; i < 12; ++i) paths += std::string(paths.empty() ? "" : ", ") + (i % 4 == 1 ? "\"/missing-" + std::to_string(i) + ".txt\"" : i % 2 ? "\"/data.json\"" : "\"/hello.txt\"");
    const auto file = dir.file("cluster.toml", R"T(name = "cluster"
[vars]
base = ")T" + nginx.http_url("") + R"T("
dir = "unset"

[jobs.mkdir]
kind = "file"
op = "mkdir"
path = "{{ vars.dir }}"

[jobs.fetch]
kind = "http"
for_each = [)T" + paths + R"T(]
url = "{{ vars.base }}{{ item }}"
thresholds = { success_rate = 0.7 }

[jobs.write]
kind = "file"
op = "write"
needs = ["mkdir"]
for_each = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
path = "{{ vars.dir }}/{{ item }}.txt"
content = "{{ item }} from shard {{ run.shard }}"

[jobs.compute]
kind = "process"
repeat = 30
command = ["sh", "-c", "test $(( {{ index }} % 7 )) -ne 3"]
thresholds = { success_rate = 0.8 }
)T");
    const auto reports = dir.path() / "reports";
    auto env = slurm.env();
    env.push_back(std::string("GAIA=") + GAIA_BINARY);
    const auto submitted = run_program({"bash", std::string(GAIA_SOURCE_DIR) + "/deploy/slurm/gaia-array.sbatch", "--shards",
                                        "4", "--reports", reports.string(), file, "--var", "dir=" + (dir.path() / "shards").string(),
                                        "--report-instances", "all"},
                                       "", env);
    INFO(submitted.out, submitted.err);
    REQUIRE(submitted.exit_code == 0);
    std::smatch ids;
    const std::string said = submitted.out;
    REQUIRE(std::regex_search(said, ids, std::regex(R"(array (\d+) \(4 shards\), merge (\d+);)")));
    INFO(slurm.logs());
    REQUIRE(slurm.wait_until_done(90));

    // Every task ran its shard on the cluster and said which; the merge job merged them.
    for (int task = 0; task < 4; ++task) {
        const auto shard = json::parse(read_file(reports / ("shard-" + std::to_string(task) + ".json")));
        CHECK(shard["run"]["shard"] == std::to_string(task + 1) + "/4");
        CHECK(read_file(reports / ("shard-" + std::to_string(task) + ".out")).find("shard " + std::to_string(task + 1) + "/4 (Slurm array task") != std::string::npos);
    }
    const auto merge_log = read_file(reports / "merge.out");
    INFO(merge_log);
    CHECK(merge_log.find("run cluster: passed (4 shards merged)") != std::string::npos);
    // Its exit status is the whole run's: Slurm recorded it.
    const auto merge_job = run_program({"scontrol", "show", "job", ids[2].str()}, "", slurm.env());
    CHECK(merge_job.out.find("ExitCode=0:0") != std::string::npos);
    CHECK(merge_job.out.find("Dependency=") != std::string::npos);

    // The same job file run whole, without Slurm: the same instances with the same statuses.
    const auto whole = dir.path() / "whole.json";
    const auto run = run_gaia({"-q", "run", file, "--var", "dir=" + (dir.path() / "whole").string(), "--report-json",
                               whole.string(), "--report-instances", "all"});
    CHECK(run.exit_code == 0);
    const auto merged = outcome_of(reports / "merged.json"), unsharded = outcome_of(whole);
    CHECK(merged.jobs == unsharded.jobs);
    CHECK(merged.instances == unsharded.instances);
    CHECK(merged.instances.size() == 1 + 12 + 9 + 30);
    CHECK(std::get<3>(merged.jobs.at("fetch")) == 3);
    CHECK(std::get<3>(merged.jobs.at("compute")) == 4);
    // The shards wrote the files between them, each its own slice.
    CHECK(read_file(dir.path() / "shards/a.txt") == "a from shard 1/4");
    CHECK(read_file(dir.path() / "shards/i.txt") == "i from shard 4/4");
    CHECK(std::filesystem::exists(reports / "merged.xml"));
    CHECK(read_file(reports / "merged.prom").find("gaia_tasks_total{job=\"fetch\",kind=\"http\",status=\"failed\"} 3") !=
          std::string::npos);
}
