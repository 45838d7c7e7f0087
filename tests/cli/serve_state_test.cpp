// gaia serve's state database end to end: the real binary restarted over the same file keeps
// what it knew, the runs API reads it back (output tails, secrets masked), the overlap
// policies and pauses do what gaia-serve(1) says, and a database that cannot be used is
// refused at start.

#include "tests/support/curl.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

using namespace gaia::test;

namespace {

nlohmann::json runs_of(const std::string& base, const std::string& job, const std::string& query = "") {
    auto answer = get_json(base + "/api/v1/jobs/" + job + "/runs" + (query.empty() ? "" : "?" + query));
    return answer.is_object() ? answer["runs"] : nlohmann::json::array();
}

std::string post(const std::string& url) { return curl({"-X", "POST", url}).out; }

std::string metrics(const std::string& base) { return curl({base + "/metrics"}).out; }

void stop(BackgroundGaia& gaia) {
    gaia.signal(SIGTERM);
    CHECK_MESSAGE(gaia.wait(15) == 0, gaia.err());
}

constexpr const char* kToken = "env-secret-5fa1c0de";

}  // namespace

TEST_CASE("gaia serve --state: a restart keeps last results, counts, next runs and history, and catches up missed runs") {
    TempDir dir;
    ListenAddress s;
    const auto state = (dir.path() / "state.db").string();
    const auto file = dir.file("jobs.toml", R"T(name = "svc"
[jobs.hourly]
kind = "process"
command = ["sh", "-c", "echo 'out {{ env.GAIA_TEST_TOKEN }}'; echo 'err {{ env.GAIA_TEST_TOKEN }}' >&2; exit 3"]
schedule = "@every 1h"

[jobs.often]
kind = "process"
command = ["true"]
schedule = "@every 2s"
catchup = "1h"

[jobs.uncaught]
kind = "process"
command = ["true"]
schedule = "@every 2s"

[jobs.secret]
kind = "process"
command = ["echo", "tok-0123456789"]
capture.tok = { from = "stdout", secret = true }
)T");
    const std::vector<std::string> env = {std::string("GAIA_TEST_TOKEN=") + kToken};
    std::string failed_id, secret_id, next_run;
    {
        BackgroundGaia gaia({"serve", file, "--listen", s.address, "--state", state}, dir.path(), env);
        REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
        failed_id = nlohmann::json::parse(post(s.base + "/api/v1/jobs/hourly/run"))["run_id"];
        secret_id = nlohmann::json::parse(post(s.base + "/api/v1/jobs/secret/run"))["run_id"];
        REQUIRE(eventually([&] { return runs_of(s.base, "hourly").size() == 1 && runs_of(s.base, "secret").size() == 1; }));

        auto failed = runs_of(s.base, "hourly", "status=failed");
        REQUIRE(failed.size() == 1);
        CHECK(failed[0]["run_id"] == failed_id);
        CHECK(failed[0]["trigger"] == "api");
        CHECK(failed[0]["status"] == "failed");
        CHECK(runs_of(s.base, "hourly", "status=passed").empty());
        const auto run = get_json(s.base + "/api/v1/runs/" + failed_id);
        REQUIRE(run["instances"].size() == 1);
        CHECK(run["instances"][0]["exit_code"] == 3);
        CHECK(run["instances"][0]["stderr_tail"] == "err ***\n");
        CHECK(run["instances"][0]["stdout_tail"] == "out ***\n");
        CHECK(run["error"] == "exit code 3 (expected 0): err ***");
        CHECK(get_json(s.base + "/api/v1/runs/" + secret_id)["captures"]["tok"] == "***");
        next_run = job_of(s.base, "hourly")["next_run"];
        stop(gaia);
    }
    // Nothing of the secrets reached the file either.
    const auto bytes = read_file(state) + read_file(state + "-wal");
    CHECK(bytes.find(kToken) == std::string::npos);
    CHECK(bytes.find("tok-0123456789") == std::string::npos);

    // Both @every 2s jobs miss a fire time while gaia is down.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    BackgroundGaia gaia({"serve", file, "--listen", s.address, "--state", state}, dir.path(), env);
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
    const auto hourly = job_of(s.base, "hourly");
    CHECK(hourly["last"]["run_id"] == failed_id);
    CHECK(hourly["last"]["status"] == "failed");
    CHECK(hourly["runs"] == 1);
    CHECK(hourly["next_run"] == next_run);
    CHECK(get_json(s.base + "/api/v1/runs/" + failed_id)["instances"][0]["stderr_tail"] == "err ***\n");

    REQUIRE(eventually([&] { return !runs_of(s.base, "often").empty(); }));
    bool caught_up = false;
    for (const auto& r : runs_of(s.base, "often")) caught_up = caught_up || r["trigger"] == "catch-up";
    CHECK_MESSAGE(caught_up, runs_of(s.base, "often").dump());
    for (const auto& r : runs_of(s.base, "uncaught")) CHECK(r["trigger"] == "schedule");
    CHECK(metric_value(metrics(s.base), "gaia_schedule_missed_total{job=\"uncaught\"}") == 1);
    CHECK(metrics(s.base).find("gaia_schedule_missed_total{job=\"often\"}") == std::string::npos);
    CHECK(gaia.err().find("job `often`: its run due") != std::string::npos);
    CHECK(gaia.err().find("it runs now (catchup 1h)") != std::string::npos);
    stop(gaia);
}

