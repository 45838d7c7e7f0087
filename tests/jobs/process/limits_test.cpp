// Resource limits and accounting of process jobs, end to end with real processes: each
// fault is reported on its own instance and the rest of the run goes on.

#include "tests/support/report_helpers.hpp"
#include "tests/support/skip.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>

using namespace gaia::test;
using nlohmann::json;


TEST_CASE("every instance records exit code, wall time, CPU time and peak RSS") {
    TempDir dir;
    auto r = run_report(dir, R"T([jobs.work]
kind = "process"
shell = "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"
)T");
    const auto& d = job(r, "work")["details"];
    CHECK(d["exit_code"] == 0);
    CHECK(d["signal"].is_null());
    CHECK(d["killed_by"].is_null());
    CHECK(d["wall_s"].get<double>() > 0);
    CHECK(d["user_cpu_s"].get<double>() + d["system_cpu_s"].get<double>() > 0);
    CHECK(d["peak_rss_bytes"].get<std::uint64_t>() > 100 * 1024);
    CHECK(job(r, "work")["cpu_s"].get<double>() > 0);
}

TEST_CASE("a memory hog is killed by its memory limit and reported as such") {
    TempDir dir;
    Output out;
    auto r = run_report(dir, R"T([jobs.hog]
kind = "process"
command = ["dd", "if=/dev/zero", "of=/dev/null", "bs=200M", "count=1"]
limits = { memory = "32MiB" }
[jobs.neighbour]
kind = "process"
command = ["true"]
)T", &out);
    INFO(out.err);
    const auto& hog = job(r, "hog");
    CHECK(hog["status"] == "failed");
    CHECK(job(r, "neighbour")["status"] == "passed");
    CHECK(out.err.find("process limits: memory through ") != std::string::npos);
    // With a memory cgroup the kernel's OOM killer ends it; with RLIMIT_AS the allocation
    // fails. Either way the instance fails on its own.
    if (out.err.find("memory through cgroup") != std::string::npos) {
        CHECK(hog["first_error"] == "killed by the memory limit (32MiB)");
        CHECK(hog["details"]["killed_by"] == "memory");
    }
}

TEST_CASE("a CPU spinner is stopped by cpu_time") {
    TempDir dir;
    auto run = run_with_metrics(dir, "[jobs.spin]\nkind = \"process\"\nshell = \"while :; do :; done\"\nlimits = { cpu_time = \"1s\" }\n");
    const auto& r = run.report;
    const auto& spin = job(r, "spin");
    CHECK(metric_value(run.metrics, "gaia_process_limit_kills_total{job=\"spin\",limit=\"cpu_time\"}") == 1);
    CHECK(spin["first_error"] == "killed by the cpu_time limit (1s)");
    CHECK(spin["details"]["killed_by"] == "cpu_time");
    // The kernel checks RLIMIT_CPU against tick-sampled time, which charges a whole tick
    // to whoever runs when it falls; wait4 reports the precise time. On a shared core
    // the second the limit saw was 0.88 s of it: stopped after about a CPU second, not
    // by the clock.
    CHECK(spin["cpu_s"].get<double>() >= 0.7);
    CHECK(spin["cpu_s"].get<double>() < 2.5);
}

TEST_CASE("a fork bomb is bounded by limits.processes") {
    TempDir dir;
    auto r = run_report(dir, R"T([jobs.bomb]
kind = "process"
shell = "for i in $(seq 100); do sleep 5 & done; wait"
limits = { processes = 10 }
timeout = "20s"
)T");
    CHECK(job(r, "bomb")["status"] == "failed");
    const std::string error = job(r, "bomb")["first_error"].get<std::string>();
    if (::geteuid() == 0 && error.find("cannot apply limits.processes: gaia runs as root") != std::string::npos) {
        // Root is not bound by RLIMIT_NPROC: without a pids cgroup gaia refuses the job
        // rather than run it unbounded (checked above), and the bound itself cannot be seen here.
        return gaia::test::report_skipped("running as root without a writable pids cgroup, so limits.processes "
                                          "cannot be enforced here (gaia refuses the job, as it should)");
    }
    CHECK(error.find("fork") != std::string::npos);
}

TEST_CASE("a big write is bounded by limits.file_size, descriptors by limits.open_files") {
    TempDir dir;
    const auto target = (dir.path() / "big").string();
    auto r = run_report(dir, R"T([jobs.big]
kind = "process"
shell = "head -c 10000000 /dev/zero > )T" + target + R"T("
limits = { file_size = "1MiB" }
[jobs.fds]
kind = "process"
command = ["python3", "-c", "import os; [os.open('/dev/null', os.O_RDONLY) for _ in range(50)]"]
limits = { open_files = 16 }
[process.limits]
cpu_time = "60s"
)T");
    CHECK(job(r, "big")["first_error"] == "killed by the file_size limit (1MiB)");
    CHECK(std::filesystem::file_size(target) == 1024 * 1024);
    INFO(job(r, "fds").dump());
    CHECK(job(r, "fds")["first_error"].get<std::string>().find("Too many open files") != std::string::npos);
}

TEST_CASE("expect.max_memory checks the peak RSS") {
    TempDir dir;
    auto r = run_report(dir, R"T([jobs.small]
kind = "process"
command = ["true"]
expect.max_memory = "512MiB"
[jobs.strict]
kind = "process"
command = ["true"]
expect.max_memory = "1KiB"
)T");
    CHECK(job(r, "small")["status"] == "passed");
    CHECK(job(r, "strict")["first_error"].get<std::string>().find("is over expect.max_memory") != std::string::npos);
}

TEST_CASE("cgroups made for limits are removed after the run") {
    TempDir dir;
    Output out;
    run_report(dir, "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\nrepeat = 5\nlimits = { memory = \"64MiB\", processes = 20 }\n",
               &out);
    auto from = out.err.find("cgroup v1 (");
    if (from == std::string::npos) from = out.err.find("cgroup v2 (");
    if (from != std::string::npos) {
        const auto path = out.err.substr(from + 11, out.err.find(')', from) - from - 11);
        CHECK_FALSE(std::filesystem::exists(path));
    }
}
