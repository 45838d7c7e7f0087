// The network coordinator under HTTP jobs, end to end: DNS through its cache (dnsmasq on
// loopback), connection limits, a proxy, a CA file and [network].insecure — with each
// engine where both can carry the request.

#include "core/net/network.hpp"
#include "jobs/http/curl_engine.hpp"
#include "jobs/http/lean_engine.hpp"
#include "tests/support/dnsmasq_server.hpp"
#include "tests/support/misbehaving_server.hpp"
#include "tests/support/nginx_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

using namespace gaia::test;
using nlohmann::json;

namespace {

void dns_through_the_cache(const std::string& engine) {
    DnsmasqServer dns;
    MisbehavingServer server;
    TempDir dir;
    const auto port = std::to_string(server.port());
    auto run = run_with_metrics(dir, R"T([network]
dns_servers = [")T" + dns.address() + R"T("]
[jobs.named]
kind = "http"
repeat = 50
url = "http://api.test:)T" + port + R"T(/echo"
expect.json = { "$.headers.host" = "api.test:)T" + port + R"T(" }
[jobs.missing]
kind = "http"
repeat = 3
url = "http://missing.nx.test:)T" + port + R"T(/echo"
)T", {}, {"GAIA_HTTP_ENGINE=" + engine});
    INFO(run.out.err);
    const auto& r = run.report;
    CHECK(job(r, "named")["passed"] == 50);
    CHECK(job(r, "missing")["failed"] == 3);
    CHECK(job(r, "missing")["first_error"].get<std::string>().find(
              "Could not resolve host: missing.nx.test (no such name (NXDOMAIN))") != std::string::npos);
    const auto& text = run.metrics;
    const double hits = metric_value(text, "gaia_network_dns_lookups_total{result=\"hit\"}");
    const double misses = metric_value(text, "gaia_network_dns_lookups_total{result=\"miss\"}");
    CHECK(hits / (hits + misses) > 0.8);
    CHECK(metric_value(text, "gaia_network_dns_lookups_total{result=\"error\"}") == 3);
    CHECK(dns.queries_for("api.test") <= 3);  // one lookup: A and AAAA
    // Written while the pool still keeps its connections: at least one, one per request at most.
    const double open = metric_value(text, "gaia_network_connections_open");
    CHECK(open >= 1);
    CHECK(open <= 50);
}

void connection_limits(const std::string& engine) {
    MisbehavingServer server;
    TempDir dir;
    auto run = run_with_metrics(dir, R"T([network]
max_connections_per_host = 2
[jobs.slow]
kind = "http"
repeat = 8
url = ")T" + server.url("/slow-port/150") + R"T("
capture.port = "body"
)T", {}, {"GAIA_HTTP_ENGINE=" + engine});
    INFO(run.out.err);
    const auto& report = run.report;
    const auto& ports = job(report, "slow")["captures"]["port"];
    std::set<std::string> distinct;
    for (const auto& p : ports) distinct.insert(p.get<std::string>());
    CHECK(job(report, "slow")["passed"] == 8);
    CHECK(distinct.size() <= 2);                          // two connections, reused
    CHECK(report["run"]["duration_s"].get<double>() >= 0.55);  // four waves of 150 ms
}

}  // namespace

TEST_CASE("DNS through the coordinator's cache: hit rate, NXDOMAIN per request (lean engine)") {
    dns_through_the_cache("auto");
}

TEST_CASE("DNS through the coordinator's cache: hit rate, NXDOMAIN per request (libcurl)") {
    dns_through_the_cache("curl");
}

TEST_CASE("max_connections_per_host holds (lean engine)") { connection_limits("auto"); }

TEST_CASE("max_connections_per_host holds (libcurl)") { connection_limits("curl"); }

