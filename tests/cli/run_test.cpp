// gaia run end to end: the built binary on job files written by the test, with real
// processes; exit statuses, reports, signals and secrets as gaia(1) and gaia-run(1) promise.

#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <csignal>
#include <thread>

using namespace gaia::test;
using nlohmann::json;

TEST_CASE("the quick-start example passes with exit 0, shows what its jobs did, and a summary table") {
    auto out = run_gaia({"run", std::string(GAIA_SOURCE_DIR) + "/examples/quickstart.toml"});
    INFO(out.out, out.err);
    CHECK(out.exit_code == 0);
    // What the jobs printed, the capture of `hello` as `count` saw it, then the table.
    CHECK(out.out.find("hello | hello from quickstart\n") != std::string::npos);
    CHECK(out.out.find("saw: hello from quickstart\n") != std::string::npos);
    CHECK(out.out.find("words#2 | gamma\n") != std::string::npos);
    CHECK(out.out.find("\njob ") != std::string::npos);
    CHECK(out.out.find("hello  process  passed") != std::string::npos);
    CHECK(out.out.find("run quickstart: passed") != std::string::npos);
}

TEST_CASE("exit 1 when a job fails, 0 when the failure is allowed") {
    TempDir dir;
    auto failing = dir.file("f.toml", "[jobs.bad]\nkind = \"process\"\nshell = \"echo oops >&2; exit 3\"\n");
    auto out = run_gaia({"run", failing});
    CHECK(out.exit_code == 1);
    CHECK(out.err.find("job bad failed") != std::string::npos);
    CHECK(out.err.find("exit code 3 (expected 0): oops") != std::string::npos);
    auto allowed = dir.file("a.toml", "[jobs.bad]\nkind = \"process\"\nshell = \"exit 3\"\nallow_failure = true\n"
                                      "[jobs.next]\nkind = \"process\"\nneeds = [\"bad\"]\ncommand = [\"true\"]\n");
    out = run_gaia({"run", allowed});
    INFO(out.err);
    CHECK(out.exit_code == 0);
    CHECK(out.out.find("failed (allowed)") != std::string::npos);
    CHECK(out.out.find("next  process  passed") != std::string::npos);
}

TEST_CASE("a plain gaia run maps neither the profiler nor libcurl: both are loaded only when used") {
    // The job prints the memory map of its parent, gaia itself.
    auto out = run_gaia({"run", "-"}, "[jobs.maps]\nkind = \"process\"\nshell = \"cat /proc/$PPID/maps\"\n"
                                      "stdout = \"inherit\"\n");
    REQUIRE(out.exit_code == 0);
    CHECK(out.out.find("libuv") != std::string::npos);  // the map is gaia's (libuv is linked)
    CHECK(out.out.find("libprofiler") == std::string::npos);
    CHECK(out.out.find("libcurl") == std::string::npos);
}

TEST_CASE("a job file on standard input") {
    auto out = run_gaia({"run", "-"}, "[jobs.x]\nkind = \"process\"\ncommand = [\"true\"]\n");
    CHECK(out.exit_code == 0);
    CHECK(out.out.find("run stdin: passed") != std::string::npos);
}