TEST_CASE("gaia serve overlap: skip refuses, queue runs one after, replace cancels the going run") {
    TempDir dir;
    ListenAddress s;
    const auto file = dir.file("jobs.toml", R"T(
[jobs.skipper]
kind = "process"
command = ["sleep", "1.5"]

[jobs.queuer]
kind = "process"
command = ["sleep", "1.5"]
overlap = "queue"

[jobs.replacer]
kind = "process"
command = ["sleep", "1.5"]
overlap = "replace"
)T");
    BackgroundGaia gaia({"serve", file, "--listen", s.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
    auto trigger = [&](const std::string& job) {
        const auto answer = curl({"-X", "POST", "-w", "\n%{http_code}", s.base + "/api/v1/jobs/" + job + "/run"}).out;
        const auto cut = answer.rfind('\n');
        return std::pair{answer.substr(cut + 1), nlohmann::json::parse(answer.substr(0, cut), nullptr, false)};
    };
    auto [code, body] = trigger("skipper");
    CHECK(code == "202");
    std::tie(code, body) = trigger("skipper");
    CHECK(code == "409");
    CHECK(body["error"] == "a run of this job is still going (overlap = \"skip\")");

    std::tie(code, body) = trigger("queuer");
    CHECK(code == "202");
    const std::string first_queued = body["run_id"];
    std::tie(code, body) = trigger("queuer");
    CHECK(code == "202");
    CHECK(body["status"] == "queued");
    CHECK(job_of(s.base, "queuer")["waiting"] == true);
    std::tie(code, body) = trigger("queuer");
    CHECK(code == "409");
    CHECK(body["error"] == "a run of this job is going and another waits for it");

    std::tie(code, body) = trigger("replacer");
    CHECK(code == "202");
    const std::string replaced = body["run_id"];
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::tie(code, body) = trigger("replacer");
    CHECK(code == "202");
    CHECK(body["status"] == "replacing");

    REQUIRE(eventually([&] { return runs_of(s.base, "queuer").size() == 2 && runs_of(s.base, "replacer").size() == 2; }, 15));
    const auto queued = runs_of(s.base, "queuer");
    CHECK(queued[1]["run_id"] == first_queued);
    CHECK(queued[0]["status"] == "passed");
    CHECK(queued[1]["status"] == "passed");
    CHECK(queued[0]["trigger"] == "api");
    CHECK(job_of(s.base, "queuer")["waiting"] == false);

    const auto replacer = runs_of(s.base, "replacer");
    CHECK(replacer[1]["run_id"] == replaced);
    CHECK(replacer[1]["status"] == "cancelled");
    CHECK(replacer[1]["duration_s"].get<double>() < 1.4);
    CHECK(replacer[0]["status"] == "passed");
    const auto cancelled = get_json(s.base + "/api/v1/runs/" + replaced);
    REQUIRE(cancelled["instances"].size() == 1);
    CHECK(cancelled["instances"][0]["error"] == "cancelled: a newer run replaced it (overlap = \"replace\")");
    CHECK(runs_of(s.base, "skipper").size() == 1);
    stop(gaia);
}

TEST_CASE("gaia serve pause: a paused schedule does not fire, pause and resume hold across restarts and reloads") {
    TempDir dir;
    ListenAddress s;
    auto jobs = [&](const std::string& q_paused) {
        return dir.file("jobs.toml", R"T(
[jobs.p]
kind = "process"
command = ["true"]
schedule = "@every 1s"
paused = true

[jobs.q]
kind = "process"
command = ["true"]
schedule = "@every 1s"
)T" + q_paused + R"T(
[jobs.adhoc]
kind = "process"
command = ["true"]
)T");
    };
    const auto file = jobs("");
    {
        BackgroundGaia gaia({"serve", file, "--listen", s.address}, dir.path());
        REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
        REQUIRE(eventually([&] { return job_of(s.base, "q")["runs"].get<int>() >= 1; }));
        auto p = job_of(s.base, "p");
        CHECK(p["paused"] == true);
        CHECK(p["next_run"].is_null());
        CHECK(p["runs"] == 0);

        CHECK(post(s.base + "/api/v1/jobs/q/pause") == "{\"job\":\"q\",\"paused\":true}\n");
        CHECK(post(s.base + "/api/v1/jobs/p/resume") == "{\"job\":\"p\",\"paused\":false}\n");
        CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs/adhoc/pause"}) == "409");
        CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs/nobody/pause"}) == "404");
        CHECK(http_code({s.base + "/api/v1/jobs/q/pause"}) == "405");
        REQUIRE(eventually([&] { return job_of(s.base, "p")["runs"].get<int>() >= 1; }));
        // A paused job still runs on request.
        CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs/q/run"}) == "202");
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        const auto q_runs = job_of(s.base, "q")["runs"].get<int>();
        std::this_thread::sleep_for(std::chrono::milliseconds(2200));
        CHECK(job_of(s.base, "q")["runs"] == q_runs);
        CHECK(job_of(s.base, "q")["next_run"].is_null());
        stop(gaia);
    }
    BackgroundGaia gaia({"serve", file, "--listen", s.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
    // The API's choices hold over the file's (which did not change).
    CHECK(job_of(s.base, "q")["paused"] == true);
    CHECK(job_of(s.base, "p")["paused"] == false);
    // A reload that leaves `paused` as it was keeps them; one that changes it wins.
    jobs("paused = false\n");
    gaia.signal(SIGHUP);
    REQUIRE(eventually([&] { return gaia.err().find("reloaded") != std::string::npos; }));
    CHECK(job_of(s.base, "q")["paused"] == true);
    jobs("paused = true\n");
    gaia.signal(SIGHUP);
    REQUIRE(eventually([&] { return gaia.err().find("reloaded", gaia.err().find("reloaded") + 1) != std::string::npos; }));
    CHECK(job_of(s.base, "q")["paused"] == true);
    CHECK(post(s.base + "/api/v1/jobs/q/resume") == "{\"job\":\"q\",\"paused\":false}\n");
    const auto before = job_of(s.base, "q")["runs"].get<int>();
    CHECK(eventually([&] { return job_of(s.base, "q")["runs"].get<int>() > before; }));
    stop(gaia);
}

TEST_CASE("gaia serve history: reloads keep it, a removed job's runs stay readable, retention and bad queries") {
    TempDir dir;
    ListenAddress s;
    const auto file = dir.file("jobs.toml", R"T(
[serve]
history = { runs = 3 }

[jobs.kept]
kind = "process"
command = ["true"]

[jobs.removed]
kind = "process"
command = ["false"]
)T");
    BackgroundGaia gaia({"serve", file, "--listen", s.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
    for (int i = 0; i < 5; ++i) {
        REQUIRE(http_code({"-X", "POST", s.base + "/api/v1/jobs/kept/run"}) == "202");
        REQUIRE(eventually([&] { return job_of(s.base, "kept")["running"] == false; }));
    }
    REQUIRE(http_code({"-X", "POST", s.base + "/api/v1/jobs/removed/run"}) == "202");
    REQUIRE(eventually([&] { return runs_of(s.base, "removed").size() == 1 && runs_of(s.base, "kept").size() == 3; }));
    CHECK(runs_of(s.base, "kept", "limit=2").size() == 2);

    dir.file("jobs.toml", "[jobs.kept]\nkind = \"process\"\ncommand = [\"true\"]\n");
    gaia.signal(SIGHUP);
    REQUIRE(eventually([&] { return job_of(s.base, "removed").is_null(); }));
    CHECK(job_of(s.base, "kept")["runs"] == 5);
    CHECK(runs_of(s.base, "removed").size() == 1);
    CHECK(runs_of(s.base, "kept").size() == 3);

    CHECK(http_code({s.base + "/api/v1/jobs/nobody/runs"}) == "404");
    CHECK(http_code({s.base + "/api/v1/runs/0000000000000000"}) == "404");
    CHECK(http_code({s.base + "/api/v1/jobs/kept/runs?limit=0"}) == "400");
    CHECK(http_code({s.base + "/api/v1/jobs/kept/runs?status=weird"}) == "400");
    CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs/kept/runs"}) == "405");
    const auto health = get_json(s.base + "/health");
    CHECK(health["state"]["status"] == "healthy");
    CHECK(health["state"]["path"] == (dir.path() / "state-home" / "gaia" / "state.db").string());
    stop(gaia);

    // --no-state keeps nothing and says so.
    BackgroundGaia bare({"serve", file, "--listen", s.address, "--no-state"}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), bare.err());
    CHECK(http_code({s.base + "/api/v1/jobs/kept/runs"}) == "409");
    CHECK(job_of(s.base, "kept")["runs"] == 0);
    CHECK_FALSE(get_json(s.base + "/health").contains("state"));
    stop(bare);
}

TEST_CASE("gaia serve refuses a state database it cannot use: damaged, in use, locked") {
    TempDir dir;
    ListenAddress s;
    const auto file = dir.file("jobs.toml", "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n");

    const auto garbage = dir.file("garbage.db", std::string(4096, 'x'));
    auto out = run_gaia({"serve", file, "--listen", s.address, "--state", garbage});
    CHECK(out.exit_code == 2);
    CHECK_MESSAGE(out.err.find("the state database " + garbage + " is damaged or not an SQLite database") !=
                      std::string::npos, out.err);
    CHECK(out.err.find(".recover") != std::string::npos);

    const auto state = (dir.path() / "state.db").string();
    {
        BackgroundGaia first({"serve", file, "--listen", s.address, "--state", state}, dir.path());
        REQUIRE_MESSAGE(wait_until_up(s.base), first.err());
        ListenAddress other;
        out = run_gaia({"serve", file, "--listen", other.address, "--state", state});
        CHECK(out.exit_code == 75);
        CHECK_MESSAGE(out.err.find("is in use by another gaia serve (pid ") != std::string::npos, out.err);
        stop(first);
    }
    // An sqlite3 shell holding a write transaction open.
    BackgroundProcess shell({"sh", "-c", "{ echo 'BEGIN EXCLUSIVE;'; echo 'DELETE FROM jobs;'; sleep 30; } | sqlite3 " + state},
                            dir.path(), "shell");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    out = run_gaia({"serve", file, "--listen", s.address, "--state", state});
    CHECK(out.exit_code == 75);
    CHECK_MESSAGE(out.err.find("is locked by another process") != std::string::npos, out.err);
    shell.signal(SIGKILL);
    out = run_gaia({"serve", file, "--listen", s.address, "--state", (dir.path() / "none" / "x.db").string()});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find("cannot open the lock file") != std::string::npos);
}

TEST_CASE("gaia serve: a full disk while it serves loses no history, shows on /health, and is caught up after") {
    // The database goes on a small tmpfs of its own, in a user and mount namespace (no root
    // needed), which a shell in that namespace fills and frees on the test's word.
    if (run_program({"unshare", "-rm", "true"}).exit_code != 0) {
        report_skipped("unshare -rm (a user and mount namespace) is not allowed here");
        return;
    }
    TempDir dir;
    ListenAddress s;
    const auto file = dir.file("jobs.toml", R"T(
[jobs.tick]
kind = "process"
command = ["echo", "working"]
schedule = "@every 1s"
)T");
    const auto mnt = dir.path() / "mnt";
    std::filesystem::create_directory(mnt);
    const auto control = (dir.path() / "control").string();
    REQUIRE(::mkfifo(control.c_str(), 0600) == 0);
    const auto log = (dir.path() / "control.log").string();
    const std::string script = R"(
mount -t tmpfs -o size=1m gaia-test "$MNT" || exit 97
"$GAIA" serve "$JOBS" --listen "$ADDR" --state "$MNT/state.db" &
pid=$!
while read -r cmd < "$CONTROL"; do
    case "$cmd" in
        fill) dd if=/dev/zero of="$MNT/filler" bs=16k 2>/dev/null ;;
        free) rm -f "$MNT/filler" ;;
        stop) kill -TERM $pid; wait $pid; echo "gaia exited $?" >> "$LOG"; exit 0 ;;
    esac
    echo "done $cmd" >> "$LOG"
done
)";
    BackgroundProcess ns({"unshare", "-rm", "sh", "-c", script}, dir.path(), "ns",
                         {"MNT=" + mnt.string(), "GAIA=" + std::string(GAIA_BINARY), "JOBS=" + file, "ADDR=" + s.address,
                          "CONTROL=" + control, "LOG=" + log});
    REQUIRE_MESSAGE(wait_until_up(s.base), ns.err());
    auto command = [&](const std::string& cmd) {
        { std::ofstream(control) << cmd << "\n"; }
        return eventually([&] { return read_file(log).find("done " + cmd) != std::string::npos; });
    };
    auto state = [&] { return get_json(s.base + "/health")["state"]; };
    auto stored = [&] { return runs_of(s.base, "tick", "limit=1000").size(); };
    auto all_written = [&] {
        const auto job = job_of(s.base, "tick");
        return state()["runs_waiting"] == 0 && job["running"] == false && stored() == job["runs"].get<std::size_t>();
    };
    REQUIRE(eventually([&] { return stored() >= 2; }));
    const auto first = runs_of(s.base, "tick", "limit=1000").back()["run_id"].get<std::string>();

    REQUIRE(command("fill"));
    REQUIRE_MESSAGE(eventually([&] { return state()["status"] == "degraded"; }), ns.err());
    CHECK_MESSAGE(state()["error"].get<std::string>().find("full") != std::string::npos, state().dump());
    CHECK(eventually([&] { return state()["runs_waiting"].get<int>() >= 2; }));
    const auto health = get_json(s.base + "/health");
    CHECK(health["status"] == "degraded");
    CHECK(health["reasons"].dump().find("state is degraded") != std::string::npos);
    // What was written before is all there, and readable.
    CHECK(get_json(s.base + "/api/v1/runs/" + first)["run_id"] == first);
    REQUIRE(command("free"));
    CHECK_MESSAGE(eventually(all_written, 15), state().dump());
    CHECK(state()["status"] == "healthy");
    CHECK(state()["error"].is_null());

    CHECK(metric_value(metrics(s.base), "gaia_state_writes_total{result=\"failure\"}") > 0);
    CHECK(metric_value(metrics(s.base), "gaia_state_runs_dropped_total") == 0);

    std::ofstream(control) << "stop\n";
    CHECK(eventually([&] { return read_file(log).find("gaia exited 0") != std::string::npos; }, 20));
    CHECK(ns.wait(10) == 0);
    CHECK(ns.err().find("cannot write") != std::string::npos);
    CHECK(ns.err().find("written again") != std::string::npos);
}

