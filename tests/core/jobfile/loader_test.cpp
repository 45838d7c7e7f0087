#include "core/jobfile/loader.hpp"
#include "jobs/registry.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <sstream>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia;
using namespace gaia::jobfile;

namespace {

struct Loaded {
    std::unique_ptr<JobSet> set;
    std::string errors;
};

Loaded load_files(std::vector<std::string> files, std::string stdin_text = "",
                  std::vector<std::pair<std::string, std::string>> vars = {}) {
    std::istringstream in(stdin_text);
    LoadOptions options;
    options.files = std::move(files);
    options.vars = std::move(vars);
    options.standard_input = &in;
    for (const auto* kind : jobs::all_kinds()) options.kinds.push_back(kind);
    Diagnostics diags;
    Loaded out;
    out.set = load_job_files(options, diags);
    std::ostringstream text;
    diags.print(text, false);
    out.errors = text.str();
    return out;
}

Loaded load_text(const std::string& text) { return load_files({"-"}, text); }

}  // namespace

TEST_CASE("a valid file loads with every common key") {
    auto r = load_text(R"T(
name = "demo"
[settings]
concurrency = 10
fail_fast = true
timeout = "1m"
[vars]
x = "1"
[jobs.a]
kind = "process"
command = ["echo", "{{ vars.x }}"]
capture.out = "stdout"
[jobs.b]
kind = "process"
needs = ["a"]
repeat = 3
concurrency = 2
rate = "10/s"
timeout = "5s"
retries = { attempts = 2, backoff = "10ms", max_backoff = "1s" }
thresholds = { success_rate = 0.5, p95 = "1s" }
allow_failure = true
tags = ["t"]
shell = "echo {{ jobs.a.out }} {{ index }}"
)T");
    INFO(r.errors);
    REQUIRE(r.set);
    CHECK(r.set->name == "demo");
    CHECK(r.set->settings.concurrency == 10);
    CHECK(r.set->settings.fail_fast);
    REQUIRE(r.set->jobs.size() == 2);
    const auto& b = r.set->jobs[1];
    CHECK(b.name == "b");
    CHECK(b.repeat == 3);
    CHECK(b.fan_out);
    CHECK(b.retries.attempts == 2);
    CHECK(b.thresholds.success_rate == doctest::Approx(0.5));
    CHECK(b.rate->per_second == doctest::Approx(10));
    CHECK(b.allow_failure);
}

TEST_CASE("every problem is reported with file, line and column") {
    auto r = load_text("[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\ntimout = \"5s\"\nrepeat = \"x\"\n");
    CHECK_FALSE(r.set);
    CHECK(r.errors.find("<stdin>:4:1: error: unknown key `timout` in job `a` (kind process) (did you mean `timeout`?)") !=
          std::string::npos);
    CHECK(r.errors.find("<stdin>:5:10: error: `repeat` must be an integer, not a string") != std::string::npos);
}

TEST_CASE("dependency cycles are named") {
    auto r = load_text(R"T([jobs.a]
kind = "process"
command = ["true"]
needs = ["c"]
[jobs.b]
kind = "process"
command = ["true"]
needs = ["a"]
[jobs.c]
kind = "process"
command = ["true"]
needs = ["b"]
)T");
    CHECK_FALSE(r.set);
    CHECK(r.errors.find("dependency cycle: a -> c -> b -> a") != std::string::npos);
}

TEST_CASE("a capture is usable only from a job that needs its producer") {
    auto r = load_text(R"T([jobs.a]
kind = "process"
command = ["true"]
capture.v = "stdout"
[jobs.b]
kind = "process"
command = ["echo", "{{ jobs.a.v }}", "{{ jobs.a.w }}"]
)T");
    CHECK_FALSE(r.set);
    CHECK(r.errors.find("<stdin>:7:21: error: `jobs.a.v`: job `b` does not need `a`") != std::string::npos);
    CHECK(r.errors.find("job `a` has no capture `w`") != std::string::npos);
}

