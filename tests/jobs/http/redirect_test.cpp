// Redirects followed by gaia run, on both engines (the default, where plain http:// goes to
// the lean engine and https:// to libcurl, and GAIA_HTTP_ENGINE=curl): http to https and
// back, to another host through the run's DNS server, with credentials left behind unless
// trusted, 303 after a POST, loops, and not following at all. Real nginx (HTTP and HTTPS
// with a certificate of the test's own), dnsmasq and the misbehaving server, on loopback.

#include "tests/support/dnsmasq_server.hpp"
#include "tests/support/misbehaving_server.hpp"
#include "tests/support/nginx_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace gaia::test;

namespace {

// The certificate names 127.0.0.1 too: the run's DNS server (dnsmasq) need not know localhost.
std::string https_ip_url(const NginxServer& nginx, const std::string& path) {
    auto url = nginx.https_url(path);
    return url.replace(url.find("localhost"), 9, "127.0.0.1");
}

std::string job_table(const std::string& name, const std::string& url, const std::string& extra = "") {
    return "[jobs." + name + "]\nkind = \"http\"\nurl = \"" + url + "\"\n" + extra;
}

}  // namespace

TEST_CASE("redirects: across schemes and hosts on either engine, each hop through the DNS cache, credentials kept to their origin") {
    NginxServer nginx;
    DnsmasqServer dns;
    MisbehavingServer misbehaving;
    const std::string https_hello = https_ip_url(nginx, "/hello.txt");
    const std::string http_hello = nginx.http_url("/hello.txt");
    auto port_of = [](const std::string& url) { return url.substr(url.rfind(':') + 1, url.find('/', 8) - url.rfind(':') - 1); };
    const std::string other_host_echo = "http://api.test:" + port_of(http_hello) + "/echo";
    const std::string credentials = "headers = { Authorization = \"Bearer s3cret\", Cookie = \"session=abc\" }\n";
    const std::string jobs =
        "[network]\ndns_servers = [\"" + dns.address() + "\"]\nca_file = \"" + nginx.certificate() + "\"\n" +
        job_table("up", nginx.http_url("/redirect-to?url=" + https_hello),
                  "expect = { body_contains = \"hello\" }\ncapture = { final = \"url\" }\n") +
        job_table("down", https_ip_url(nginx, "/redirect-to?url=" + http_hello), "capture = { final = \"url\" }\n") +
        job_table("other_host", nginx.http_url("/redirect-to?url=" + other_host_echo),
                  credentials + "expect = { body_contains = \"host=api.test auth=[] cookie=[]\" }\n") +
        job_table("same_host", nginx.http_url("/redirect-to?url=" + nginx.http_url("/echo")),
                  credentials + "expect = { body_contains = \"auth=[Bearer s3cret] cookie=[session=abc]\" }\n") +
        job_table("trusted", nginx.http_url("/redirect-to?url=" + other_host_echo),
                  credentials + "trust_redirect_auth = true\n"
                                "expect = { body_contains = \"host=api.test auth=[Bearer s3cret] cookie=[session=abc]\" }\n") +
        job_table("kept_method", nginx.http_url("/redirect-307?url=" + https_ip_url(nginx, "/echo")),
                  "method = \"DELETE\"\nexpect = { body_contains = \"method=DELETE\" }\n") +
        job_table("see_other", misbehaving.url("/see-other"), "method = \"POST\"\nbody = \"x\"\n"
                                                               "expect = { json = { \"$.method\" = \"GET\" } }\n") +
        job_table("chain", misbehaving.url("/redirect/3"), "expect = { body_contains = \"arrived\" }\n") +
        job_table("loop", misbehaving.url("/redirect-loop")) +
        job_table("not_followed", misbehaving.url("/redirect/2"),
                  "follow_redirects = false\nexpect = { status = 302, headers = { Location = \"/redirect/1\" } }\n") +
        job_table("not_web", nginx.http_url("/redirect-to?url=ftp://127.0.0.1/file"));

    const std::vector<std::vector<std::string>> environments{{}, {"GAIA_HTTP_ENGINE=curl"}};
    for (const auto& env : environments) {
        const std::string engines = env.empty() ? "the default engines" : "libcurl alone";
        INFO(engines);
        TempDir dir;
        const int lookups_before = dns.queries_for("api.test");
        auto ran = run_with_metrics(dir, jobs, {}, env);
        INFO(ran.out.err);
        CHECK(ran.out.exit_code == 1);  // loop and not_web fail
        for (const char* passing : {"up", "down", "other_host", "same_host", "trusted", "kept_method", "see_other", "chain",
                                    "not_followed"}) {
            INFO(passing);
            CHECK(job(ran.report, passing)["status"] == "passed");
        }
        const auto& up = job(ran.report, "up");
        CHECK(up["captures"]["final"] == https_hello);
        REQUIRE(up["details"]["redirects"].size() == 1);
        CHECK(up["details"]["redirects"][0]["status"] == 302);
        CHECK(up["details"]["redirects"][0]["location"] == https_hello);
        CHECK(job(ran.report, "down")["captures"]["final"] == http_hello);
        CHECK(ran.out.err.find("job down: following a redirect from https to plain http: " + https_ip_url(nginx, "/redirect-to?url=" + http_hello) +
                               " → " + http_hello) != std::string::npos);
        CHECK(job(ran.report, "chain")["details"]["redirects"].size() == 3);
        CHECK(job(ran.report, "loop")["status"] == "failed");
        CHECK(ran.out.err.find("Maximum (20) redirects followed") != std::string::npos);
        CHECK(job(ran.report, "loop")["details"]["redirects"].size() == 20);
        CHECK(ran.out.err.find("the redirect to `ftp://127.0.0.1/file` (status 302) does not lead to an http:// or https:// URL") !=
              std::string::npos);
        CHECK(job(ran.report, "not_followed")["details"].count("redirects") == 0);
        // The hop to api.test was resolved by the run's DNS server, once: the cache answered
        // the second job's hop.
        CHECK(dns.queries_for("api.test") > lookups_before);
        CHECK(metric_value(ran.metrics, "gaia_network_dns_lookups_total{result=\"miss\"}") >= 1);
        CHECK(metric_value(ran.metrics, "gaia_network_dns_lookups_total{result=\"hit\"}") >= 1);
        // Each hop counts for its own host.
        CHECK(ran.metrics.find("gaia_api_requests_total{host=\"api.test\",method=\"GET\",code=\"200\"} 2") != std::string::npos);
        CHECK(ran.metrics.find("gaia_api_requests_total{host=\"127.0.0.1\",method=\"GET\",code=\"302\"}") != std::string::npos);
    }
}
