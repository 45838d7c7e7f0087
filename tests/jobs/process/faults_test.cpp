// Faults of single process instances — bad programs, bad directories, running out of
// descriptors, early-closed streams, huge output — each reported on its instance while
// the rest of the run goes on; and the scale the process manager is built for.

#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <thread>
#include <nlohmann/json.hpp>

using namespace gaia::test;
using nlohmann::json;


TEST_CASE("missing program, not executable, bad cwd: each fails alone") {
    TempDir dir;
    auto script = dir.file("script.sh", "#!/bin/sh\necho hi\n");  // mode 0644: not executable
    auto file = dir.file("jobs.toml", R"T([jobs.missing]
kind = "process"
command = ["gaia-definitely-missing"]
[jobs.noexec]
kind = "process"
command = [")T" + script + R"T("]
[jobs.badcwd]
kind = "process"
command = ["true"]
cwd = "/nonexistent/dir"
[jobs.fine]
kind = "process"
command = ["true"]
)T");
    const auto report = (dir.path() / "r.json").string();
    auto out = run_gaia({"run", file, "--report-json", report});
    CHECK(out.exit_code == 1);
    auto r = json::parse(read_file(report));
    CHECK(job(r, "missing")["first_error"] == "cannot start `gaia-definitely-missing`: ENOENT (no such file or directory)");
    CHECK(job(r, "noexec")["first_error"].get<std::string>().find("EACCES (permission denied)") != std::string::npos);
    CHECK(job(r, "badcwd")["first_error"] == "cwd `/nonexistent/dir` is not a directory");
    CHECK(job(r, "fine")["status"] == "passed");
}

TEST_CASE("running out of descriptors (EMFILE) fails instances, not gaia") {
    TempDir dir;
    auto file = dir.file("jobs.toml", R"T([process]
max = 100
[jobs.many]
kind = "process"
command = ["sleep", "0.3"]
repeat = 100
thresholds = { success_rate = 0.0 }
)T");
    const auto report = (dir.path() / "r.json").string();
    // gaia's own limit: room for its loop and a few dozen pipes, not for 100 children.
    auto out = run_program({"sh", "-c", "ulimit -n 64; exec " + std::string(GAIA_BINARY) + " run " + file +
                                            " --report-json " + report});
    INFO(out.err);
    CHECK(out.exit_code == 0);
    auto r = json::parse(read_file(report));
    const auto& many = job(r, "many");
    CHECK(many["passed"].get<int>() > 0);
    CHECK(many["failed"].get<int>() > 0);
    CHECK(many["passed"].get<int>() + many["failed"].get<int>() == 100);
    CHECK(many["first_error"].get<std::string>().find(
              "Too many open files (the limit is 64 descriptors, 16 of them kept for gaia)") != std::string::npos);
}

TEST_CASE("a process that closes its stdout early, or never reads its stdin") {
    TempDir dir;
    auto file = dir.file("jobs.toml", R"T([jobs.closer]
kind = "process"
shell = "exec >&-; sleep 0.2; echo still-here >&2"
expect.stderr_contains = "still-here"
[jobs.deaf]
kind = "process"
command = ["true"]
stdin = ")T" + std::string(200000, 'x') + R"T("
)T");
    auto out = run_gaia({"run", file});
    INFO(out.err);
    CHECK(out.exit_code == 0);
}

TEST_CASE("1 GiB of output streams through gaia without growing its memory") {
    TempDir dir;
    auto file = dir.file("jobs.toml", R"T([jobs.flood]
kind = "process"
shell = "head -c 1073741824 /dev/zero; echo; echo END"
expect.stdout_contains = "END"
[jobs.to_file]
kind = "process"
command = ["head", "-c", "268435456", "/dev/zero"]
stdout_file = ")T" + (dir.path() / "out.bin").string() + R"T("
)T");
    auto out = run_program({"/usr/bin/time", "-f", "maxrss_kib=%M", GAIA_BINARY, "run", file});
    INFO(out.err);
    CHECK(out.exit_code == 0);
    const auto at = out.err.rfind("maxrss_kib=");
    REQUIRE(at != std::string::npos);
#ifdef GAIA_SANITIZED
    // AddressSanitizer's shadow memory and quarantine dwarf gaia's own use: the bound is
    // checked by the plain build.
    CHECK(std::stol(out.err.substr(at + 11)) < 1024 * 1024);
#else
    CHECK(std::stol(out.err.substr(at + 11)) < 64 * 1024);
#endif
    CHECK(std::filesystem::file_size(dir.path() / "out.bin") == 268435456u);
}