TEST_CASE("unknown names in templates are caught before running") {
    auto r = load_text("[vars]\nbase = \"x\"\n[jobs.a]\nkind = \"process\"\ncommand = [\"echo\", \"{{ vars.bse }}\", \"{{ item }}\"]\n");
    CHECK_FALSE(r.set);
    CHECK(r.errors.find("unknown variable `vars.bse` (did you mean `base`?)") != std::string::npos);
    CHECK(r.errors.find("`item` is defined only in a job with `for_each`") != std::string::npos);
}

TEST_CASE("--var overrides and adds variables") {
    auto r = load_files({"-"},
                        "[vars]\nalpha = \"1\"\n[jobs.j]\nkind = \"process\"\ncommand = [\"echo\", \"{{ vars.beta }}\"]\n",
                        {{"alpha", "2"}, {"beta", "3"}});
    INFO(r.errors);
    REQUIRE(r.set);
    CHECK(r.set->vars.at("alpha") == "2");
    CHECK(r.set->vars.at("beta") == "3");
    // `alpha` is set but read by no template: changing it changes nothing, which the user should hear.
    CHECK(r.errors == "gaia: warning: --var alpha: no template uses `vars.alpha`\n");
}

TEST_CASE("templates in [settings], subsystem and [slo.*] tables are checked like a job's") {
    // They are fixed at load; an unknown name or bad syntax there used to drop the value
    // silently, so the default applied instead of what the file asked for.
    auto r = load_files({"-"}, R"T([vars]
grace = "5s"
[settings]
timeout = "{{ vars.timout }}"
[process]
kill_grace = "{{ vars.grace }}"
[file]
buffer = "{{ vars.buf"
[jobs.a]
kind = "process"
command = ["true"]
)T", {{"grace", "7s"}});
    INFO(r.errors);
    CHECK_FALSE(r.set);
    CHECK(r.errors.find("<stdin>:4:12: error: unknown variable `vars.timout`") != std::string::npos);
    CHECK(r.errors.find("<stdin>:8:11: error: unclosed `{{`") != std::string::npos);
    // vars.grace is read by [process]: the --var is used, no warning.
    CHECK(r.errors.find("--var grace") == std::string::npos);

    auto ok = load_files({"-"}, "[settings]\ntimeout = \"{{ vars.t }}\"\n[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n",
                         {{"t", "90s"}});
    INFO(ok.errors);
    REQUIRE(ok.set);
    CHECK(ok.errors.empty());
    CHECK(ok.set->settings.timeout == std::chrono::seconds(90));
}

TEST_CASE("a --var no template reads is a warning that names the nearest one a template does read") {
    auto r = load_files({"-"},
                        "[vars]\nregion = \"us\"\n[jobs.j]\nkind = \"process\"\ncommand = [\"echo\", \"{{ vars.region }}\"]\n",
                        {{"regoin", "eu"}, {"region", "ap"}, {"zzz", "1"}});
    INFO(r.errors);
    REQUIRE(r.set);  // a warning, not an error: the run goes on
    CHECK(r.set->vars.at("region") == "ap");
    CHECK(r.errors == "gaia: warning: --var regoin: no template uses `vars.regoin` (did you mean `region`?)\n"
                      "gaia: warning: --var zzz: no template uses `vars.zzz`\n");
}

TEST_CASE("several files merge and conflicting values name both places") {
    test::TempDir dir;
    auto one = dir.file("one.toml", "[settings]\nconcurrency = 4\n[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n");
    auto two = dir.file("two.toml", "[settings]\nconcurrency = 8\n[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n");
    auto r = load_files({one, two});
    CHECK_FALSE(r.set);
    CHECK(r.errors.find("two.toml:2:15: error: `settings.concurrency` is 8 here but 4 at " + one + ":2:15") !=
          std::string::npos);
    CHECK(r.errors.find("job `a` is defined twice") != std::string::npos);
}