TEST_CASE("[network] proxy, ca_file and insecure") {
    MisbehavingServer proxy;
    NginxServer nginx;
    TempDir dir;
    Output out;
    auto r = run_report(dir, R"T([network]
proxy = ")T" + proxy.url("") + R"T("
[jobs.via_proxy]
kind = "http"
url = "http://upstream.invalid/thing"
capture.body = "json:$.proxied"
)T", &out);
    INFO(out.err);
    CHECK(job(r, "via_proxy")["captures"]["body"] == "http://upstream.invalid/thing");

    TempDir dir2;
    auto trusted = run_report(dir2, R"T([network]
ca_file = ")T" + nginx.certificate() + R"T("
[jobs.tls]
kind = "http"
url = ")T" + nginx.https_url("/hello.txt") + R"T("
)T", &out);
    INFO(out.err);
    CHECK(job(trusted, "tls")["status"] == "passed");

    TempDir dir3;
    auto insecure = run_report(dir3, R"T([network]
insecure = true
[jobs.tls]
kind = "http"
url = ")T" + nginx.https_url("/hello.txt") + R"T("
)T", &out);
    CHECK(job(insecure, "tls")["status"] == "passed");
    CHECK(out.err.find("[network].insecure: TLS certificates are not verified") != std::string::npos);
}

TEST_CASE("gaia_network_connections_open is exact for both engines") {
    NginxServer nginx;
    gaia::loop::Loop loop;
    gaia::metrics::Registry registry;
    gaia::jobfile::NetworkSettings settings;
    settings.max_connections_per_host = 7;
    {
        gaia::net::Network network(loop, registry, settings);
        gaia::jobs::http::LeanEngine lean(loop, &network);
        gaia::jobs::http::CurlEngine curl(loop, &network);
        int done = 0;
        for (int i = 0; i < 30; ++i) {
            gaia::jobs::http::HttpRequest r;
            r.url = nginx.http_url("/hello.txt");
            lean.start(r, [&](gaia::jobs::http::HttpResponse) { ++done; });
            curl.start(r, [&](gaia::jobs::http::HttpResponse) { ++done; });
        }
        loop.run();
        CHECK(done == 60);
        // Both pools keep their connections; the limit held for each.
        CHECK(lean.connections() == 7);
        CHECK(network.health().connections_open >= 8);
        CHECK(network.health().connections_open <= 14);
        lean.close();
        curl.close();
        CHECK(network.health().connections_open == 0);
        network.close();
    }
    CHECK(loop.close() == 0);
}

namespace {

// 50 downloads of 2 MiB at once under a 10 MiB/s budget: about 10 s.
void bandwidth_budget(const std::string& engine) {
    NginxServer nginx;
    TempDir dir;
    auto run = run_with_metrics(dir, R"T([settings]
concurrency = 50
[network]
bandwidth = "10MiB/s"
[jobs.download]
kind = "http"
repeat = 50
url = ")T" + nginx.http_url("/2mib.bin") + R"T("
)T", {}, {"GAIA_HTTP_ENGINE=" + engine});
    INFO(run.out.err);
    const auto& r = run.report;
    const auto& j = job(r, "download");
    REQUIRE(j["passed"] == 50);
    const double total = 50.0 * (2 << 20);
    const double seconds = r["run"]["duration_s"].get<double>();
    const double cap = 10.0 * (1 << 20);
    CAPTURE(seconds);
    CHECK(total / seconds == doctest::Approx(cap).epsilon(kRateTolerance));
    // Fair: the slowest download got at least half its fair share (2 MiB at cap/50 is 10 s),
    // and the downloads finished together rather than one after another.
    const double slowest = j["latency_s"]["max"].get<double>();
    CHECK((2 << 20) / slowest >= 0.5 * cap / 50);
    CHECK(j["latency_s"]["p50"].get<double>() >= 0.8 * slowest);
    const auto& text = run.metrics;
    // Bodies (libcurl), or all bytes read, headers too (the lean engine).
    const double bytes = metric_value(text, "gaia_network_bytes_total{direction=\"download\"}");
    CHECK(bytes >= total);
    CHECK(bytes <= 1.01 * total);
    CHECK(metric_value(text, "gaia_network_throttle_wait_seconds_total") > 100);  // 50 transfers waiting most of 10 s
}

}  // namespace

