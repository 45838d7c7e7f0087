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

double resident_bytes(const std::string& base) {
    return metric_value(curl({base + "/metrics"}).out, "process_resident_memory_bytes");
}

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
    CHECK_MESSAGE(during - before < 64.0 * (1 << 20), "RSS ", before / (1 << 20), " MiB -> ", during / (1 << 20), " MiB");
    for (int fd : clients) ::close(fd);
    CHECK(eventually([&] { return http_code({served.base + "/liveness"}) == "200"; }));

    served.process.signal(SIGTERM);
    CHECK(served.process.wait(20) == 0);
}