TEST_CASE("the JSON report has the documented shape") {
    TempDir dir;
    auto file = dir.file("r.toml", R"T(name = "rep"
[jobs.list]
kind = "process"
shell = "echo '[\"a\",\"b\",\"c\"]'"
capture.items = "stdout"
[jobs.each]
kind = "process"
needs = ["list"]
for_each = "{{ jobs.list.items }}"
command = ["echo", "item={{ item }}"]
capture.got = "stdout:item=(\\w+)"
[jobs.broken]
kind = "process"
command = ["false"]
retries = { attempts = 1, backoff = "1ms" }
allow_failure = true
)T");
    const auto report = (dir.path() / "report.json").string();
    auto out = run_gaia({"run", file, "--report-json", report});
    INFO(out.err);
    CHECK(out.exit_code == 0);
    auto j = json::parse(read_file(report));
    CHECK(j["run"]["name"] == "rep");
    CHECK(j["run"]["status"] == "passed");
    CHECK(j["run"]["id"].get<std::string>().size() == 16);
    CHECK(j["run"]["started"].get<std::string>().back() == 'Z');
    REQUIRE(j["jobs"].size() == 3);
    const auto& each = j["jobs"][1];
    for (const char* key : {"name", "kind", "status", "instances", "passed", "failed", "skipped", "attempts", "latency_s",
                            "bytes", "first_error", "captures"}) {
        CHECK_MESSAGE(each.contains(key), key);
    }
    CHECK(each["instances"] == 3);
    CHECK(each["captures"]["got"] == json::array({"a", "b", "c"}));
    CHECK(each["latency_s"].contains("p95"));
    const auto& broken = j["jobs"][2];
    CHECK(broken["status"] == "failed");
    CHECK(broken["attempts"] == 2);
    CHECK(broken["first_error"] == "exit code 1 (expected 0)");
    // When each job ran, and its instances over that time (what the HTML report draws).
    double list_finished = 0;
    for (const auto& job : j["jobs"]) {
        INFO(job["name"]);
        REQUIRE(job["started_s"].is_number());
        CHECK(job["started_s"].get<double>() >= 0);
        CHECK(job["finished_s"].get<double>() >= job["started_s"].get<double>());
        CHECK(job["finished_s"].get<double>() <= j["run"]["duration_s"].get<double>());
        if (job["name"] == "list") list_finished = job["finished_s"].get<double>();
        if (job["name"] == "each") {
            CHECK(job["needs"] == json::array({"list"}));
            CHECK(job["started_s"].get<double>() >= list_finished);
        }
    }
    std::uint64_t started = 0;
    for (const auto& bin : each["activity"]["bins"]) started += bin[1].get<std::uint64_t>();
    CHECK(started == 3);
    const auto& bins = broken["activity"]["bins"];
    REQUIRE(bins.size() >= 1);
    CHECK(bins.back()[2] == 1);  // failed
    CHECK(bins.back()[3] == 1);  // after a retry
}

TEST_CASE("the JUnit report is valid XML with one suite per file and a case per job") {
    TempDir dir;
    auto one = dir.file("one.toml", "[jobs.ok]\nkind = \"process\"\ncommand = [\"true\"]\n");
    auto two = dir.file("two.toml", "[jobs.bad]\nkind = \"process\"\nshell = \"printf '<&>\\\\001'; exit 2\"\n"
                                    "[jobs.after]\nkind = \"process\"\nneeds = [\"bad\"]\ncommand = [\"true\"]\n");
    const auto junit = (dir.path() / "junit.xml").string();
    auto out = run_gaia({"run", one, two, "--report-junit", junit});
    CHECK(out.exit_code == 1);
    pugi::xml_document doc;
    auto parsed = doc.load_file(junit.c_str());
    INFO(parsed.description(), read_file(junit));
    REQUIRE(parsed);
    auto suites = doc.child("testsuites");
    CHECK(std::string(suites.attribute("tests").value()) == "3");
    CHECK(std::string(suites.attribute("failures").value()) == "1");
    CHECK(std::distance(suites.children("testsuite").begin(), suites.children("testsuite").end()) == 2);
    auto bad = suites.find_node([](pugi::xml_node n) { return std::string(n.attribute("name").value()) == "bad"; });
    REQUIRE(bad);
    CHECK(std::string(bad.child("failure").attribute("message").value()).find("exit code 2") == 0);
    auto after = suites.find_node([](pugi::xml_node n) { return std::string(n.attribute("name").value()) == "after"; });
    CHECK(after.child("skipped"));
}

TEST_CASE("--metrics-file passes promtool and has the run and process metrics") {
    TempDir dir;
    auto file = dir.file("m.toml", "[jobs.m]\nkind = \"process\"\ncommand = [\"true\"]\nrepeat = 3\n");
    const auto metrics = (dir.path() / "gaia.prom").string();
    auto out = run_gaia({"run", file, "--metrics-file", metrics});
    CHECK(out.exit_code == 0);
    const auto text = read_file(metrics);
    auto check = run_program({"sh", "-c", "promtool check metrics < " + metrics});
    INFO(check.out, check.err, text);
    CHECK(check.exit_code == 0);
    for (const char* needle :
         {"gaia_build_info{version=", "gaia_job_runs_total{job=\"m\",kind=\"process\",status=\"passed\"} 1",
          "gaia_tasks_total{job=\"m\",kind=\"process\",status=\"passed\"} 3", "gaia_task_duration_seconds_count{job=\"m\"",
          "gaia_tasks_in_flight{kind=\"process\"} 0", "gaia_process_exits_total{job=\"m\",status=\"success\"} 3",
          "gaia_process_active 0", "gaia_event_loop_lag_seconds ", "process_resident_memory_bytes ",
          "process_start_time_seconds "}) {
        CHECK_MESSAGE(text.find(needle) != std::string::npos, needle);
    }
}

