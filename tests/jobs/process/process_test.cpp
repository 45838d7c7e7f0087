// The process kind, end to end through the gaia binary with real child processes.

#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace gaia::test;
using nlohmann::json;

namespace {

// Runs a job file and returns the parsed JSON report, the output and exit status.
struct RunResult {
    Output output;
    json report;
    const json& job(const std::string& name) const {
        for (const auto& j : report["jobs"]) {
            if (j["name"] == name) return j;
        }
        throw std::runtime_error("no job " + name);
    }
};

RunResult run_jobs(const TempDir& dir, const std::string& text, std::vector<std::string> extra_args = {}) {
    auto file = dir.file("jobs.toml", text);
    const auto report = (dir.path() / "report.json").string();
    std::vector<std::string> args{"run", file, "--report-json", report};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    RunResult r;
    r.output = run_gaia(args);
    r.report = json::parse(read_file(report));
    return r;
}

}  // namespace

TEST_CASE("captures, stdin, env, clear_env and cwd") {
    TempDir dir;
    auto r = run_jobs(dir, R"T([jobs.io]
kind = "process"
shell = "read line; echo got=$line; echo sub=$GAIA_SUB; pwd; exit 4"
stdin = "hello"
env = { GAIA_SUB = "yes" }
cwd = "/tmp"
expect.exit_code = [0, 4]
expect.stdout_contains = ["got=hello", "sub=yes"]
expect.stdout_matches = "^/tmp$"
capture.line = "stdout:got=(\\w+)"
capture.code = "exit_code"
capture.all = "stdout"
[jobs.clean]
kind = "process"
command = ["/usr/bin/env"]
clear_env = true
env = { ONLY = "1" }
capture.env = "stdout"
)T");
    INFO(r.output.err);
    CHECK(r.output.exit_code == 0);
    CHECK(r.job("io")["captures"]["line"] == "hello");
    CHECK(r.job("io")["captures"]["code"] == 4);
    CHECK(r.job("io")["captures"]["all"] == "got=hello\nsub=yes\n/tmp");
    CHECK(r.job("clean")["captures"]["env"] == "ONLY=1");
}

TEST_CASE("failed expectations say what was expected") {
    TempDir dir;
    auto r = run_jobs(dir, R"T([jobs.a]
kind = "process"
command = ["echo", "abc"]
expect.stdout_contains = "xyz"
[jobs.b]
kind = "process"
shell = "echo warn >&2"
expect.stderr_contains = "error"
[jobs.c]
kind = "process"
command = ["echo", "abc"]
expect.stdout_matches = "^\\d+$"
[jobs.d]
kind = "process"
command = ["echo", "abc"]
capture.n = "stdout:(\\d+)"
)T");
    CHECK(r.output.exit_code == 1);
    CHECK(r.job("a")["first_error"] == "stdout does not contain \"xyz\"");
    CHECK(r.job("b")["first_error"] == "stderr does not contain \"error\"");
    CHECK(r.job("c")["first_error"] == "stdout does not match /^\\d+$/");
    CHECK(r.job("d")["first_error"] == "capture `n`: /(\\d+)/ did not match stdout");
}

TEST_CASE("a program that does not exist fails at once, without retries") {
    TempDir dir;
    auto r = run_jobs(dir, "[jobs.ghost]\nkind = \"process\"\ncommand = [\"gaia-no-such-program\"]\nretries = 3\n");
    CHECK(r.output.exit_code == 1);
    CHECK(r.job("ghost")["attempts"] == 1);
    CHECK(r.job("ghost")["first_error"] ==
          "cannot start `gaia-no-such-program`: ENOENT (no such file or directory)");
}

