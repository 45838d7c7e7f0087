// gaia serve end to end: schedules, running a job on request, tokens, reload, drain and
// SLO health — the real binary, asked with curl.

#include "tests/support/curl.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

using namespace gaia::test;

TEST_CASE("gaia serve runs scheduled jobs, skips a run still going, and runs a job on request") {
    TempDir dir;
    ListenAddress s;
    const auto file = dir.file("jobs.toml", R"T(name = "svc"
[jobs.tick]
kind = "process"
command = ["true"]
schedule = "@every 1s"

[jobs.slow]
kind = "process"
command = ["sleep", "2.5"]
schedule = "@every 1s"

[jobs.manual]
kind = "process"
command = ["echo", "hi"]
tags = ["adhoc"]
)T");
    BackgroundGaia gaia({"serve", file, "--listen", s.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
    CHECK(http_code({s.base + "/readiness"}) == "200");

    REQUIRE_MESSAGE(eventually([&] { return job_of(s.base, "tick")["runs"].get<int>() >= 2; }), gaia.err());
    auto tick = job_of(s.base, "tick");
    CHECK(tick["kind"] == "process");
    CHECK(tick["schedule"] == "@every 1s");
    CHECK(tick["next_run"].is_string());
    CHECK(tick["last"]["status"] == "passed");
    CHECK(tick["last"]["trigger"] == "schedule");

    // slow takes 2.5 s and is due every second: the runs due meanwhile are skipped and counted.
    REQUIRE(eventually([&] { return job_of(s.base, "slow")["skipped"].get<int>() >= 1; }));
    auto metrics = curl({s.base + "/metrics"}).out;
    CHECK(metrics.find("gaia_schedule_skipped_total{job=\"slow\"} ") != std::string::npos);
    CHECK(metrics.find("gaia_tasks_total{job=\"tick\",kind=\"process\",status=\"passed\"} ") != std::string::npos);

    // A job without a schedule runs only when asked.
    auto manual = job_of(s.base, "manual");
    CHECK(manual["schedule"].is_null());
    CHECK(manual["next_run"].is_null());
    CHECK(manual["runs"] == 0);
    auto started = curl({"-i", "-X", "POST", s.base + "/api/v1/jobs/manual/run"});
    CHECK(started.out.rfind("HTTP/1.1 202", 0) == 0);
    CHECK(started.out.find("\"status\":\"started\"") != std::string::npos);
    REQUIRE(eventually([&] { return !job_of(s.base, "manual")["last"].is_null(); }));
    manual = job_of(s.base, "manual");
    CHECK(manual["last"]["status"] == "passed");
    CHECK(manual["last"]["trigger"] == "api");
    CHECK(manual["runs"] == 1);

    CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs/nope/run"}) == "404");
    CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs/manual%2F..%2Fx/run"}) == "404");
    CHECK(http_code({s.base + "/api/v1/jobs/manual/run"}) == "405");
    CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs"}) == "405");
    // A run that is going cannot be started twice.
    REQUIRE(eventually([&] { return job_of(s.base, "slow")["running"] == true; }));
    CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs/slow/run"}) == "409");

    // /health: the process subsystem has done recent work, all of it passed.
    auto health = get_json(s.base + "/health");
    CHECK(health["status"] == "healthy");
    CHECK(health["version"].is_string());
    CHECK(health["uptime_s"].get<double>() > 0);
    CHECK(health["subsystems"]["process"]["passed"].get<int>() >= 2);
    CHECK(health["subsystems"]["process"]["success_rate"] == 1.0);
    for (const char* name : {"api", "file", "browser", "process", "network"}) {
        INFO(name);
        auto one = get_json(s.base + "/health/" + name);
        CHECK(one["status"] == "healthy");
    }

    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 0);
    CHECK(gaia.err().find("gaia serve: stopped") != std::string::npos);
}

TEST_CASE("gaia serve --token-file: POST and /debug need the bearer token, which no endpoint shows") {
    TempDir dir;
    ListenAddress s;
    const std::string token = "s3cret-token-0123456789abcdef";
    const auto token_file = dir.file("token", token + "\n");
    ::chmod(token_file.c_str(), 0600);
    const auto file = dir.file("jobs.toml", "[jobs.manual]\nkind = \"process\"\ncommand = [\"echo\", \"hi\"]\n");
    BackgroundGaia gaia({"serve", file, "--listen", s.address, "--token-file", token_file, "--enable-debug"}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());

    const auto run_url = s.base + "/api/v1/jobs/manual/run";
    auto refused = curl({"-i", "-X", "POST", run_url});
    CHECK(refused.out.rfind("HTTP/1.1 401", 0) == 0);
    CHECK(refused.out.find("WWW-Authenticate: Bearer") != std::string::npos);
    CHECK(http_code({"-X", "POST", "-H", "Authorization: Bearer wrong", run_url}) == "401");
    CHECK(http_code({"-X", "POST", "-H", "Authorization: Bearer " + token + "x", run_url}) == "401");
    CHECK(http_code({"-X", "POST", "-H", "Authorization: Basic " + token, run_url}) == "401");
    CHECK(http_code({"-X", "POST", "-H", "Authorization: Bearer " + token, run_url}) == "202");

    CHECK(http_code({s.base + "/debug/loop"}) == "401");
    CHECK(http_code({s.base + "/debug/pprof/profile?seconds=1"}) == "401");
    auto debug = curl({"-H", "Authorization: Bearer " + token, s.base + "/debug/loop"});
    auto handles = nlohmann::json::parse(debug.out, nullptr, false);
    CHECK(handles["handles"]["tcp"]["count"].get<int>() >= 1);
    // Reading stays open to anyone who reaches the address; the token shows nowhere.
    for (const char* path : {"/metrics", "/health", "/api/v1/jobs", "/"}) {
        INFO(path);
        auto r = curl({s.base + path});
        CHECK(r.exit_code == 0);
        CHECK(r.out.find(token) == std::string::npos);
    }
    gaia.signal(SIGINT);
    CHECK(gaia.wait(20) == 0);
    CHECK(gaia.err().find(token) == std::string::npos);

    // Without --enable-debug, /debug does not exist.
    BackgroundGaia plain({"serve", file, "--listen", s.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), plain.err());
    CHECK(http_code({s.base + "/debug/loop"}) == "404");
    // Without a token, POST needs none.
    CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs/manual/run"}) == "202");
    plain.signal(SIGTERM);
    CHECK(plain.wait(20) == 0);

    auto short_token = run_gaia({"serve", "--token-file", dir.file("short", "abc\n"), "--listen", s.address});
    CHECK(short_token.exit_code == 2);
    CHECK(short_token.err.find("at least 16 characters") != std::string::npos);
    auto missing = run_gaia({"serve", "--token-file", (dir.path() / "none").string(), "--listen", s.address});
    CHECK(missing.exit_code == 2);
}

TEST_CASE("gaia serve reloads its job files on SIGHUP and keeps the old ones when the new ones are invalid") {
    TempDir dir;
    ListenAddress s;
    const auto file = dir.file("jobs.toml", "[jobs.first]\nkind = \"process\"\ncommand = [\"true\"]\n");
    BackgroundGaia gaia({"serve", file, "--listen", s.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
    CHECK(!job_of(s.base, "first").is_null());
    CHECK(job_of(s.base, "second").is_null());

    dir.file("jobs.toml", "[jobs.first]\nkind = \"process\"\ncommand = [\"true\"]\n"
                          "[jobs.second]\nkind = \"process\"\ncommand = [\"true\"]\nschedule = \"@every 1s\"\n");
    gaia.signal(SIGHUP);
    REQUIRE_MESSAGE(eventually([&] { return !job_of(s.base, "second").is_null(); }), gaia.err());
    REQUIRE(eventually([&] { return job_of(s.base, "second")["runs"].get<int>() >= 1; }));

    dir.file("jobs.toml", "[jobs.first]\nkind = \"process\"\ncommand = [\"true\"]\ntimeout = \"soon\"\n");
    gaia.signal(SIGHUP);
    REQUIRE(eventually([&] {
        return curl({s.base + "/metrics"}).out.find("gaia_config_reloads_total{result=\"failure\"} 1") !=
               std::string::npos;
    }));
    CHECK(gaia.err().find("jobs.toml:4:11: error:") != std::string::npos);
    CHECK(gaia.err().find("reload failed") != std::string::npos);
    // The set loaded before goes on: second still runs on its schedule.
    const int runs = job_of(s.base, "second")["runs"].get<int>();
    CHECK(eventually([&] { return job_of(s.base, "second")["runs"].get<int>() > runs; }));
    CHECK(http_code({s.base + "/readiness"}) == "200");
    auto metrics = curl({s.base + "/metrics"}).out;
    CHECK(metrics.find("gaia_config_reloads_total{result=\"success\"} 1") != std::string::npos);

    // A file nested deeper than any parser's stack: logged and refused like any invalid set.
    std::string deep;
    for (int i = 0; i < 35'000; ++i) deep += i ? ".y" : "y";
    dir.file("jobs.toml", deep + " = 1\n");
    gaia.signal(SIGHUP);
    REQUIRE_MESSAGE(eventually([&] {
        return curl({s.base + "/metrics"}).out.find("gaia_config_reloads_total{result=\"failure\"} 2") !=
               std::string::npos;
    }), gaia.err());
    CHECK(gaia.err().find("jobs.toml:1:1: error: nested too deeply") != std::string::npos);
    CHECK(http_code({s.base + "/liveness"}) == "200");
    CHECK(!job_of(s.base, "second").is_null());

    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 0);
}

TEST_CASE("gaia serve --watch reloads when a ConfigMap volume swaps its files, and only when they changed") {
    // What the kubelet does to a ConfigMap volume: the files live in a timestamped
    // directory, ..data links to it, each file is a link through ..data; an update writes a
    // new directory and renames a new ..data link over the old one.
    TempDir dir;
    namespace fs = std::filesystem;
    const auto volume = dir.path() / "jobs";
    int version = 0;
    auto publish = [&](const std::string& text) {
        const auto data = "..2026_12_01_" + std::to_string(++version);
        fs::create_directories(volume / data);
        std::ofstream(volume / data / "jobs.toml") << text;
        fs::create_directory_symlink(data, volume / "..data_tmp");
        fs::rename(volume / "..data_tmp", volume / "..data");
        if (!fs::is_symlink(volume / "jobs.toml")) fs::create_symlink("..data/jobs.toml", volume / "jobs.toml");
    };
    fs::create_directories(volume);
    publish("[jobs.first]\nkind = \"process\"\ncommand = [\"true\"]\n");
    ListenAddress s;
    BackgroundGaia gaia({"serve", (volume / "jobs.toml").string(), "--watch", "--listen", s.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
    CHECK(job_of(s.base, "second").is_null());
    auto reloads = [&](const char* result) {
        return metric_value(curl({s.base + "/metrics"}).out, std::string("gaia_config_reloads_total{result=\"") + result + "\"}");
    };

    publish("[jobs.first]\nkind = \"process\"\ncommand = [\"true\"]\n[jobs.second]\nkind = \"process\"\ncommand = [\"true\"]\n");
    REQUIRE_MESSAGE(eventually([&] { return !job_of(s.base, "second").is_null(); }), gaia.err());
    CHECK(reloads("success") == 1);
    CHECK(gaia.err().find("a job file changed: reloading 1 job file(s)") != std::string::npos);

    // The same text again (a ConfigMap re-applied as it was): no reload.
    publish("[jobs.first]\nkind = \"process\"\ncommand = [\"true\"]\n[jobs.second]\nkind = \"process\"\ncommand = [\"true\"]\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    CHECK(reloads("success") == 1);

    // An invalid file: refused as on SIGHUP, the running set goes on.
    publish("[jobs.first]\nkind = \"process\"\ncommand = [\"true\"]\ntimeout = \"soon\"\n");
    REQUIRE(eventually([&] { return reloads("failure") == 1; }));
    CHECK(!job_of(s.base, "second").is_null());

    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 0);
    CHECK(run_gaia({"serve", "-", "--watch"}, "").err.find("--watch watches job files") != std::string::npos);
}

TEST_CASE("gaia serve: a job removed by a reload while its run goes on finishes that run and is not scheduled again") {
    TempDir dir;
    const auto file = dir.file("jobs.toml", "[jobs.long]\nkind = \"process\"\ncommand = [\"sleep\", \"2\"]\n"
                                            "schedule = \"@every 1s\"\n[jobs.keep]\nkind = \"process\"\n"
                                            "command = [\"true\"]\nschedule = \"@every 1s\"\n");
    ServedGaia served({"serve", file}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(served.base), served.process.err());
    REQUIRE(eventually([&] { return job_of(served.base, "long")["running"] == true; }));
    dir.file("jobs.toml", "[jobs.keep]\nkind = \"process\"\ncommand = [\"true\"]\nschedule = \"@every 1s\"\n");
    served.process.signal(SIGHUP);
    REQUIRE(eventually([&] { return job_of(served.base, "long").is_null(); }));
    // Its run ends on the old job set (sleep 2), then the next second passes: gaia is still
    // serving and running what is left.
    std::this_thread::sleep_for(std::chrono::milliseconds(3000));
    CHECK(http_code({served.base + "/readiness"}) == "200");
    const int runs = job_of(served.base, "keep")["runs"].get<int>();
    CHECK(eventually([&] { return job_of(served.base, "keep")["runs"].get<int>() > runs; }));
    CHECK(served.process.err().find("job `long`: run") != std::string::npos);
    served.process.signal(SIGTERM);
    CHECK(served.process.wait(20) == 0);
}

TEST_CASE("gaia serve drains on SIGTERM: readiness 503, no new runs, the drain timeout, then cancel and exit 0") {
    TempDir dir;
    ListenAddress s;
    const auto marker = "gaia-drain-" + std::to_string(s.port);
    const auto file = dir.file("jobs.toml", "[jobs.stubborn]\nkind = \"process\"\ncommand = [\"sh\", \"-c\", \"trap '' TERM; sleep 30 # " +
                                                marker + "\"]\nkill_grace = \"500ms\"\n"
                                                         "[jobs.other]\nkind = \"process\"\ncommand = [\"true\"]\n");
    BackgroundGaia gaia({"serve", file, "--listen", s.address, "--drain-timeout", "1500ms"}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
    CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs/stubborn/run"}) == "202");
    REQUIRE(wait_for_processes(marker, 1) >= 1);

    const auto t0 = std::chrono::steady_clock::now();
    gaia.signal(SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(http_code({s.base + "/readiness"}) == "503");
    CHECK(http_code({s.base + "/liveness"}) == "200");
    CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs/other/run"}) == "503");
    CHECK(gaia.wait(20) == 0);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(took >= 1.4);  // the drain timeout was given
    CHECK(took < 10);
    CHECK(count_processes(marker) == 0);
    CHECK(gaia.err().find("drain timeout: cancelling 1 run(s)") != std::string::npos);
}

TEST_CASE("gaia serve health: SLO objectives from [slo.*] make a subsystem degraded or unhealthy") {
    TempDir dir;
    ListenAddress s;
    const auto file = dir.file("jobs.toml", R"T([slo.process]
p95 = "20ms"

[jobs.slowish]
kind = "process"
command = ["sleep", "0.1"]
schedule = "@every 1s"

[jobs.broken]
kind = "file"
op = "read"
path = "/nonexistent/gaia-serve-test/{{ env.GAIA_SERVE_TEST_SECRET }}"
)T");
    const std::string secret = "hunter2-not-for-endpoints";
    ::setenv("GAIA_SERVE_TEST_SECRET", secret.c_str(), 1);
    BackgroundGaia gaia({"serve", file, "--listen", s.address}, dir.path());
    ::unsetenv("GAIA_SERVE_TEST_SECRET");
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());

    // Process tasks take 100 ms against a p95 objective of 20 ms: degraded, still 200.
    REQUIRE(eventually([&] { return get_json(s.base + "/health/process")["status"] == "degraded"; }));
    auto process = get_json(s.base + "/health/process");
    CHECK(process["reasons"][0].get<std::string>().find("p95") != std::string::npos);
    CHECK(process["objective_p95_s"] == doctest::Approx(0.02));
    CHECK(http_code({s.base + "/health/process"}) == "200");

    // Every file task fails: under half of 99 % success, unhealthy, and so is gaia: 503.
    CHECK(http_code({"-X", "POST", s.base + "/api/v1/jobs/broken/run"}) == "202");
    REQUIRE(eventually([&] { return get_json(s.base + "/health/file")["status"] == "unhealthy"; }));
    CHECK(http_code({s.base + "/health/file"}) == "503");
    auto health = curl({"-i", s.base + "/health"});
    CHECK(health.out.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(health.out.find("\"status\":\"unhealthy\"") != std::string::npos);
    CHECK(job_of(s.base, "broken")["last"]["status"] == "failed");
    // The error names the path, with the env.* secret in it masked, here and everywhere.
    const auto error = job_of(s.base, "broken")["last"]["error"].get<std::string>();
    CHECK(error.find("gaia-serve-test/***") != std::string::npos);
    for (const char* path : {"/api/v1/jobs", "/metrics", "/health", "/health/file"}) {
        INFO(path);
        CHECK(curl({s.base + path}).out.find(secret) == std::string::npos);
    }
    CHECK(gaia.err().find(secret) == std::string::npos);

    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 0);
}

// In the suite "slow" (900 s, tests/discover.cmake): google-pprof reads the whole binary's
// symbols, which for the sanitized build took 75 s alone and more than ctest's 120 s beside
// another test.
TEST_CASE("gaia serve --enable-debug: a CPU profile taken under load is a pprof profile of gaia's functions" *
          doctest::test_suite("slow")) {
    TempDir dir;
    ListenAddress s;
    // gaia's own HTTP client fetching gaia's own /metrics: the loop is busy with gaia code.
    // 5,000 requests a run, not fewer: a run must take CPU enough for samples (100 a CPU
    // second) while other tests share the machine's cores.
    const auto file = dir.file("jobs.toml", "[jobs.self]\nkind = \"http\"\nurl = \"" + s.base +
                                                "/metrics\"\nrepeat = 5000\nconcurrency = 50\nschedule = \"@every 1s\"\n");
    BackgroundGaia gaia({"serve", file, "--listen", s.address, "--enable-debug"}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());

    const auto profile = (dir.path() / "cpu.prof").string();
    auto got = curl({"--max-time", "20", "-o", profile, "-w", "%{http_code}", s.base + "/debug/pprof/profile?seconds=3"});
    REQUIRE(got.out == "200");
    auto text = run_program({"google-pprof", "--text", "--nodecount=2000", GAIA_BINARY, profile});
    INFO(text.out);
    INFO(text.err);
    CHECK(text.exit_code == 0);
    std::smatch total;
    REQUIRE(std::regex_search(text.out, total, std::regex(R"(Total: (\d+) samples)")));
    CHECK(std::stoi(total[1]) > 0);
    // pprof drops the frames every sample shares, saying so on stderr ("Removing X from all
    // stack traces"): with few samples on a busy machine, gaia's frames can be among them.
    const bool gaia_frames = text.out.find("gaia::") != std::string::npos || text.err.find("Removing gaia::") != std::string::npos;
    CHECK(gaia_frames);

    CHECK(http_code({s.base + "/debug/pprof/profile?seconds=0"}) == "400");
    CHECK(http_code({s.base + "/debug/pprof/profile?seconds=x"}) == "400");
    CHECK(http_code({s.base + "/debug/pprof/profile?minutes=1"}) == "400");
    CHECK(http_code({"-X", "POST", s.base + "/debug/pprof/profile"}) == "405");
    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 0);

    // Without --enable-debug there is no profile to take.
    BackgroundGaia plain({"serve", file, "--listen", s.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(s.base), plain.err());
    CHECK(http_code({s.base + "/debug/pprof/profile?seconds=1"}) == "404");
    plain.signal(SIGTERM);
    CHECK(plain.wait(20) == 0);
}

TEST_CASE("gaia serve --enable-debug: /debug/pprof/heap needs tcmalloc, and with it preloaded is a pprof heap profile") {
    TempDir dir;
    const auto file = dir.file("jobs.toml", "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\nschedule = \"@every 1s\"\n");
    {
        ServedGaia served({"serve", file, "--enable-debug"}, dir.path());
        REQUIRE_MESSAGE(wait_until_up(served.base), served.process.err());
        auto refused = curl({"-i", served.base + "/debug/pprof/heap"});
        CHECK(refused.out.rfind("HTTP/1.1 501", 0) == 0);
        CHECK(refused.out.find("LD_PRELOAD=") != std::string::npos);
        served.process.signal(SIGTERM);
        CHECK(served.process.wait(20) == 0);
    }
#ifndef GAIA_SANITIZED  // AddressSanitizer and tcmalloc cannot share a process
    const char* tcmalloc = "/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4";
    ::setenv("LD_PRELOAD", tcmalloc, 1);  // for the gaia about to start only
    ServedGaia served({"serve", file, "--enable-debug"}, dir.path());
    ::unsetenv("LD_PRELOAD");
    REQUIRE_MESSAGE(wait_until_up(served.base), served.process.err());
    REQUIRE(eventually([&] { return job_of(served.base, "a")["runs"].get<int>() >= 3; }));
    const auto heap = (dir.path() / "heap.prof").string();
    // What is live differs from moment to moment: a few profiles may be needed before one
    // holds an allocation made in gaia's own code.
    Output text;
    bool own_code = false;
    for (int attempt = 0; attempt < 5 && !own_code; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(700));
        REQUIRE(curl({"-o", heap, "-w", "%{http_code}", served.base + "/debug/pprof/heap"}).out == "200");
        CHECK(read_file(heap).rfind("heap profile:", 0) == 0);
        text = run_program({"google-pprof", "--text", "--nodecount=2000", GAIA_BINARY, heap});
        CHECK(text.exit_code == 0);
        own_code = text.out.find("gaia::") != std::string::npos;
    }
    INFO(text.err, text.out.substr(0, 3000));
    CHECK(own_code);
    served.process.signal(SIGTERM);
    CHECK(served.process.wait(20) == 0);
    // Its periodic dumps went with it.
    int left = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::temp_directory_path())) {
        if (entry.path().filename().string().rfind("gaia-heap-", 0) == 0) ++left;
    }
    CHECK(left == 0);
#endif
}

TEST_CASE("gaia serve on a taken default port names the address and that it is the default") {
    // Hold the default address (if something else already holds it, gaia fails the same way).
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(9190);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) ::listen(fd, 1);
    auto out = run_gaia({"serve"});
    ::close(fd);
    INFO(out.err);
    CHECK(out.exit_code == 2);
    CHECK(out.err.find("gaia: error: cannot serve the endpoints on 127.0.0.1:9190 (the default address; give "
                       "another with --listen HOST:PORT): ") != std::string::npos);
    CHECK(out.err.find("address already in use") != std::string::npos);
}