TEST_CASE("secrets from env.* never reach any output") {
    TempDir dir;
    const std::string secret = "s3cr3t-Value-42";
    auto file = dir.file("s.toml", R"T([vars]
token = "{{ env.GAIA_TEST_SECRET }}"
[jobs.leak]
kind = "process"
env = { TOKEN = "{{ env.GAIA_TEST_SECRET }}" }
shell = "echo token=$TOKEN; echo $TOKEN >&2; exit 1"
stdout = "inherit"
capture.t = "stdout"
[jobs.leak2]
kind = "process"
command = ["sh", "-c", "echo {{ vars.token }}"]
expect.stdout_contains = "nope"
)T");
    const auto json_path = (dir.path() / "r.json").string();
    const auto junit_path = (dir.path() / "r.xml").string();
    const auto metrics_path = (dir.path() / "m.prom").string();
    auto out = run_gaia({"run", file, "-v", "--report-json", json_path, "--report-junit", junit_path, "--metrics-file",
                         metrics_path},
                        "", {"GAIA_TEST_SECRET=" + secret});
    CHECK(out.exit_code == 1);
    CHECK(out.out.find("token=***") != std::string::npos);  // the inherited line, masked
    for (const auto& text : {out.out, out.err, read_file(json_path), read_file(junit_path), read_file(metrics_path)}) {
        CHECK(text.find(secret) == std::string::npos);
    }
    CHECK(read_file(json_path).find("token=***") != std::string::npos);
}

TEST_CASE("an unset env.* is an error for run, a warning for validate that names what run needs, an error with --require-env") {
    TempDir dir;
    auto file = dir.file("e.toml", "[jobs.a]\nkind = \"process\"\ncommand = [\"echo\", \"{{ env.GAIA_SURELY_UNSET }}\", "
                                   "\"{{ env.HOME }}\"]\n");
    auto run = run_gaia({"run", file});
    CHECK(run.exit_code == 2);
    CHECK(run.err.find(file + ":3:21: error: environment variable `GAIA_SURELY_UNSET` is not set") != std::string::npos);
    auto validate = run_gaia({"validate", file});
    CHECK(validate.exit_code == 0);
    CHECK(validate.err.find("warning: environment variable `GAIA_SURELY_UNSET` is not set") != std::string::npos);
    // Only the unset one is named: HOME is there.
    CHECK(validate.out == "1 file ok: 1 job\ngaia run needs these environment variables, unset here: GAIA_SURELY_UNSET "
                          "(--require-env makes that an error)\n");
    auto strict = run_gaia({"validate", "--require-env", file});
    CHECK(strict.exit_code == 2);
    CHECK(strict.err.find(file + ":3:21: error: environment variable `GAIA_SURELY_UNSET` is not set") != std::string::npos);
    CHECK(run_gaia({"validate", "--require-env", file}, "", {"GAIA_SURELY_UNSET=1"}).exit_code == 0);
}

TEST_CASE("--only runs the chosen jobs and what they need") {
    TempDir dir;
    auto file = dir.file("o.toml", R"T([jobs.base]
kind = "process"
command = ["true"]
[jobs.deploy]
kind = "process"
needs = ["base"]
tags = ["prod"]
command = ["true"]
[jobs.other]
kind = "process"
command = ["true"]
)T");
    auto out = run_gaia({"run", file, "--only", "prod"});
    CHECK(out.exit_code == 0);
    CHECK(out.out.find("base") != std::string::npos);
    CHECK(out.out.find("deploy") != std::string::npos);
    CHECK(out.out.find("other") == std::string::npos);
    out = run_gaia({"run", file, "--only", "nothing"});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find("--only: no job or tag named `nothing`") != std::string::npos);
}

TEST_CASE("usage errors exit 2") {
    CHECK(run_gaia({"run"}).exit_code == 2);
    CHECK(run_gaia({"frobnicate"}).exit_code == 2);
    CHECK(run_gaia({"run", "--no-such-option", "x.toml"}).exit_code == 2);
    CHECK(run_gaia({"run", "--progress", "sometimes", "x.toml"}).exit_code == 2);
    auto bad_var = run_gaia({"run", "--var", "novalue", "-"}, "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n");
    CHECK(bad_var.exit_code == 2);
    CHECK(bad_var.err.find("--var takes NAME=VALUE") != std::string::npos);
    auto unused_var = run_gaia({"run", "--var", "nosuch=1", "-"}, "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n");
    CHECK(unused_var.exit_code == 0);
    CHECK(unused_var.err.find("gaia: warning: --var nosuch: no template uses `vars.nosuch`\n") != std::string::npos);
    auto bad_timeout = run_gaia({"run", "--timeout", "5", "-"}, "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n");
    CHECK(bad_timeout.exit_code == 2);
}