TEST_CASE("a timeout stops the whole process group, grandchildren included") {
    TempDir dir;
    auto r = run_jobs(dir, R"T([jobs.slow]
kind = "process"
shell = "sleep 30.7373 & sleep 30.7373"
timeout = "300ms"
kill_grace = "200ms"
)T");
    CHECK(r.output.exit_code == 1);
    CHECK(r.job("slow")["first_error"] == "timed out after 300ms");
    CHECK(r.job("slow")["details"]["killed_by"] == "timeout");
    CHECK(r.job("slow")["latency_s"]["max"].get<double>() < 5);
    CHECK(count_processes("sleep 30.7373") == 0);
}

TEST_CASE("kill_signal is sent first and a child that ignores it is killed after kill_grace") {
    TempDir dir;
    auto r = run_jobs(dir, R"T([jobs.int]
kind = "process"
shell = "trap 'echo got INT; exit 0' INT; sleep 30.8484 & wait"
kill_signal = "SIGINT"
timeout = "300ms"
[jobs.deaf]
kind = "process"
shell = "trap '' TERM; sleep 30.8484"
timeout = "200ms"
kill_grace = "300ms"
)T");
    CHECK(r.job("int")["first_error"] == "timed out after 300ms");
    CHECK(r.job("deaf")["first_error"] == "timed out after 200ms");
    const double deaf = r.job("deaf")["latency_s"]["max"].get<double>();
    CHECK(deaf >= 0.45);
    CHECK(deaf < 3);
    CHECK(count_processes("sleep 30.8484") == 0);
}

TEST_CASE("inherit prefixes lines, stdout_file streams per instance, discard drops") {
    TempDir dir;
    auto r = run_jobs(dir, R"T([jobs.talk]
kind = "process"
repeat = 2
shell = "echo line-{{ index }}; printf 'partial'"
stdout = "inherit"
[jobs.file]
kind = "process"
repeat = 2
command = ["echo", "to-file-{{ index }}"]
stdout_file = ")T" + dir.path().string() + R"T(/out-{{ index }}.txt"
[jobs.quiet]
kind = "process"
command = ["echo", "dropped"]
stdout = "discard"
capture.o = "stdout"
)T");
    INFO(r.output.err);
    CHECK(r.output.exit_code == 0);
    CHECK(r.output.out.find("talk#0 | line-0\n") != std::string::npos);
    CHECK(r.output.out.find("talk#1 | partial\n") != std::string::npos);
    CHECK(read_file(dir.path() / "out-0.txt") == "to-file-0\n");
    CHECK(read_file(dir.path() / "out-1.txt") == "to-file-1\n");
    CHECK(r.job("quiet")["captures"]["o"] == "");
}

TEST_CASE("a capture of more stdout than the 64 KiB kept is an error, and expectations read the last 64 KiB") {
    TempDir dir;
    auto r = run_jobs(dir, R"T([jobs.big]
kind = "process"
shell = "head -c 10000000 /dev/zero | tr '\\0' x; echo; echo END"
capture.out = "stdout"
expect.stdout_contains = "END"
[jobs.tail_only]
kind = "process"
shell = "head -c 10000000 /dev/zero | tr '\\0' x; echo; echo END"
expect.stdout_contains = "END"
)T");
    CHECK(r.output.exit_code == 1);
    CHECK(r.job("big")["status"] == "failed");
    CHECK(r.job("big")["first_error"] == "capture `out`: stdout is 10000005 bytes, more than the 64 KiB kept (write it "
                                         "to a file with stdout_file and read that)");
    CHECK_FALSE(r.job("big")["captures"].contains("out"));
    CHECK(r.job("big")["bytes"] == 10000005);
    CHECK(r.job("tail_only")["status"] == "passed");
}

TEST_CASE("a process group's leftovers are removed when its leader exits") {
    TempDir dir;
    auto r = run_jobs(dir, "[jobs.bg]\nkind = \"process\"\nshell = \"sleep 30.9595 & echo started\"\n");
    CHECK(r.output.exit_code == 0);
    CHECK(count_processes("sleep 30.9595") == 0);
}
