// --artifacts DIR: what a failed process or request leaves to look at, written under
// DIR/JOB/INDEX-ATTEMPT/, named in the JSON report and attached to the JUnit testcase.

#include "tests/support/file_helpers.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <set>

using namespace gaia::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The instance lines of the report for one job, in the report's order.
std::vector<json> instances_of(const json& report, const std::string& name) {
    std::vector<json> lines;
    for (const auto& line : report["instances"]) {
        if (line["job"] == name) lines.push_back(line);
    }
    return lines;
}

}  // namespace

TEST_CASE("--artifacts keeps a failed process's output and a failed request's head and body, per attempt") {
    FileServer server;
    server.dir().file("teapot.txt", "short and stout\n");
    SilentPort silent(SilentPort::Protocol::tcp);
    TempDir dir;
    const auto artifacts = (dir.path() / "art").string();
    const auto xml = (dir.path() / "report.xml").string();
    auto r = run_with_metrics(dir, R"T(
[jobs.build]
kind = "process"
command = ["sh", "-c", "echo compiling; echo token={{ env.GAIA_TEST_TOKEN }}; echo 'error: it broke' >&2; exit 3"]
retries = { attempts = 1, backoff = "10ms" }

[jobs.api]
kind = "http"
url = ")T" + server.url("/missing.json") + R"T("
headers = { Authorization = "Bearer abc-123-very-secret", X-Trace = "t-1" }

[jobs.hang]
kind = "http"
method = "POST"
url = "http://127.0.0.1:)T" + std::to_string(silent.port()) + R"T(/slow"
body = "{\"q\": 1}"
timeout = "300ms"

[jobs.fine]
kind = "http"
url = ")T" + server.url("/teapot.txt") + R"T("
)T",
                              {"--artifacts", artifacts, "--report-junit", xml},
                              {"GAIA_TEST_TOKEN=hunter2-correct-horse"});
    INFO(r.out.err);
    CHECK(r.out.exit_code == 1);

    // The process failed twice: one directory per attempt, each with both tails, the
    // secret masked as everywhere else.
    CHECK(entries(artifacts) == std::set<std::string>{"api", "build", "hang"});
    CHECK(entries(artifacts + "/build") == std::set<std::string>{"0-1", "0-2"});
    for (const char* attempt : {"0-1", "0-2"}) {
        const auto set = artifacts + "/build/" + attempt;
        CHECK(entries(set) == std::set<std::string>{"stderr.txt", "stdout.txt"});
        CHECK(read_file(set + "/stdout.txt") == "compiling\ntoken=***\n");
        CHECK(read_file(set + "/stderr.txt") == "error: it broke\n");
        CHECK((fs::status(set).permissions() & fs::perms::others_read) != fs::perms::none);
    }

    // The request as sent, its credentials masked, and the response with its body.
    const auto request = read_file(artifacts + "/api/0-1/request.txt");
    CHECK(request.find("GET " + server.url("/missing.json") + "\n") == 0);
    CHECK(request.find("Authorization: [redacted]\n") != std::string::npos);
    CHECK(request.find("X-Trace: t-1\n") != std::string::npos);
    CHECK(request.find("abc-123") == std::string::npos);
    const auto response = read_file(artifacts + "/api/0-1/response.txt");
    CHECK(response.find("HTTP/1.0 404") == 0);
    CHECK(response.find("\nContent-Type: text/html") != std::string::npos);
    CHECK(response.find("\r\n\r\n<!DOCTYPE HTML>") + response.find("\n\n<!DOCTYPE HTML>") != 2 * std::string::npos);
    CHECK(response.find("Nothing matches the given URI") != std::string::npos);

    // A request that timed out: what was sent, no response.
    CHECK(entries(artifacts + "/hang/0-1") == std::set<std::string>{"request.txt"});
    CHECK(read_file(artifacts + "/hang/0-1/request.txt").find("POST http://127.0.0.1:") == 0);
    CHECK(read_file(artifacts + "/hang/0-1/request.txt").find("\n\n{\"q\": 1}") != std::string::npos);

    // The report names each instance's files; the passing job has none.
    const auto build = instances_of(r.report, "build");
    REQUIRE(build.size() == 1);
    CHECK(build[0]["artifacts"] == json{artifacts + "/build/0-1/stdout.txt", artifacts + "/build/0-1/stderr.txt",
                                        artifacts + "/build/0-2/stdout.txt", artifacts + "/build/0-2/stderr.txt"});
    const auto api = instances_of(r.report, "api");
    REQUIRE(api.size() == 1);
    CHECK(api[0]["artifacts"] == json{artifacts + "/api/0-1/request.txt", artifacts + "/api/0-1/response.txt"});
    CHECK(instances_of(r.report, "fine").empty());

    // JUnit: attached where Jenkins and GitLab look, in the failing job's testcase.
    const auto junit = read_file(xml);
    CHECK(junit.find("<system-out>\n[[ATTACHMENT|" + artifacts + "/build/0-1/stdout.txt]]\n") != std::string::npos);
    CHECK(junit.find("[[ATTACHMENT|" + artifacts + "/api/0-1/response.txt]]\n      </system-out>") != std::string::npos);
    CHECK(junit.find("<testcase name=\"fine\" classname=\"jobs.jobs\" time=") != std::string::npos);
    const auto fine = junit.substr(junit.find("<testcase name=\"fine\""));
    CHECK(fine.substr(0, fine.find('\n')).find("/>") != std::string::npos);
}