TEST_CASE("includes are resolved relative to the including file, cycles reported") {
    test::TempDir dir;
    dir.file("sub/common.toml", "[vars]\nshared = \"yes\"\n[jobs.c]\nkind = \"process\"\ncommand = [\"true\"]\n");
    auto main = dir.file("main.toml", "include = [\"sub/common.toml\"]\n[jobs.m]\nkind = \"process\"\n"
                                      "command = [\"echo\", \"{{ vars.shared }}\"]\n");
    auto r = load_files({main});
    INFO(r.errors);
    REQUIRE(r.set);
    CHECK(r.set->jobs.size() == 2);
    dir.file("loop_a.toml", "include = [\"loop_b.toml\"]\n");
    dir.file("loop_b.toml", "include = [\"loop_a.toml\"]\n");
    auto cyc = load_files({(dir.path() / "loop_a.toml").string()});
    CHECK(cyc.errors.find("include cycle: loop_a.toml -> loop_b.toml -> loop_a.toml") != std::string::npos);
}

TEST_CASE("every kind of the contract loads — a misspelt one gets a suggestion") {
    auto r = load_text("[jobs.a]\nkind = \"browser\"\nurl = \"http://127.0.0.1/\"\n[browser]\ninstances = 3\n");
    INFO(r.errors);
    CHECK(r.set);
    auto typo = load_text("[jobs.a]\nkind = \"proces\"\n");
    CHECK(typo.errors.find("unknown kind `proces` (did you mean `process`?)") != std::string::npos);
}

TEST_CASE("jobs keep the order they are written in") {
    auto r = load_text("[jobs.zeta]\nkind = \"process\"\ncommand = [\"true\"]\n[jobs.alpha]\nkind = \"process\"\ncommand = [\"true\"]\n");
    REQUIRE(r.set);
    CHECK(r.set->jobs[0].name == "zeta");
    CHECK(r.set->jobs[1].name == "alpha");
}

