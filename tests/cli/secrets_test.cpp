// Secrets end to end: env files (--env-file and [settings].env_file) that a cron job's bare
// environment needs, captures marked secret, and short secrets that must not garble the
// output. Every output gaia writes is searched for the values.

#include "tests/support/curl.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace gaia::test;

namespace {

struct Outputs {
    Output out;
    std::string json, junit, metrics;
    std::vector<std::string> all() const { return {out.out, out.err, json, junit, metrics}; }
};

Outputs run_file(const TempDir& dir, const std::string& file, std::vector<std::string> extra = {},
                 const std::vector<std::string>& env = {}) {
    Outputs o;
    const auto json = (dir.path() / "r.json").string(), junit = (dir.path() / "r.xml").string(),
               metrics = (dir.path() / "m.prom").string();
    std::vector<std::string> args{"run", file, "--report-json", json, "--report-junit", junit, "--metrics-file", metrics};
    args.insert(args.end(), extra.begin(), extra.end());
    o.out = run_gaia(args, "", env);
    o.json = read_file(json);
    o.junit = read_file(junit);
    o.metrics = read_file(metrics);
    return o;
}

}  // namespace

TEST_CASE("secrets: env files give a bare environment its variables, and their values are masked everywhere") {
    TempDir dir;
    const std::string token = "tok-7f3a9c1e55d2";
    dir.file("conf/nightly.env", "# for cron\nGAIA_TEST_API_TOKEN=" + token + "\nexport GAIA_TEST_REGION='eu west'\n");
    dir.file("cli.env", "GAIA_TEST_FROM_CLI=\"cli-value-123456\"\n");
    // [settings].env_file is relative to the job file; --env-file to where gaia runs.
    const auto file = dir.file("conf/jobs.toml",
                               "[settings]\nenv_file = \"nightly.env\"\n"
                               "[jobs.uses]\nkind = \"process\"\ncommand = [\"printenv\", \"GAIA_TEST_API_TOKEN\"]\n"
                               "expect = { stdout_contains = \"{{ env.GAIA_TEST_API_TOKEN }}\" }\n"
                               "[jobs.inherited]\nkind = \"process\"\ncommand = [\"printenv\", \"GAIA_TEST_REGION\"]\n"
                               "expect = { stdout_contains = \"eu west\" }\n"
                               "[jobs.cli]\nkind = \"process\"\ncommand = [\"echo\", \"{{ env.GAIA_TEST_FROM_CLI }}\"]\n"
                               "stdout = \"inherit\"\n"
                               "[jobs.leaks]\nkind = \"process\"\ncommand = [\"echo\", \"token={{ env.GAIA_TEST_API_TOKEN }}\"]\n"
                               "stdout = \"inherit\"\nexpect = { stdout_contains = \"nope\" }\n");
    auto ran = run_file(dir, file, {"--env-file", (dir.path() / "cli.env").string()});
    INFO(ran.out.err);
    CHECK(ran.out.exit_code == 1);  // `leaks` fails, the others pass
    const auto report = nlohmann::json::parse(ran.json);
    for (const char* name : {"uses", "inherited", "cli"}) CHECK(job(report, name)["status"] == "passed");
    CHECK(ran.out.out.find("token=***") != std::string::npos);
    for (const auto& text : ran.all()) {
        CHECK(text.find(token) == std::string::npos);
        CHECK(text.find("cli-value-123456") == std::string::npos);
    }

    // The environment wins over the file, as with dotenv; a missing file is an error.
    auto bad = run_gaia({"run", file, "--env-file", (dir.path() / "missing.env").string()});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("gaia: error: cannot read the env file " + (dir.path() / "missing.env").string()) != std::string::npos);
    dir.file("broken.env", "OK=1\nnot a line\n");
    bad = run_gaia({"validate", file, "--env-file", (dir.path() / "broken.env").string()});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find((dir.path() / "broken.env").string() + ":2:1: error: `not a line` is not NAME=VALUE") != std::string::npos);
}

