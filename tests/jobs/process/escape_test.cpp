// A job's processes are stopped with it even when they leave its process group (setsid):
// when its first process exits, when it times out, when gaia ends, and when gaia itself is
// killed with SIGKILL. Each case runs with cgroup tracking (where this machine allows it)
// and with GAIA_CGROUPS=off, where gaia finds them through /proc.

#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

using namespace gaia::test;
using nlohmann::json;

namespace {

struct Timed {
    Output out;
    json report;
    double seconds = 0;
};

Timed run_timed(const TempDir& dir, const std::string& text, const std::string& cgroups) {
    const auto file = dir.file("jobs.toml", text);
    const auto report = (dir.path() / "report.json").string();
    const auto start = std::chrono::steady_clock::now();
    Timed t;
    t.out = run_program({GAIA_BINARY, "run", file, "--report-json", report}, "", {"GAIA_CGROUPS=" + cgroups});
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    t.report = json::parse(read_file(report));
    return t;
}

// Kills what a failed check left behind, so that one failure does not spill into others.
void sweep(const std::string& marker) { run_program({"pkill", "-KILL", "-f", marker}); }

// A shell command that starts `name` in a session of its own (out of the job's process
// group), writing its pid to DIR/NAME.pid first: proof that it ran at all.
std::string escapee(const TempDir& dir, const std::string& name, const std::string& redirect = "") {
    return "setsid bash -c 'echo $$ > " + (dir.path() / (name + ".pid")).string() + "; exec -a " + name +
           " sleep infinity " + redirect + "' &";
}

bool started(const TempDir& dir, const std::string& name) {
    return std::filesystem::exists(dir.path() / (name + ".pid"));
}

}  // namespace

TEST_CASE("a child that leaves its job's group is stopped when the job's process exits, not when it does") {
    for (const std::string cgroups : {"auto", "off"}) {
        CAPTURE(cgroups);
        TempDir dir;
        const std::string marker = "gaia-escapee-exit-" + cgroups;
        // The reported reproduction: the daemon keeps the job's stdout and would live for ever.
        auto t = run_timed(dir, R"T([jobs.escape]
kind = "process"
shell = ")T" + escapee(dir, marker + "-a") + R"T( sleep 1; echo started"
timeout = "3s"
kill_grace = "1s"
expect.stdout_contains = "started"
[jobs.longer]
kind = "process"
shell = ")T" + escapee(dir, marker + "-b") + R"T( sleep 1"
)T", cgroups);
        INFO(t.out.err);
        CHECK(t.out.exit_code == 0);
        CHECK(job(t.report, "escape")["status"] == "passed");
        CHECK(job(t.report, "longer")["status"] == "passed");
        CHECK(t.seconds < 2.9);  // both end with their 1-second shells, not at the 3 s timeout or never
        CHECK(started(dir, marker + "-a"));
        CHECK(started(dir, marker + "-b"));
        CHECK(count_processes(marker) == 0);
        sweep(marker);
    }
}

TEST_CASE("a timeout stops the children that left the job's group, and a detached daemon does not outlive gaia") {
    for (const std::string cgroups : {"auto", "off"}) {
        CAPTURE(cgroups);
        TempDir dir;
        const std::string marker = "gaia-escapee-timeout-" + cgroups;
        auto t = run_timed(dir, R"T([jobs.stuck]
kind = "process"
shell = ")T" + escapee(dir, marker + "-a") + R"T( exec sleep 30"
timeout = "1s"
kill_grace = "200ms"
[jobs.daemon]
kind = "process"
shell = ")T" + escapee(dir, marker + "-b", "</dev/null >/dev/null 2>&1") + R"T( sleep 0.2"
)T", cgroups);
        INFO(t.out.err);
        CHECK(t.out.exit_code == 1);
        CHECK(job(t.report, "stuck")["first_error"].get<std::string>().find("timed out") != std::string::npos);
        CHECK(job(t.report, "daemon")["status"] == "passed");
        CHECK(t.seconds < 4);
        // The daemon closed everything it had of its job: with a cgroup it is stopped with
        // its job, without one when gaia ends (gaia, its subreaper, adopted it).
        CHECK(started(dir, marker + "-a"));
        CHECK(started(dir, marker + "-b"));
        CHECK(count_processes(marker) == 0);
        sweep(marker);
    }
}

TEST_CASE("gaia killed with SIGKILL leaves none of its jobs' processes running") {
    TempDir dir;
    const std::string marker = "gaia-escapee-sigkill";
    const auto file = dir.file("jobs.toml", R"T([jobs.long]
kind = "process"
repeat = 5
shell = ")T" + escapee(dir, marker + "-escaped-{{ index }}") + R"T( exec bash -c 'exec -a )T" + marker + R"T(-leader sleep infinity'"
)T");
    BackgroundGaia gaia({"run", file}, dir.path());
    // Every escapee has written its pid file (it runs), and every leader runs under its name
    // (the shells that start them hold the names in their command lines for a moment).
    REQUIRE_MESSAGE(eventually([&] {
        for (int i = 0; i < 5; ++i) {
            if (!started(dir, marker + "-escaped-" + std::to_string(i))) return false;
        }
        return count_processes(marker + "-leader") >= 5;
    }), gaia.err());
    gaia.signal(SIGKILL);
    CHECK(gaia.wait(10) == 128 + SIGKILL);
    // The guard, which outlives gaia, stops the groups and empties the cgroups gaia listed.
    const bool none_left = eventually([&] { return count_processes(marker) == 0; }, 5);
    CHECK_MESSAGE(none_left, run_program({"sh", "-c", "ps -eo pid,ppid,pgid,stat,args | grep -e " + marker +
                                                         " -e __gaia_guard | grep -v grep"}).out);
    sweep(marker);
}

TEST_CASE("looking for what holds a job's output never takes another job's spawn in progress for it") {
    // Without a cgroup, a job whose output stays open after its exit has the holders found
    // in /proc and killed. Spawns run on the thread pool meanwhile, and a child between its
    // clone and its exec holds a copy of every descriptor gaia has: it was once taken for a
    // holder and killed (a /bin/true "killed by SIGKILL" now and then).
    TempDir dir;
    const std::string marker = "gaia-escapee-holder";
    auto t = run_timed(dir, R"T([jobs.holders]
kind = "process"
repeat = 12
concurrency = 2
shell = "setsid bash -c 'exec -a )T" + marker + R"T( sleep 5' & exit 0"
[jobs.many]
kind = "process"
command = ["true"]
repeat = 3000
)T", "off");
    INFO(t.out.err);
    CHECK(job(t.report, "holders")["status"] == "passed");
    CHECK(job(t.report, "many")["passed"] == 3000);
    CHECK(job(t.report, "many")["first_error"] == nullptr);
    CHECK(count_processes(marker) == 0);
    sweep(marker);
}