TEST_CASE("version and plan") {
    auto v = run_gaia({"version"});
    CHECK(v.exit_code == 0);
    CHECK(v.out.rfind("gaia ", 0) == 0);
    CHECK(run_gaia({"--version"}).out == v.out);
    TempDir dir;
    auto file = dir.file("p.toml", R"T([jobs.b]
kind = "process"
needs = ["a"]
repeat = 4
command = ["true"]
[jobs.a]
kind = "process"
command = ["true"]
capture.x = "stdout"
[jobs.c]
kind = "process"
needs = ["a"]
for_each = "{{ jobs.a.x }}"
command = ["true"]
)T");
    auto plan = run_gaia({"plan", file});
    INFO(plan.out, plan.err);
    CHECK(plan.exit_code == 0);
    CHECK(plan.out.find("1  a") != std::string::npos);
    CHECK(plan.out.find("2  b    process  a      4") != std::string::npos);
    CHECK(plan.out.find("from jobs.a.x") != std::string::npos);
    CHECK(plan.out.find("3 jobs, 5 tasks (+ 1 job sized at run time)") != std::string::npos);
}

TEST_CASE("SIGINT during 100 sleeping processes: exit 130 within grace, nothing left behind") {
    TempDir dir;
    auto file = dir.file("s.toml", R"T([process]
max = 200
[jobs.sleepers]
kind = "process"
command = ["sleep", "30.4242"]
repeat = 100
kill_grace = "1s"
[jobs.stubborn]
kind = "process"
shell = "trap '' TERM; sleep 30.4242 & sleep 30.4242"
kill_grace = "1s"
)T");
    const auto report = (dir.path() / "r.json").string();
    BackgroundGaia gaia({"run", file, "--report-json", report}, dir.path());
    REQUIRE(wait_for_processes("sleep 30.4242", 102) >= 102);
    const auto start = std::chrono::steady_clock::now();
    gaia.signal(SIGINT);
    const int code = gaia.wait(10);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(gaia.err());
    CHECK(code == 130);
    CHECK(seconds < 2 + 1);
    CHECK(count_processes("sleep 30.4242") == 0);
    auto j = json::parse(read_file(report));
    CHECK(j["run"]["status"] == "interrupted");
    CHECK(j["jobs"][0]["status"] == "cancelled");
}

TEST_CASE("SIGTERM exits 143 and a second SIGINT kills at once") {
    TempDir dir;
    auto file = dir.file("t.toml", "[jobs.stubborn]\nkind = \"process\"\nshell = \"trap '' TERM; sleep 30.5151\"\n"
                                   "kill_grace = \"30s\"\n");
    {
        BackgroundGaia gaia({"run", file}, dir.path());
        // The shell and its sleep: the trap is set once the sleep runs (a shell that
        // execs its last command leaves one process, hence the extra moment).
        REQUIRE(wait_for_processes("sleep 30.5151", 2) >= 1);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        gaia.signal(SIGINT);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        CHECK(gaia.wait(0.01) == -1);  // still in its 30 s grace
        gaia.signal(SIGINT);
        CHECK(gaia.wait(3) == 130);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CHECK(count_processes("sleep 30.5151") == 0);
    }
    auto quick = dir.file("q.toml", "[jobs.s]\nkind = \"process\"\ncommand = [\"sleep\", \"30.6161\"]\n");
    BackgroundGaia gaia({"run", quick}, dir.path());
    REQUIRE(wait_for_processes("sleep 30.6161", 1) >= 1);
    gaia.signal(SIGTERM);
    CHECK(gaia.wait(5) == 143);
    CHECK(count_processes("sleep 30.6161") == 0);
}

TEST_CASE("a job-file error about a value made from env.* does not print the value") {
    TempDir dir;
    auto file = dir.file("s.toml", "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\ntimeout = \"{{ env.GAIA_TEST_SECRET }}\"\n");
    auto out = run_gaia({"validate", file}, "", {"GAIA_TEST_SECRET=hush-hush-77"});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find("hush-hush-77") == std::string::npos);
    CHECK(out.err.find("invalid duration \"{{ env.GAIA_TEST_SECRET }}\"") != std::string::npos);
}