TEST_CASE("an artifact set replaces an earlier run's whole, and nothing is kept without --artifacts") {
    TempDir dir;
    const auto artifacts = dir.path() / "art";
    const auto message = dir.file("message", "run one");
    const std::string jobs = R"T(
[jobs.check]
kind = "process"
command = ["sh", "-c", "cat )T" + message + R"T(; echo; exit 1"]
)T";
    auto first = run_with_metrics(dir, jobs, {"--artifacts", artifacts.string()});
    CHECK(first.out.exit_code == 1);
    CHECK(read_file(artifacts / "check/0-1/stdout.txt") == "run one\n");
    // Something of the earlier set's that the next set does not have: it must go with it.
    fs::copy_file(artifacts / "check/0-1/stdout.txt", artifacts / "check/0-1/notes.txt");

    dir.file("message", "run two");
    auto second = run_with_metrics(dir, jobs, {"--artifacts", artifacts.string()});
    CHECK(second.out.exit_code == 1);
    CHECK(entries(artifacts / "check") == std::set<std::string>{"0-1"});  // no staging directory left
    CHECK(entries(artifacts / "check/0-1") == std::set<std::string>{"stdout.txt"});  // stderr was empty
    CHECK(read_file(artifacts / "check/0-1/stdout.txt") == "run two\n");

    // Without the option: no directory anywhere, no "artifacts" in the report.
    TempDir other;
    auto plain = run_program({"sh", "-c", "cd \"$2\" && exec \"$0\" run \"$1\" --report-json report.json", GAIA_BINARY,
                              (dir.path() / "jobs.toml").string(), other.path().string()});
    INFO(plain.err);
    CHECK(plain.exit_code == 1);
    CHECK(entries(other.path()) == std::set<std::string>{"report.json"});
    const auto report = json::parse(read_file(other.path() / "report.json"));
    CHECK(instances_of(report, "check").at(0).contains("artifacts") == false);
}

TEST_CASE("artifacts that cannot be written are a warning, and the run's result stands") {
    TempDir dir;
    const auto blocker = dir.file("art", "a file where the directory should be");
    auto r = run_with_metrics(dir, R"T(
[jobs.check]
kind = "process"
command = ["sh", "-c", "echo about to fail; exit 1"]
)T",
                              {"--artifacts", blocker});
    CHECK(r.out.exit_code == 1);
    CHECK(r.out.err.find("check#0 attempt 1: its artifacts were not written: cannot create " + blocker + "/check") !=
          std::string::npos);
    CHECK(job(r.report, "check")["status"] == "failed");
    CHECK(instances_of(r.report, "check").at(0).contains("artifacts") == false);
    CHECK(read_file(blocker) == "a file where the directory should be");
}

TEST_CASE("gaia report merge attaches the shards' artifacts to the merged JUnit testcases") {
    TempDir dir;
    const auto artifacts = (dir.path() / "art").string();
    const auto file = dir.file("jobs.toml", R"T(
[jobs.fail]
kind = "process"
repeat = 4
command = ["sh", "-c", "echo instance {{ index }}; exit 1"]
)T");
    std::vector<std::string> shards;
    for (const char* shard : {"0%2", "1%2"}) {
        shards.push_back((dir.path() / ("shard-" + std::string(1, shard[0]) + ".json")).string());
        auto out = run_gaia({"run", file, "--shard", shard, "--artifacts", artifacts, "--report-json", shards.back(),
                             "--report-instances", "all"});
        INFO(out.err);
        CHECK(out.exit_code == 1);
    }
    const auto xml = (dir.path() / "merged.xml").string();
    auto out = run_gaia({"report", "merge", shards[0], shards[1], "--report-junit", xml, "--junit-instances"});
    INFO(out.err);
    CHECK(out.exit_code == 1);
    const auto junit = read_file(xml);
    for (int index = 0; index < 4; ++index) {
        const auto path = artifacts + "/fail/" + std::to_string(index) + "-1/stdout.txt";
        CHECK(read_file(path) == "instance " + std::to_string(index) + "\n");
        // Once in the instance's testcase, once in the job's.
        const auto line = "[[ATTACHMENT|" + path + "]]";
        const auto first = junit.find(line);
        REQUIRE(first != std::string::npos);
        CHECK(junit.find(line, first + 1) != std::string::npos);
        const auto instance_case = junit.rfind("<testcase name=\"fail#" + std::to_string(index) + "\"", first);
        CHECK(instance_case != std::string::npos);
        CHECK(junit.find("</testcase>", instance_case) > first);
    }
}
