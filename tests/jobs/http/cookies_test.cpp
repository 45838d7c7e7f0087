// [api].cookies and [api].cookie_file against httpbin's /cookies endpoints: cookies set by
// a response (on a redirect hop, too) are sent by later requests, a job can opt out, a
// capture reads them, and the jar outlives the run in Netscape's format.

#include "tests/support/httpbin_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace gaia::test;

TEST_CASE("cookies: a run-wide jar, per-job opt-out, cookie captures, and a cookie file kept across runs") {
    HttpbinServer httpbin;
    TempDir dir;
    const auto jar_file = (dir.path() / "cookies.txt").string();
    const std::string jobs =
        "[api]\ncookie_file = \"" + jar_file + "\"\n"
        // /cookies/set answers 302 to /cookies: the hop already sends the new cookie.
        "[jobs.login]\nkind = \"http\"\nurl = \"" + httpbin.url("/cookies/set?session=abc123&theme=dark") + "\"\n"
        "expect = { json = { \"$.cookies.session\" = \"abc123\" } }\ncapture = { session = \"cookie:session\" }\n"
        "[jobs.later]\nkind = \"http\"\nneeds = [\"login\"]\nurl = \"" + httpbin.url("/cookies") + "\"\n"
        "headers = { Cookie = \"own=1\" }\n"
        "expect = { json = { \"$.cookies.session\" = \"abc123\", \"$.cookies.theme\" = \"dark\", \"$.cookies.own\" = \"1\" } }\n"
        "[jobs.alone]\nkind = \"http\"\nneeds = [\"login\"]\nurl = \"" + httpbin.url("/cookies") + "\"\ncookies = false\n"
        "expect = { body_matches = \"\\\"cookies\\\":\\\\s*\\\\{\\\\s*\\\\}\" }\n"
        "[jobs.logout]\nkind = \"http\"\nneeds = [\"later\", \"alone\"]\nurl = \"" + httpbin.url("/cookies/delete?theme") + "\"\n";
    const std::vector<std::vector<std::string>> environments{{}, {"GAIA_HTTP_ENGINE=curl"}};
    for (const auto& env : environments) {
        const std::string engines = env.empty() ? "the default engines" : "libcurl alone";
        INFO(engines);
        std::filesystem::remove(jar_file);
        TempDir run_dir;
        auto ran = run_with_metrics(run_dir, jobs, {}, env);
        INFO(ran.out.err);
        CHECK(ran.out.exit_code == 0);
        CHECK(job(ran.report, "login")["captures"]["session"] == "abc123");
        // Saved at the end: the session cookie, not the deleted one.
        const auto saved = read_file(jar_file);
        CHECK(saved.rfind("# Netscape HTTP Cookie File\n", 0) == 0);
        CHECK(saved.find("127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc123\n") != std::string::npos);
        CHECK(saved.find("theme") == std::string::npos);

        // The next run starts with the file's cookies.
        TempDir next_dir;
        auto next = run_with_metrics(next_dir, "[api]\ncookie_file = \"" + jar_file + "\"\n[jobs.again]\nkind = \"http\"\nurl = \"" +
                                                   httpbin.url("/cookies") + "\"\n"
                                                   "expect = { json = { \"$.cookies.session\" = \"abc123\" } }\n",
                                     {}, env);
        INFO(next.out.err);
        CHECK(next.out.exit_code == 0);
    }

    // A cookie file that cannot be read is neither read forever nor overwritten.
    TempDir odd_dir;
    auto odd = run_with_metrics(odd_dir, "[api]\ncookie_file = \"/dev/zero\"\n[jobs.a]\nkind = \"http\"\nurl = \"" +
                                             httpbin.url("/cookies/set?k=v") + "\"\n");
    CHECK(odd.out.exit_code == 0);
    CHECK(odd.out.err.find("[api].cookie_file /dev/zero is larger than 16 MiB: not read (nor overwritten)") != std::string::npos);

    // Without a jar, cookies are neither kept nor sent; cookie:NAME reads the response.
    TempDir plain_dir;
    auto plain = run_with_metrics(plain_dir, "[jobs.set]\nkind = \"http\"\nurl = \"" + httpbin.url("/cookies/set?k=v") +
                                                 "\"\nfollow_redirects = false\nexpect = { status = 302 }\n"
                                                 "capture = { k = \"cookie:k\" }\n"
                                                 "[jobs.get]\nkind = \"http\"\nneeds = [\"set\"]\nurl = \"" +
                                                 httpbin.url("/cookies") + "\"\ncapture = { k = \"cookie:k\" }\n");
    INFO(plain.out.err);
    CHECK(job(plain.report, "set")["captures"]["k"] == "v");
    CHECK(job(plain.report, "get")["status"] == "failed");
    CHECK(plain.out.err.find("capture `k`: no cookie `k` in the response") != std::string::npos);
}