TEST_CASE("--log-format json writes one JSON object per log line") {
    auto out = run_gaia({"run", "--log-format", "json", "-"}, "[jobs.x]\nkind = \"process\"\ncommand = [\"false\"]\n");
    CHECK(out.exit_code == 1);
    std::size_t lines = 0;
    std::size_t start = 0;
    while (start < out.err.size()) {
        auto end = out.err.find('\n', start);
        auto line = out.err.substr(start, end - start);
        auto j = json::parse(line, nullptr, false);
        CHECK_MESSAGE(!j.is_discarded(), line);
        if (!j.is_discarded()) {
            CHECK(j.contains("time"));
            CHECK(j.contains("level"));
            CHECK(j.contains("msg"));
        }
        ++lines;
        start = end == std::string::npos ? out.err.size() : end + 1;
    }
    CHECK(lines >= 1);
}

TEST_CASE("colour only when asked for off a terminal, and never with NO_COLOR unless forced") {
    const std::string jobs = "[jobs.x]\nkind = \"process\"\ncommand = [\"true\"]\n";
    CHECK(run_gaia({"run", "-"}, jobs).out.find("\x1b[") == std::string::npos);
    CHECK(run_gaia({"run", "--color", "always", "-"}, jobs).out.find("\x1b[") != std::string::npos);
    CHECK(run_gaia({"run", "--color", "auto", "-"}, jobs, {"NO_COLOR=1"}).out.find("\x1b[") == std::string::npos);
    CHECK(run_gaia({"run", "--color", "always", "-"}, jobs, {"NO_COLOR=1"}).out.find("\x1b[") != std::string::npos);
}

TEST_CASE("the run timeout cancels running work and fails the run") {
    TempDir dir;
    auto file = dir.file("t.toml", "[settings]\ntimeout = \"300ms\"\n[jobs.s]\nkind = \"process\"\ncommand = [\"sleep\", \"30.2323\"]\n");
    const auto start = std::chrono::steady_clock::now();
    auto out = run_gaia({"run", file});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(out.exit_code == 1);
    CHECK(seconds < 5);
    CHECK(out.out.find("run t: timeout") != std::string::npos);
    CHECK(count_processes("sleep 30.2323") == 0);
}

TEST_CASE("--shard runs one slice of every fan-out and keeps the global index") {
    TempDir dir;
    auto file = dir.file("s.toml", R"T([jobs.setup]
kind = "process"
command = ["true"]
[jobs.fan]
kind = "process"
needs = ["setup"]
repeat = 10
command = ["echo", "{{ index }}"]
capture.i = "stdout"
)T");
    const auto report = (dir.path() / "r.json").string();
    auto out = run_gaia({"run", file, "--shard", "2/3", "--report-json", report});
    INFO(out.err);
    CHECK(out.exit_code == 0);
    auto j = json::parse(read_file(report));
    CHECK(j["jobs"][0]["instances"] == 1);
    CHECK(j["jobs"][1]["instances"] == 3);
    CHECK(j["jobs"][1]["captures"]["i"] == json::array({nullptr, nullptr, nullptr, "3", "4", "5", nullptr, nullptr, nullptr, nullptr}));
    for (const char* bad : {"0/3", "4/3", "3", "1/0", "a/b", "1/2x"}) {
        CHECK(run_gaia({"run", file, "--shard", bad}).exit_code == 2);
    }
}

