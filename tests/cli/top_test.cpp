// gaia top: a snapshot when stdout is not a terminal, and the live dashboard driven in a
// real terminal (tmux), read off the screen.

#include "tests/support/curl.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <string>

using namespace gaia::test;

namespace {

const char* kJobs = R"T([jobs.tick]
kind = "process"
command = ["true"]
schedule = "@every 1s"
[jobs.broken]
kind = "process"
command = ["false"]
schedule = "@every 1s"
[jobs.manual]
kind = "process"
command = ["true"]
)T";

}  // namespace

TEST_CASE("gaia top --once prints health, rates, every job with its last result and next run, and a job's last runs") {
    TempDir dir;
    ServedGaia served({"serve", dir.file("jobs.toml", kJobs)}, dir.path());
    auto& gaia = served.process;
    const std::string& base = served.base;
    REQUIRE_MESSAGE(wait_until_up(base), gaia.err());
    REQUIRE(eventually([&] { return get_json(base + "/api/v1/jobs")["jobs"][1]["runs"].get<int>() >= 1; }));

    auto top = run_gaia({"top", "--url", base, "--once"});
    INFO(top.out, top.err);
    CHECK(top.exit_code == 0);
    for (const char* shown : {"SUBSYSTEM", "api", "file", "browser", "process", "network", "tasks/s", "JOB", "tick",
                              "broken", "manual", "@every 1s", "on request", "passed", "failed", "never run",
                              "exit code 1", "degraded"}) {
        INFO(shown);
        CHECK(top.out.find(shown) != std::string::npos);
    }
    CHECK(top.out.find("\x1b[") == std::string::npos);  // not a terminal: no escape codes
    // The first job is selected: its last runs come from the state database.
    CHECK(top.out.find("> tick") != std::string::npos);
    CHECK(top.out.find("LAST RUNS OF tick") != std::string::npos);

    // The job's newest run as the state database has it just before top asks: broken runs
    // every second, so one asked for after top may be newer than what top printed (it
    // was, under the sanitizers); top shows the last ten.
    const auto last_id = get_json(base + "/api/v1/jobs/broken/runs?limit=1")["runs"][0]["run_id"].get<std::string>();
    auto broken = run_gaia({"top", "--url", base, "--once", "--job", "broken"});
    CHECK(broken.exit_code == 0);
    const auto runs = broken.out.substr(broken.out.find("LAST RUNS OF broken"));
    INFO(runs);
    for (const char* shown : {"RUN", "STATUS", "TRIGGER", "failed", "schedule", "exit code 1"}) CHECK(runs.find(shown) != std::string::npos);
    CHECK(runs.find(last_id.substr(0, 8)) != std::string::npos);
    CHECK(run_gaia({"top", "--url", base, "--once", "--job", "nobody"}).exit_code == 2);

    RefusingPort refusing;
    auto refused = run_gaia({"top", "--url", "http://127.0.0.1:" + std::to_string(refusing.port()), "--once"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("Connection refused") != std::string::npos);
    CHECK(run_gaia({"top", "--url", "https://127.0.0.1:9190", "--once"}).exit_code == 2);
    CHECK(run_gaia({"top", "--url", base, "--interval", "10ms"}).exit_code == 2);
    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 0);
}

TEST_CASE("gaia top in a terminal redraws the dashboard and quits on q") {
    TempDir dir;
    ServedGaia served({"serve", dir.file("jobs.toml", kJobs)}, dir.path());
    auto& gaia = served.process;
    const std::string& base = served.base;
    REQUIRE_MESSAGE(wait_until_up(base), gaia.err());

    // A tmux server of the test's own (its socket in the scratch directory).
    const std::string socket = (dir.path() / "tmux.sock").string();
    auto tmux = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"tmux", "-S", socket});
        return run_program(args);
    };
    const std::string command = std::string(GAIA_BINARY) + " top --url " + base + " --interval 500ms";
    REQUIRE(tmux({"new-session", "-d", "-s", "top", "-x", "160", "-y", "40", command}).exit_code == 0);
    std::string screen;
    const bool shown = eventually(
        [&] {
            screen = tmux({"capture-pane", "-p", "-t", "top"}).out;
            return screen.find("broken") != std::string::npos && screen.find("failed") != std::string::npos &&
                   screen.find("tick") != std::string::npos && screen.find("passed") != std::string::npos;
        },
        15);
    INFO(screen);
    CHECK(shown);
    CHECK(screen.find("SUBSYSTEM") != std::string::npos);
    CHECK(screen.find("q quits") != std::string::npos);
    // It redraws: the runs of tick go up on screen.
    const auto runs_of_tick = [&] {
        const auto s = tmux({"capture-pane", "-p", "-t", "top"}).out;
        const auto at = s.find("tick ");
        return at == std::string::npos ? std::string() : s.substr(at, s.find('\n', at) - at);
    };
    const auto before = runs_of_tick();
    CHECK(eventually([&] { return runs_of_tick() != before; }, 10));

    // j moves the selection to the next job, whose last runs are listed under the jobs.
    CHECK(screen.find("LAST RUNS OF tick") != std::string::npos);
    tmux({"send-keys", "-t", "top", "j"});
    CHECK(eventually([&] {
        screen = tmux({"capture-pane", "-p", "-t", "top"}).out;
        return screen.find("> broken") != std::string::npos && screen.find("LAST RUNS OF broken") != std::string::npos;
    }, 5));
    tmux({"send-keys", "-t", "top", "Up"});
    CHECK(eventually([&] { return tmux({"capture-pane", "-p", "-t", "top"}).out.find("LAST RUNS OF tick") != std::string::npos; }, 5));

    tmux({"send-keys", "-t", "top", "q"});
    CHECK(eventually([&] { return tmux({"has-session", "-t", "top"}).exit_code != 0; }, 5));
    tmux({"kill-server"});
    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 0);
}