TEST_CASE("1,000 concurrent sleep 1 in one job, with the event loop on time") {
    TempDir dir;
    auto file = dir.file("jobs.toml", R"T([process]
max = 1000
[jobs.sleepers]
kind = "process"
command = ["sleep", "1"]
repeat = 1000
)T");
    const auto report = (dir.path() / "r.json").string();
    const auto start = std::chrono::steady_clock::now();
    auto out = run_program({"sh", "-c", "ulimit -n 8192; exec " + std::string(GAIA_BINARY) + " run --concurrency 1000 " +
                                            file + " --report-json " + report});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(out.err);
    CHECK(out.exit_code == 0);
    auto r = json::parse(read_file(report));
    CHECK(job(r, "sleepers")["passed"] == 1000);
    CHECK(seconds < 15);
    MESSAGE("1,000 x sleep 1: " << seconds << " s, worst loop lag " << r["run"]["loop_lag_max_s"].get<double>() << " s");
    // Alone on this machine the worst lag is about 5 ms; starting all 1,000 in one loop
    // turn made it 2.7 s. The bound leaves room for a busy CI machine (the lag also counts
    // time the loop thread waits for a CPU: with the package test beside it on 2 cores it
    // has been 0.8 s) and still fails that regression.
#ifndef GAIA_SANITIZED
    CHECK(r["run"]["loop_lag_max_s"].get<double>() < 1.5);
#endif
    // Not in the sanitized build: there the lag measures the instrumentation and the
    // machine's load more than gaia — for the same code on CI it has been 2.3 s and 4.5 s
    // (in a 7 s run), so no bound there would tell a fault from a busy day. The plain
    // build checks it.
}

namespace {

// Processes (zombies included: they keep their name) whose command name is `comm`.
int count_by_comm(const std::string& comm) {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        auto text = read_file(entry.path() / "comm");
        if (!text.empty() && text.back() == '\n') text.pop_back();
        if (text == comm) ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("no zombie and no orphan after a run that leaves things behind on purpose") {
    TempDir dir;
    // A copy of sleep under a name nothing else uses, so that every process of this test
    // can be counted, zombies too.
    const auto sleeper = (dir.path() / "gaiazzsleep").string();
    std::filesystem::copy_file("/bin/sleep", sleeper);
    std::filesystem::permissions(sleeper, std::filesystem::perms::owner_all);
    REQUIRE(count_by_comm("gaiazzsleep") == 0);
    auto file = dir.file("jobs.toml", R"T([process]
max = 50
[jobs.orphans]
kind = "process"
repeat = 10
shell = "{{ vars.s }} 30 & {{ vars.s }} 30 & echo left two behind"
[jobs.timeouts]
kind = "process"
repeat = 10
shell = "{{ vars.s }} 30 & {{ vars.s }} 30"
timeout = "200ms"
kill_grace = "100ms"
[jobs.service]
kind = "process"
shell = "echo up; {{ vars.s }} 30 & {{ vars.s }} 30"
background = true
ready = { log = "up" }
[jobs.user]
kind = "process"
needs = ["service"]
command = ["true"]
[jobs.daemon]
kind = "process"
shell = "setsid {{ vars.s }} 0.1 & echo detached"
[jobs.last]
kind = "process"
needs = ["daemon"]
command = ["{{ vars.s }}", "0.6"]
)T");
    auto out = run_gaia({"run", file, "--var", "s=" + sleeper});
    INFO(out.err);
    CHECK(out.exit_code == 1);  // the timeouts fail, as they should
    // A process that left the job's group (setsid) is stopped with its job (see
    // escape_test.cpp); either way gaia, its subreaper, reaps it: no zombie is left.
    CHECK(count_by_comm("gaiazzsleep") == 0);
}

TEST_CASE("a template that cannot be rendered fails its instance only") {
    TempDir dir;
    auto file = dir.file("jobs.toml", R"T([jobs.items]
kind = "process"
for_each = [{ name = "a" }, { other = "b" }]
command = ["true"]
stdout_file = ")T" + dir.path().string() + R"T(/{{ item.name }}.log"
thresholds = { success_rate = 0.5 }
)T");
    auto out = run_gaia({"run", file});
    INFO(out.err);
    CHECK(out.exit_code == 0);
    CHECK(out.out.find("items  process  passed  2          1") != std::string::npos);
}