TEST_CASE("gaia serve: a state database made read-only keeps being written until gaia stops, then is refused") {
    // A file's mode is checked when it is opened: gaia's open descriptors keep writing, as
    // any program's would, and nothing is lost; the next start says what is wrong.
    TempDir dir;
    ListenAddress s;
    const auto file = dir.file("jobs.toml", "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n");
    const auto state = (dir.path() / "state.db").string();
    {
        BackgroundGaia gaia({"serve", file, "--listen", s.address, "--state", state}, dir.path());
        REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
        REQUIRE(http_code({"-X", "POST", s.base + "/api/v1/jobs/a/run"}) == "202");
        REQUIRE(eventually([&] { return runs_of(s.base, "a").size() == 1; }));
        std::filesystem::permissions(state, std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                                std::filesystem::perms::others_read);
        REQUIRE(http_code({"-X", "POST", s.base + "/api/v1/jobs/a/run"}) == "202");
        CHECK(eventually([&] { return runs_of(s.base, "a").size() == 2; }));
        CHECK(get_json(s.base + "/health")["state"]["status"] == "healthy");
        stop(gaia);
    }
    // Root may write any file: the refusal is shown as the user nobody, who owns it read-only.
    std::vector<std::string> argv = {GAIA_BINARY, "serve", file, "--listen", s.address, "--state", state};
    if (::geteuid() == 0) {
        std::filesystem::permissions(dir.path(), std::filesystem::perms::others_read | std::filesystem::perms::others_exec,
                                     std::filesystem::perm_options::add);
        REQUIRE(::chown(state.c_str(), 65534, 65534) == 0);
        REQUIRE(::chown((state + ".lock").c_str(), 65534, 65534) == 0);
        argv.insert(argv.begin(), {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
    }
    const auto out = run_program(argv);
    CHECK(out.exit_code == 2);
    CHECK_MESSAGE(out.err.find("the state database " + state + " is read-only") != std::string::npos, out.err);
}
