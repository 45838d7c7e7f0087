// `auth` of http jobs against httpbin (python3-httpbin): Basic and Bearer on both engine
// setups, Digest and AWS SigV4 through libcurl, credentials masked in every output, and
// job-file mistakes.

#include "tests/support/httpbin_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace gaia::test;

TEST_CASE("auth: basic, bearer, digest and aws_sigv4 against httpbin, on either engine, credentials masked") {
    HttpbinServer httpbin;
    const std::string password = "open-sesame-4711", token = "bearer-token-0815-xyz", secret = "wJalrXUtnFEMI-K7MDENG";
    const std::string jobs =
        "[jobs.basic]\nkind = \"http\"\nurl = \"" + httpbin.url("/basic-auth/alice/" + password) + "\"\n"
        "auth = { basic = { user = \"alice\", password = \"" + password + "\" } }\n"
        "expect = { json = { \"$.authenticated\" = true, \"$.user\" = \"alice\" } }\n"
        "[jobs.basic_wrong]\nkind = \"http\"\nurl = \"" + httpbin.url("/basic-auth/alice/" + password) + "\"\n"
        "auth = { basic = { user = \"alice\", password = \"not-the-password\" } }\n"
        "[jobs.bearer]\nkind = \"http\"\nurl = \"" + httpbin.url("/bearer") + "\"\n"
        "auth = { bearer = \"" + token + "\" }\ncapture = { echoed = \"json:$.token\" }\n"
        "[jobs.digest]\nkind = \"http\"\nurl = \"" + httpbin.url("/digest-auth/auth/alice/" + password) + "\"\n"
        "auth = { digest = { user = \"alice\", password = \"" + password + "\" } }\n"
        "expect = { json = { \"$.authenticated\" = true } }\n"
        "[jobs.sigv4]\nkind = \"http\"\nurl = \"" + httpbin.url("/anything/bucket/key") + "\"\n"
        "auth = { aws_sigv4 = { provider = \"aws:amz:us-east-1:s3\", key = \"AKIDEXAMPLE\", secret = \"" + secret + "\" } }\n"
        "expect = { body_matches = \"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/[0-9]{8}/us-east-1/s3/aws4_request\" }\n";
    const std::vector<std::vector<std::string>> environments{{}, {"GAIA_HTTP_ENGINE=curl"}};
    for (const auto& env : environments) {
        const std::string engines = env.empty() ? "the default engines" : "libcurl alone";
        INFO(engines);
        TempDir dir;
        auto ran = run_with_metrics(dir, jobs, {"-v"}, env);
        INFO(ran.out.err);
        CHECK(ran.out.exit_code == 1);
        for (const char* passing : {"basic", "bearer", "digest", "sigv4"}) {
            INFO(passing);
            CHECK(job(ran.report, passing)["status"] == "passed");
        }
        CHECK(job(ran.report, "basic_wrong")["status"] == "failed");
        CHECK(ran.out.err.find("status 401") != std::string::npos);
        // Digest and SigV4 are libcurl's; Basic and Bearer are headers either engine sends.
        CHECK(job(ran.report, "digest")["details"]["engine"] == "curl");
        CHECK(job(ran.report, "sigv4")["details"]["engine"] == "curl");
        CHECK(job(ran.report, "basic")["details"]["engine"] == (env.empty() ? "lean" : "curl"));
        CHECK(job(ran.report, "bearer")["captures"]["echoed"] == "***");
        const std::string report = ran.report.dump();
        for (const auto& text : {ran.out.out, ran.out.err, report, ran.metrics}) {
            CHECK(text.find(password) == std::string::npos);
            CHECK(text.find(token) == std::string::npos);
            CHECK(text.find(secret) == std::string::npos);
        }
    }
}

TEST_CASE("auth: mistakes in the table are errors with their place") {
    TempDir dir;
    const auto file = dir.file("bad.toml",
                               "[jobs.two]\nkind = \"http\"\nurl = \"http://127.0.0.1:1/\"\n"
                               "auth = { basic = { user = \"a\", password = \"b\" }, bearer = \"t\" }\n"
                               "[jobs.half]\nkind = \"http\"\nurl = \"http://127.0.0.1:1/\"\nauth = { digest = { user = \"a\" } }\n"
                               "[jobs.unknown]\nkind = \"http\"\nurl = \"http://127.0.0.1:1/\"\nauth = { ntlm = { user = \"a\" } }\n"
                               "[jobs.both]\nkind = \"http\"\nurl = \"http://127.0.0.1:1/\"\n"
                               "headers = { Authorization = \"Bearer x\" }\nauth = { bearer = \"y\" }\n"
                               "[jobs.newline]\nkind = \"http\"\nurl = \"http://127.0.0.1:1/\"\nauth = { bearer = \"a\\nb\" }\n");
    auto out = run_gaia({"validate", file});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(file + ":4:8: error: `auth` is one of { basic = … }, { bearer = … }, { digest = … } or { aws_sigv4 = … }") !=
          std::string::npos);
    CHECK(out.err.find(file + ":8:19: error: `auth.digest` needs `password`") != std::string::npos);
    CHECK(out.err.find(file + ":12:10: error: unknown `auth` scheme `ntlm` (basic, bearer, digest or aws_sigv4)") !=
          std::string::npos);
    CHECK(out.err.find("`auth` and an Authorization header: keep one of them") != std::string::npos);
    CHECK(out.err.find("auth.bearer") != std::string::npos);
}
