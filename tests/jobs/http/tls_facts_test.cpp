// What an https server showed, as captures, report details, an expectation and a metric:
// gaia run against nginx with a certificate the test made (self-signed, valid one day).

#include "tests/support/nginx_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <string>

using namespace gaia::test;

TEST_CASE("tls facts: version, cipher, names and expiry of an https server, min_cert_days, and the expiry metric") {
    NginxServer nginx;
    TempDir dir;
    const std::string https = nginx.https_url("/hello.txt");
    const std::string captures =
        "capture = { version = \"tls:version\", cipher = \"tls:cipher\", subject = \"tls:subject\", "
        "issuer = \"tls:issuer\", expiry = \"tls:expiry\", days = \"tls:days_left\" }\n";
    auto ran = run_with_metrics(dir,
                                "[network]\nca_file = \"" + nginx.certificate() + "\"\n"
                                "[jobs.facts]\nkind = \"http\"\nurl = \"" + https + "\"\n" + captures +
                                "expect = { min_cert_days = 0.5 }\n"
                                "[jobs.too_soon]\nkind = \"http\"\nurl = \"" + https + "\"\nexpect = { min_cert_days = 30 }\n"
                                "[jobs.plain]\nkind = \"http\"\nurl = \"" + nginx.http_url("/hello.txt") + "\"\n"
                                "capture = { version = \"tls:version\" }\n"
                                "[jobs.h2]\nkind = \"http\"\nurl = \"" + https + "\"\nhttp_version = \"2\"\n" + captures);
    INFO(ran.out.err);
    CHECK(ran.out.exit_code == 1);
    const auto& facts = job(ran.report, "facts");
    CHECK(facts["status"] == "passed");
    const auto& c = facts["captures"];
    CHECK(c["version"].get<std::string>().rfind("TLSv1.", 0) == 0);
    CHECK_FALSE(c["cipher"].get<std::string>().empty());
    CHECK(c["subject"] == "CN=localhost");
    CHECK(c["issuer"] == "CN=localhost");
    const auto in = c["expiry"].get<std::int64_t>() - std::time(nullptr);
    CHECK(in > 23 * 3600);
    CHECK(in <= 24 * 3600 + 60);
    CHECK(c["days"].get<double>() > 0.95);
    CHECK(c["days"].get<double>() <= 1.0);
    CHECK(facts["details"]["tls"]["subject"] == "CN=localhost");
    CHECK(facts["details"]["tls"]["expiry"] == c["expiry"]);
    // https on gaia's own engine, HTTP/1.1; HTTP/2 asked for goes to libcurl, same facts.
    CHECK(facts["details"]["engine"] == "lean");
    CHECK(facts["details"]["http_version"] == "1.1");
    const auto& h2 = job(ran.report, "h2");
    CHECK(h2["status"] == "passed");
    CHECK(h2["details"]["engine"] == "curl");
    CHECK(h2["details"]["http_version"] == "2");
    CHECK(h2["captures"]["subject"] == c["subject"]);
    CHECK(h2["captures"]["expiry"] == c["expiry"]);

    CHECK(job(ran.report, "too_soon")["status"] == "failed");
    CHECK(ran.out.err.find("GET " + https + ": the server's certificate expires in ") != std::string::npos);
    CHECK(ran.out.err.find(" days (expected at least 30)") != std::string::npos);
    CHECK(job(ran.report, "plain")["status"] == "failed");
    CHECK(ran.out.err.find("capture `version`: the response did not come over TLS") != std::string::npos);

    CHECK(metric_value(ran.metrics, "gaia_api_tls_cert_expiry_timestamp_seconds{host=\"localhost\"}") ==
          doctest::Approx(c["expiry"].get<double>()));

    const auto bad = dir.file("bad.toml", "[jobs.a]\nkind = \"http\"\nurl = \"" + https + "\"\ncapture = { x = \"tls:serial\" }\n");
    auto out = run_gaia({"validate", bad});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find("a TLS capture is tls:version, tls:cipher, tls:subject, tls:issuer, tls:expiry or tls:days_left, "
                       "not \"tls:serial\"") != std::string::npos);
}