TEST_CASE("secrets: a capture marked secret is masked in every output, and templates still get its value") {
    TempDir dir;
    const std::string token = "eyJhbGciOi.session.9d8c7b6a";
    const auto file = dir.file("cap.toml",
                               "[jobs.login]\nkind = \"process\"\ncommand = [\"echo\", \"" + token + "\"]\n"
                               "capture = { token = { from = \"stdout\", secret = true }, plain = \"exit_code\" }\n"
                               "[jobs.use]\nkind = \"process\"\nneeds = [\"login\"]\n"
                               "command = [\"echo\", \"bearer {{ jobs.login.token }}\"]\nstdout = \"inherit\"\n"
                               "expect = { stdout_contains = \"bearer {{ jobs.login.token }}\" }\n"
                               "[jobs.fail]\nkind = \"process\"\nneeds = [\"login\"]\n"
                               "command = [\"echo\", \"{{ jobs.login.token }}\"]\nexpect = { stdout_contains = \"nope\" }\n");
    auto ran = run_file(dir, file, {"-v"});
    INFO(ran.out.err);
    CHECK(ran.out.exit_code == 1);
    const auto report = nlohmann::json::parse(ran.json);
    CHECK(job(report, "use")["status"] == "passed");  // the template got the real value
    CHECK(job(report, "login")["captures"]["token"] == "***");
    CHECK(job(report, "login")["captures"]["plain"] == 0);
    CHECK(ran.out.out.find("bearer ***") != std::string::npos);
    for (const auto& text : ran.all()) CHECK(text.find(token) == std::string::npos);

    const auto bad = dir.file("bad.toml", "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n"
                                          "capture = { t = { secret = true }, u = { from = \"stdout\", secrets = true } }\n"
                                          "[jobs.b]\nkind = \"process\"\ncommand = [\"echo\", \"1\"]\n"
                                          "capture = { n = { from = \"stdout\", secret = true } }\nexport = { job_n = \"n\" }\n");
    auto out = run_gaia({"validate", bad});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(bad + ":4:17: error: `capture.t` needs `from`") != std::string::npos);
    CHECK(out.err.find("unknown key `secrets`") != std::string::npos);
    CHECK(out.err.find("`export.job_n`: capture `n` is secret, and a metric would publish its value") != std::string::npos);
}

TEST_CASE("secrets: a one-character secret is warned about and does not garble the output") {
    TempDir dir;
    dir.file("short.env", "GAIA_TEST_PASSWORD=x\n");
    const auto file = dir.file("s.toml", "[jobs.export]\nkind = \"process\"\n"
                                         "command = [\"echo\", \"password={{ env.GAIA_TEST_PASSWORD }} xylophone\"]\n"
                                         "stdout = \"inherit\"\n");
    auto ran = run_file(dir, file, {"--env-file", (dir.path() / "short.env").string()});
    INFO(ran.out.err);
    CHECK(ran.out.exit_code == 0);
    CHECK(ran.out.err.find("the value of GAIA_TEST_PASSWORD is shorter than 8 characters: it is masked only where it "
                           "stands alone") != std::string::npos);
    CHECK(ran.out.err.find("job export passed") != std::string::npos);
    CHECK(ran.out.out.find("password=*** xylophone") != std::string::npos);
    CHECK(ran.json.find("\"export\"") != std::string::npos);
    CHECK(ran.json.find("e***port") == std::string::npos);
}

TEST_CASE("secrets: /metrics of gaia run --listen masks them as the metrics file does") {
    TempDir dir;
    FileServer files;
    const ListenAddress listen;
    dir.file("host.env", "GAIA_TEST_SECRET_HOST=localhost\n");
    const auto url = files.url("/hello.txt");
    const auto port = url.substr(url.rfind(':') + 1, url.find('/', 8) - url.rfind(':') - 1);
    const auto file = dir.file("m.toml", "[jobs.get]\nkind = \"http\"\nurl = \"http://{{ env.GAIA_TEST_SECRET_HOST }}:" + port +
                                             "/hello.txt\"\n[jobs.wait]\nkind = \"process\"\ncommand = [\"sleep\", \"2\"]\n");
    BackgroundGaia gaia({"run", file, "--env-file", (dir.path() / "host.env").string(), "--listen", listen.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(listen.base), gaia.err());
    std::string metrics;
    CHECK(eventually([&] {
        metrics = curl({listen.base + "/metrics"}).out;
        return metrics.find("gaia_api_requests_total{") != std::string::npos;
    }));
    CHECK(metrics.find("gaia_api_requests_total{host=\"***\",method=\"GET\",code=\"200\"} 1") != std::string::npos);
    CHECK(metrics.find("localhost") == std::string::npos);
    CHECK(gaia.wait(20) == 0);
}
