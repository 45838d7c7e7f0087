// gaia's http jobs against httpbin (Debian's python3-httpbin), a server nobody here wrote,
// on both engine setups: redirects of every form — relative, absolute, to https on
// another listener (nginx) and to another host name (dnsmasq) —, content codings,
// streamed and dripped bodies, delays against timeouts, 429 and 503 with retries, and
// bodies of every kind, each checked by what httpbin echoes back.
// (Cookies, authentication and multipart have tests of their own: cookies_test,
// auth_test, multipart_test.)

#include "tests/support/dnsmasq_server.hpp"
#include "tests/support/httpbin_server.hpp"
#include "tests/support/nginx_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace gaia::test;

namespace {

std::string http_job(const std::string& name, const std::string& url, const std::string& extra = "") {
    return "[jobs." + name + "]\nkind = \"http\"\nurl = \"" + url + "\"\n" + extra;
}

}  // namespace

TEST_CASE("httpbin conformance: redirects, codings, streams, delays, retries and bodies on either engine") {
    HttpbinServer httpbin;
    NginxServer nginx;
    DnsmasqServer dns;
    TempDir dir;
    const auto upload = dir.file("upload.txt", "uploaded through body_file\n");
    auto https_hello = nginx.https_url("/hello.txt");
    https_hello.replace(https_hello.find("localhost"), 9, "127.0.0.1");  // dnsmasq does not know localhost
    const std::string port = std::to_string(httpbin.port());
    const std::string jobs =
        "[network]\ndns_servers = [\"" + dns.address() + "\"]\nca_file = \"" + nginx.certificate() + "\"\n" +
        http_job("relative", httpbin.url("/redirect/3"), "capture = { final = \"url\" }\n") +
        http_job("absolute", httpbin.url("/absolute-redirect/2"), "capture = { final = \"url\" }\n") +
        http_job("to_https", httpbin.url("/redirect-to?url=" + https_hello), "expect = { body_contains = \"hello, gaia\" }\n") +
        http_job("to_other_host", httpbin.url("/redirect-to?url=http://api.test:" + port + "/get"),
                 "expect = { json = { \"$.headers.Host\" = \"api.test:" + port + "\" } }\n") +
        http_job("status_307", httpbin.url("/redirect-to?url=/anything&status_code=307"),
                 "method = \"PUT\"\nbody = \"kept\"\nheaders = { Content-Type = \"text/plain\" }\n"
                 "expect = { json = { \"$.method\" = \"PUT\", \"$.data\" = \"kept\" } }\n") +
        http_job("gzip", httpbin.url("/gzip"), "headers = { Accept-Encoding = \"gzip\" }\nexpect = { json = { \"$.gzipped\" = true } }\n") +
        http_job("deflate", httpbin.url("/deflate"),
                 "headers = { Accept-Encoding = \"deflate\" }\nexpect = { json = { \"$.deflated\" = true } }\n") +
        http_job("brotli", httpbin.url("/brotli"), "headers = { Accept-Encoding = \"br\" }\nexpect = { json = { \"$.brotli\" = true } }\n") +
        http_job("stream", httpbin.url("/stream/5"), "expect = { body_matches = \"\\\"id\\\": 4\" }\n") +
        http_job("drip", httpbin.url("/drip?duration=0.5&numbytes=5"), "expect = { body_contains = \"*****\" }\n") +
        http_job("delay_in_time", httpbin.url("/delay/0.2"), "timeout = \"3s\"\n") +
        http_job("delay_too_long", httpbin.url("/delay/3"), "timeout = \"500ms\"\n") +
        http_job("too_many", httpbin.url("/status/429"), "retries = { attempts = 2, backoff = \"10ms\" }\n") +
        http_job("unavailable", httpbin.url("/status/503"), "retries = { attempts = 2, backoff = \"10ms\" }\n") +
        http_job("post_json", httpbin.url("/post"), "method = \"POST\"\njson = { name = \"gaia\", n = 3 }\n"
                                                    "expect = { json = { \"$.json.name\" = \"gaia\", \"$.json.n\" = 3 } }\n") +
        http_job("post_form", httpbin.url("/post"), "method = \"POST\"\nform = { a = \"1 2\", b = \"x&y\" }\n"
                                                    "expect = { json = { \"$.form.a\" = \"1 2\", \"$.form.b\" = \"x&y\" } }\n") +
        http_job("post_multipart", httpbin.url("/post"), "method = \"POST\"\nmultipart = { field = \"v\" }\n"
                                                         "expect = { json = { \"$.form.field\" = \"v\" } }\n") +
        http_job("post_file", httpbin.url("/post"), "method = \"POST\"\nbody_file = \"" + upload + "\"\n"
                                                    "headers = { Content-Type = \"text/plain\" }\n"
                                                    "expect = { json = { \"$.data\" = \"uploaded through body_file\\n\" } }\n") +
        http_job("anything", httpbin.url("/anything/x?q=1"), "method = \"PATCH\"\nheaders = { X-Test = \"yes\" }\n"
                                                              "expect = { json = { \"$.method\" = \"PATCH\", \"$.args.q\" = \"1\", "
                                                              "\"$.headers.X-Test\" = \"yes\" } }\n");
    const std::vector<std::vector<std::string>> environments{{}, {"GAIA_HTTP_ENGINE=curl"}};
    for (const auto& env : environments) {
        const std::string engines = env.empty() ? "the default engines" : "libcurl alone";
        INFO(engines);
        TempDir run_dir;
        auto ran = run_with_metrics(run_dir, jobs, {}, env);
        INFO(ran.out.err);
        CHECK(ran.out.exit_code == 1);
        for (const char* name : {"relative", "absolute", "to_https", "to_other_host", "status_307", "gzip", "deflate", "brotli",
                                 "stream", "drip", "delay_in_time", "post_json", "post_form", "post_multipart", "post_file",
                                 "anything"}) {
            INFO(name);
            CHECK(job(ran.report, name)["status"] == "passed");
        }
        CHECK(job(ran.report, "relative")["captures"]["final"] == httpbin.url("/get"));
        CHECK(job(ran.report, "relative")["details"]["redirects"].size() == 3);
        CHECK(job(ran.report, "absolute")["captures"]["final"] == httpbin.url("/get"));
        CHECK(job(ran.report, "delay_too_long")["status"] == "failed");
        CHECK(ran.out.err.find("job delay_too_long failed") != std::string::npos);
        CHECK(ran.out.err.find("timed out after 500ms") != std::string::npos);
        for (const char* name : {"too_many", "unavailable"}) {
            INFO(name);
            CHECK(job(ran.report, name)["status"] == "failed");
            CHECK(job(ran.report, name)["attempts"] == 3);
        }
        CHECK(dns.queries_for("api.test") >= 1);
    }
}