TEST_CASE("one bandwidth budget for all transfers, within 5% and fair (lean engine)") { bandwidth_budget("auto"); }

TEST_CASE("the bandwidth budget over a 10 s run of 50 concurrent 10 MiB downloads") {
    // The workload as first reported: the run is cut at 10 s; what arrived by then counts.
    NginxServer nginx;
    TempDir dir;
    auto run = run_with_metrics(dir, R"T([settings]
concurrency = 50
[network]
bandwidth = "10MiB/s"
[jobs.download]
kind = "http"
repeat = 50
url = ")T" + nginx.http_url("/10mib.bin") + R"T("
)T", {"--timeout", "10s"});
    INFO(run.out.err);
    const double seconds = run.report["run"]["duration_s"].get<double>();
    const double bytes = metric_value(run.metrics, "gaia_network_bytes_total{direction=\"download\"}");
    CAPTURE(seconds);
    CHECK(seconds == doctest::Approx(10).epsilon(kRateTolerance));
    CHECK(bytes / seconds == doctest::Approx(10.0 * (1 << 20)).epsilon(kRateTolerance));
}

TEST_CASE("one bandwidth budget for all transfers, within 5% and fair (libcurl)") { bandwidth_budget("curl"); }

TEST_CASE("the network's health: DNS hit rate, connections against the limit, errors, throttling") {
    DnsmasqServer dns;
    gaia::loop::Loop loop;
    gaia::metrics::Registry registry;
    gaia::jobfile::NetworkSettings settings;
    settings.dns_servers = {dns.address()};
    settings.max_connections = 10;
    settings.bandwidth = 64.0 * 1024;  // 64 KiB/s, holding 64 KiB: an 80 KiB read overspends it
    {
        gaia::net::Network network(loop, registry, settings);
        auto fresh = network.health();
        CHECK(fresh.dns_hit_rate == 1.0);
        CHECK(fresh.max_connections == 10);
        CHECK_FALSE(fresh.throttled);
        int answers = 0;
        for (int i = 0; i < 5; ++i) network.dns().lookup("long.test", [&](const gaia::net::DnsAnswer&) { ++answers; });
        loop.run();
        network.dns().lookup("x.nx.test", [&](const gaia::net::DnsAnswer&) { ++answers; });
        loop.run();
        network.connection_opened();
        network.transfer_finished(false);
        network.transfer_finished(true);
        auto gate = network.bandwidth().gate();
        gate->consumed(80 * 1024);
        CHECK_FALSE(gate->may_proceed());
        bool resumed = false;
        gate->wait([&] { resumed = true; });
        auto h = network.health();
        CHECK(answers == 6);
        CHECK(h.dns_lookups == 6);
        CHECK(h.dns_hit_rate == doctest::Approx(4.0 / 6));
        CHECK(h.connections_open == 1);
        CHECK(h.error_rate == doctest::Approx(0.5));
        CHECK(h.throttled);
        loop.run();  // the budget refills; the waiting transfer gets its grant
        CHECK(resumed);
        network.connection_closed();
        network.close();
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("a DNS server that does not answer is a clear per-request error") {
    // A UDP socket that never answers.
    const int silent = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(silent, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(silent, reinterpret_cast<sockaddr*>(&addr), &len);
    TempDir dir;
    Output out;
    auto r = run_report(dir, R"T([network]
dns_servers = ["127.0.0.1:)T" + std::to_string(ntohs(addr.sin_port)) + R"T("]
[jobs.unanswered]
kind = "http"
repeat = 2
url = "http://api.test/"
)T", &out);
    INFO(out.err);
    CHECK(job(r, "unanswered")["failed"] == 2);
    CHECK(job(r, "unanswered")["first_error"].get<std::string>().find(
              "Could not resolve host: api.test (no answer from 127.0.0.1:") != std::string::npos);
    ::close(silent);
}