TEST_CASE("dependency checks stay linear: a 50,000-job chain, one 50,000-job cycle, 500 jobs that all need each other") {
    auto chain = [](std::size_t n, bool closed) {
        std::string text;
        for (std::size_t i = 0; i < n; ++i) {
            text += "[jobs.j" + std::to_string(i) + "]\nkind = \"process\"\ncommand = [\"true\"]\n";
            if (i > 0 || closed) text += "needs = [\"j" + std::to_string(i > 0 ? i - 1 : n - 1) + "\"]\n";
        }
        return text;
    };
#ifdef GAIA_SANITIZED
    const double bound = 20.0;  // the sanitizers slow everything several times
#else
    const double bound = 2.0;   // 0.4 s here, 17 s before the checks were made linear
#endif
    auto start = std::chrono::steady_clock::now();
    auto r = load_text(chain(50'000, false));
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < bound);
    CHECK(r.set);

    start = std::chrono::steady_clock::now();
    r = load_text(chain(50'000, true));
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < bound);
    CHECK_FALSE(r.set);
    CHECK(std::count(r.errors.begin(), r.errors.end(), '\n') == 1);  // one cycle, one line
    CHECK(r.errors.find("dependency cycle: j0 -> j49999 -> j49998 -> ") != std::string::npos);
    CHECK(r.errors.find(" -> … 49981 more … -> ") != std::string::npos);

    std::string all;
    std::string needs;
    for (int i = 0; i < 500; ++i) needs += (i ? ", \"j" : "\"j") + std::to_string(i) + "\"";
    for (int i = 0; i < 500; ++i) {
        all += "[jobs.j" + std::to_string(i) + "]\nkind = \"process\"\ncommand = [\"true\"]\nneeds = [" + needs + "]\n";
    }
    r = load_text(all);
    CHECK_FALSE(r.set);
    // Each job needs itself (500 lines), and all of them are one group of cycles (one line),
    // not the 125,000 cycles there are.
    CHECK(std::count(r.errors.begin(), r.errors.end(), '\n') == 501);
    CHECK(r.errors.find("dependency cycle: j0 -> j1 -> j0 (500 jobs need each other through cycles: j0, j1, j2, j3, "
                        "j4, …)") != std::string::npos);
}

TEST_CASE("past a thousand problems only their number is printed") {
    std::string text;
    for (int i = 0; i < 1500; ++i) {
        text += "[jobs.j" + std::to_string(i) + "]\nkind = \"process\"\ncommand = [\"true\"]\ntimeout = \"soon\"\n";
    }
    auto r = load_text(text);
    CHECK(std::count(r.errors.begin(), r.errors.end(), '\n') == 1001);
    CHECK(r.errors.find("gaia: 500 more problems not shown (the first 1000 are above)\n") != std::string::npos);
}

TEST_SUITE_END();

TEST_CASE("scheduling keys load, and each mistake is an error at its place") {
    auto r = load_text(R"T(
[serve]
history = { runs = 50, days = 7.5 }
[jobs.nightly]
kind = "process"
command = ["true"]
schedule = "30 2 * * *"
timezone = "Europe/Berlin"
overlap = "queue"
catchup = "2h"
jitter = "5m"
paused = true
)T");
    INFO(r.errors);
    REQUIRE(r.set);
    CHECK(r.set->serve.history_runs == 50);
    CHECK(r.set->serve.history_days == doctest::Approx(7.5));
    const auto& p = r.set->jobs[0].scheduling;
    CHECK(p.overlap == SchedulePolicy::Overlap::queue);
    CHECK(p.catchup == std::chrono::hours(2));
    CHECK(p.jitter == std::chrono::minutes(5));
    CHECK(p.timezone == "Europe/Berlin");
    CHECK(p.paused);

    auto bad = load_text(R"T([serve]
history = { runs = 0, weeks = 2 }
[jobs.a]
kind = "process"
command = ["true"]
overlap = "parallel"
catchup = "1h"
[jobs.b]
kind = "process"
command = ["true"]
schedule = "@every 1m"
timezone = "Europe/Berlin"
jitter = "0s"
[jobs.c]
kind = "process"
command = ["true"]
schedule = "0 3 * * *"
timezone = "Europe/Berln"
)T");
    CHECK_FALSE(bad.set);
    INFO(bad.errors);
    for (const char* expected : {
             "<stdin>:2:20: error: `serve.history.runs` is 0; it must be between 1 and 100000000",
             "<stdin>:2:23: error: unknown key `weeks` in serve.history",
             "<stdin>:6:11: error: `overlap` is \"skip\", \"queue\" or \"replace\", not \"parallel\"",
             "<stdin>:7:11: error: `catchup` applies to a job's `schedule`, and job `a` has none",
             "<stdin>:12:12: error: `timezone` applies to cron lines; `@every 1m` is an interval, free of time zones",
             "<stdin>:13:10: error: `jitter` must be longer than 0s",
             "<stdin>:18:12: error: `timezone`: no time zone `Europe/Berln` in the tz database (did you mean "
             "`Europe/Berlin`?)",
         }) {
        CHECK_MESSAGE(bad.errors.find(expected) != std::string::npos, expected);
    }
}

TEST_CASE("shard = \"first\" is for a job that is not a fan-out and that no every-shard job needs") {
    auto bad = load_text(R"T([jobs.fan]
kind = "process"
command = ["true"]
repeat = 4
shard = "first"
[jobs.once]
kind = "process"
command = ["true"]
shard = "first"
[jobs.after]
kind = "process"
command = ["true"]
needs = ["once"]
[jobs.odd]
kind = "process"
command = ["true"]
shard = "some"
)T");
    CHECK_FALSE(bad.set);
    INFO(bad.errors);
    for (const char* expected : {
             "<stdin>:5:9: error: job `fan` is a fan-out, which --shard splits between the shards",
             "<stdin>:13:9: error: job `after` runs in every shard but needs `once`, which runs in the first only "
             "(shard = \"first\"): give `after` shard = \"first\" too, or `once` shard = \"all\"",
             "<stdin>:17:9: error: `shard` is \"all\" or \"first\", not \"some\"",
         }) {
        CHECK_MESSAGE(bad.errors.find(expected) != std::string::npos, expected);
    }
}
