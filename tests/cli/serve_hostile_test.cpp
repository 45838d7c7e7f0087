// gaia serve against hostile clients, end to end: what one client does to gaia's memory
// and to everyone else's answers.

#include "tests/support/curl.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

using namespace gaia::test;

namespace {

// gaia's RSS from its own /metrics; asked again while gaia is too busy to answer in 5 s
// (under the sanitizers, a flood keeps it busy for a while).
double resident_bytes(const std::string& base) {
    std::string exposition;
    eventually([&] {
        exposition = curl({base + "/metrics"}).out;
        return exposition.find("process_resident_memory_bytes") != std::string::npos;
    }, 30);
    return metric_value(exposition, "process_resident_memory_bytes");
}

// AddressSanitizer keeps freed memory in quarantine (up to 256 MiB) and adds its shadow:
// RSS bounds hold for the plain build only.
#ifdef GAIA_SANITIZED
constexpr bool kRssIsMeaningful = false;
#else
constexpr bool kRssIsMeaningful = true;
#endif

int connect_nonblocking(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);  // EINPROGRESS: it completes at once on loopback
    return fd;
}

}  // namespace

TEST_CASE("gaia serve: clients that pipeline requests and never read the answers cost bounded memory") {
    TempDir dir;
    std::string jobs;
    for (int i = 0; i < 200; ++i) {
        jobs += "[jobs.job-" + std::to_string(i) + "]\nkind = \"process\"\ncommand = [\"true\"]\n";
    }
    ServedGaia served({"serve", dir.file("jobs.toml", jobs)}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(served.base), served.process.err());
    const double before = resident_bytes(served.base);
    REQUIRE(before > 0);

    // Four connections ask for /metrics and /api/v1/jobs (200 jobs) as fast as gaia takes
    // requests, for 4 seconds, and read nothing. Before the bound, one such client took
    // gaia from 22 MiB to 949 MiB in 5 s.
    std::vector<int> clients;
    for (int i = 0; i < 4; ++i) clients.push_back(connect_nonblocking(served.port));
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/jobs HTTP/1.1\r\nHost: x\r\n\r\n";
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    int liveness_checks = 0, liveness_ok = 0;
    auto next_check = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < end) {
        for (int fd : clients) {
            while (::send(fd, request.data(), request.size(), MSG_NOSIGNAL | MSG_DONTWAIT) > 0) {
            }
        }
        if (std::chrono::steady_clock::now() >= next_check) {
            ++liveness_checks;
            if (http_code({served.base + "/liveness"}) == "200") ++liveness_ok;
            next_check += std::chrono::milliseconds(500);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const double during = resident_bytes(served.base);
    CHECK(liveness_ok == liveness_checks);  // everyone else is answered meanwhile
    // Per connection: 1 MiB of unsent answers, the kernel's socket buffers (a few MiB) and
    // the requests parsed ahead of their answers.
    if (kRssIsMeaningful) {
        CHECK_MESSAGE(during - before < 64.0 * (1 << 20), "RSS ", before / (1 << 20), " MiB -> ", during / (1 << 20), " MiB");
    }
    for (int fd : clients) ::close(fd);
    CHECK(eventually([&] { return http_code({served.base + "/liveness"}) == "200"; }));

    served.process.signal(SIGTERM);
    CHECK(served.process.wait(20) == 0);
}

TEST_CASE("gaia serve under slowloris and slow reading (slowhttptest) answers everyone else") {
    TempDir dir;
    ServedGaia served({"serve", dir.file("jobs.toml", "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n")}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(served.base), served.process.err());
    const double before = resident_bytes(served.base);
    // Slowloris (-H): 1,000 connections sending a header line every 5 s, which gaia's 10 s
    // limit for a request's headers cuts off. Slow read (-X): 500 connections that ask
    // for /metrics and read 32 bytes every 3 s through a 10-byte window.
    const std::vector<std::vector<std::string>> attacks = {
        {"slowhttptest", "-H", "-c", "1000", "-r", "500", "-i", "5", "-t", "GET", "-u", served.base + "/metrics", "-x", "24",
         "-p", "3", "-l", "8"},
        {"slowhttptest", "-X", "-c", "500", "-r", "500", "-w", "10", "-y", "20", "-n", "3", "-z", "32", "-k", "3", "-u",
         served.base + "/metrics", "-p", "3", "-l", "8"},
    };
    for (const auto& attack : attacks) {
        CAPTURE(attack[1]);
        BackgroundProcess slow(attack, dir.path(), "slow" + attack[1]);
        std::this_thread::sleep_for(std::chrono::seconds(2));  // connections are open now
        int checks = 0, ok = 0;
        for (; checks < 10; ++checks) {
            ok += http_code({served.base + "/liveness"}) == "200";
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
        CHECK(ok == checks);
        CHECK(slow.wait(30) == 0);
    }
    if (kRssIsMeaningful) CHECK(resident_bytes(served.base) - before < 64.0 * (1 << 20));
    served.process.signal(SIGTERM);
    CHECK(served.process.wait(20) == 0);
}

TEST_CASE("gaia serve: a clock set back an hour or forward two keeps `@every` jobs on time, without a burst") {
#ifdef GAIA_SANITIZED
    MESSAGE("libfaketime cannot be preloaded before AddressSanitizer's runtime: the plain build runs this test");
    return;
#endif
    TempDir dir;
    const auto offset = dir.file("faketime", "+0\n");
    const std::vector<std::string> env = {
        "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "FAKETIME_TIMESTAMP_FILE=" + offset,
        "FAKETIME_NO_CACHE=1", "DONT_FAKE_MONOTONIC=1"};
    ListenAddress s;
    const auto file = dir.file("jobs.toml", "[jobs.tick]\nkind = \"process\"\ncommand = [\"true\"]\nschedule = \"@every 1s\"\n");
    BackgroundProcess gaia({GAIA_BINARY, "serve", file, "--listen", s.address}, dir.path(), "gaia", env);
    REQUIRE_MESSAGE(wait_until_up(s.base), gaia.err());
    auto runs = [&] {
        auto all = get_json(s.base + "/api/v1/jobs");
        return all.is_object() ? all["jobs"][0]["runs"].get<int>() : -1;
    };
    REQUIRE(eventually([&] { return runs() >= 2; }));

    dir.file("faketime", "-1h\n");  // set back an hour
    int at = runs();
    CHECK_MESSAGE(eventually([&] { return runs() >= at + 3; }, 8), gaia.err());
    CHECK(gaia.err().find("the clock went back") != std::string::npos);

    dir.file("faketime", "+1h\n");  // two hours forward from there
    at = runs();
    std::this_thread::sleep_for(std::chrono::seconds(4));
    const int after = runs();
    CHECK(after >= at + 2);  // still every second
    CHECK(after <= at + 6);  // and the 7,200 runs the jump skipped are not made up
    CHECK(get_json(s.base + "/api/v1/jobs")["jobs"][0]["skipped"] == 0);

    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 0);
}