TEST_CASE("--shard auto takes the slice from a Slurm array or a Kubernetes Indexed Job, and the shards cover the work once") {
    TempDir dir;
    auto file = dir.file("s.toml", R"T([jobs.service]
kind = "process"
command = ["sleep", "30"]
background = true
[jobs.fan]
kind = "process"
needs = ["service"]
repeat = 10
command = ["echo", "{{ run.shard }} {{ run.shard_index }}/{{ run.shard_count }} {{ index }}"]
capture.line = "stdout"
[jobs.notify]
kind = "process"
needs = ["fan"]
shard = "first"
command = ["echo", "once"]
)T");
    std::vector<std::string> seen(10);
    for (int task = 0; task < 4; ++task) {
        const auto report = (dir.path() / ("r" + std::to_string(task) + ".json")).string();
        // sbatch --array=0-3 gives each task these; an Indexed Job gives JOB_COMPLETION_INDEX.
        const std::vector<std::string> env =
            task % 2 == 0 ? std::vector<std::string>{"SLURM_ARRAY_TASK_ID=" + std::to_string(task), "SLURM_ARRAY_TASK_MIN=0",
                                                     "SLURM_ARRAY_TASK_MAX=3"}
                          : std::vector<std::string>{"JOB_COMPLETION_INDEX=" + std::to_string(task), "GAIA_SHARD_COUNT=4"};
        auto out = run_gaia({"run", file, "--shard", "auto", "--report-json", report}, "", env);
        INFO(task, out.err);
        REQUIRE(out.exit_code == 0);
        CHECK(out.err.find("shard " + std::to_string(task + 1) + "/4 (") != std::string::npos);
        const auto j = json::parse(read_file(report));
        CHECK(j["run"]["shard"] == std::to_string(task + 1) + "/4");
        CHECK(j["jobs"][0]["status"] == "passed");  // the service runs in every shard
        CHECK(j["jobs"][0]["fan_out"] == false);
        CHECK(j["jobs"][1]["fan_out"] == true);
        const auto& lines = j["jobs"][1]["captures"]["line"];
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (lines[i].is_null()) continue;
            CHECK(seen[i].empty());  // no instance runs in two shards
            seen[i] = lines[i].get<std::string>();
            const auto shard = std::to_string(task + 1) + "/4";
            CHECK(seen[i] == shard + " " + shard + " " + std::to_string(i));
        }
        CHECK(j["jobs"][2]["status"] == (task == 0 ? "passed" : "skipped"));
        // The shard's latency histogram counts its own instances: shards' histograms add up.
        std::uint64_t counted = 0;
        for (const auto& bucket : j["jobs"][1]["latency_histogram"]["buckets"]) counted += bucket[1].get<std::uint64_t>();
        CHECK(counted == j["jobs"][1]["instances"].get<std::uint64_t>());
        if (task > 0) CHECK(j["jobs"][2]["first_error"] == "runs in shard 1 of 4 only (shard = \"first\")");
    }
    for (std::size_t i = 0; i < seen.size(); ++i) CHECK_MESSAGE(!seen[i].empty(), "instance ", i, " ran in no shard");
    // K%N counts from 0, as the engines do.
    const auto a = (dir.path() / "a.json").string(), b = (dir.path() / "b.json").string();
    REQUIRE(run_gaia({"run", file, "--shard", "1%4", "--report-json", a}).exit_code == 0);
    REQUIRE(run_gaia({"run", file, "--shard", "2/4", "--report-json", b}).exit_code == 0);
    CHECK(json::parse(read_file(a))["jobs"][1]["captures"] == json::parse(read_file(b))["jobs"][1]["captures"]);
    auto none = run_gaia({"run", file, "--shard", "auto"});
    CHECK(none.exit_code == 2);
    CHECK(none.err.find("the environment names no shard") != std::string::npos);
}

TEST_CASE("the report's job_set_digest is the same for the same files anywhere and changes with any of them or a --var") {
    TempDir a, b;
    const std::string main_text = "include = \"more.toml\"\n[jobs.x]\nkind = \"process\"\ncommand = [\"echo\", \"{{ vars.v }}\"]\n"
                                  "[vars]\nv = \"1\"\n";
    const std::string more_text = "[jobs.y]\nkind = \"process\"\ncommand = [\"true\"]\n";
    auto digest = [](const TempDir& dir, const std::vector<std::string>& extra = {}) {
        const auto report = (dir.path() / "r.json").string();
        std::vector<std::string> args = {"run", (dir.path() / "main.toml").string(), "--report-json", report, "-q"};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto out = run_gaia(args);
        REQUIRE_MESSAGE(out.exit_code == 0, out.err);
        return json::parse(read_file(report))["run"]["job_set_digest"].get<std::string>();
    };
    a.file("main.toml", main_text);
    a.file("more.toml", more_text);
    b.file("main.toml", main_text);
    b.file("more.toml", more_text);
    const auto here = digest(a);
    CHECK(here.rfind("sha256:", 0) == 0);
    CHECK(here.size() == 7 + 64);
    CHECK(digest(b) == here);  // another directory, the same files
    CHECK(digest(a, {"--var", "v=2"}) != here);
    CHECK(digest(a, {"--var", "v=1", "--var", "v=2"}) == digest(a, {"--var", "v=2"}));  // the last one wins
    b.file("more.toml", more_text + "# a comment is a change too\n");
    CHECK(digest(b) != here);
}
