// The file kind end to end: every op through the gaia binary, with its
// expectations, captures, report and metrics.

#include "tests/support/file_helpers.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>

using gaia::test::job;
using gaia::test::staging_leftovers;
using gaia::test::with_dir;
using gaia::test::read_file;
using gaia::test::run_report;
using gaia::test::TempDir;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("file write, append, read, stat and mkdir") {
    TempDir dir;
    gaia::test::Output out;
    auto report = run_report(dir, with_dir(dir, R"T(
[vars]
who = "world"
[jobs.mkdir]
kind = "file"
op = "mkdir"
path = "{D}/a/b/c"
mode = 0o750
[jobs.write]
kind = "file"
op = "write"
needs = ["mkdir"]
path = "{D}/a/b/c/hello.txt"
content = "hello {{ vars.who }}\n"
mode = "0640"
capture.size = "size"
capture.sum = "checksum"
[jobs.append]
kind = "file"
op = "write"
needs = ["write"]
path = "{D}/a/b/c/hello.txt"
content = "again\n"
append = true
[jobs.read]
kind = "file"
op = "read"
needs = ["append"]
path = "{D}/a/b/c/hello.txt"
expect = { contains = ["hello world", "again"], size = 18 }
capture.text = "content"
[jobs.stat]
kind = "file"
op = "stat"
needs = ["append"]
path = "{D}/a/b/c/hello.txt"
capture.size = "size"
[jobs.absent]
kind = "file"
op = "stat"
path = "{D}/not-there"
expect.exists = false
[jobs.missing]
kind = "file"
op = "read"
path = "{D}/not-there"
allow_failure = true
[jobs.wrong-content]
kind = "file"
op = "read"
needs = ["append"]
path = "{D}/a/b/c/hello.txt"
expect.contains = "goodbye"
allow_failure = true
)T"),
                             &out);
    INFO(out.err);
    CHECK(out.exit_code == 0);
    CHECK(job(report, "write")["status"] == "passed");
    CHECK(job(report, "write")["captures"]["size"] == 12);
    // sha256("hello world\n"), as sha256sum prints it.
    CHECK(job(report, "write")["captures"]["sum"] == "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447");
    CHECK(job(report, "read")["status"] == "passed");
    CHECK(job(report, "read")["captures"]["text"] == "hello world\nagain\n");
    CHECK(job(report, "read")["bytes"] == 18);
    CHECK(job(report, "stat")["captures"]["size"] == 18);
    CHECK(job(report, "stat")["details"]["type"] == "file");
    CHECK(job(report, "stat")["details"]["mode"] == "0640");
    CHECK(job(report, "absent")["status"] == "passed");
    CHECK(job(report, "missing")["status"] == "failed");
    CHECK(job(report, "missing")["first_error"] ==
          "cannot read " + (dir.path() / "not-there").string() + ": No such file or directory");
    CHECK(job(report, "wrong-content")["first_error"].get<std::string>().find("does not contain \"goodbye\"") !=
          std::string::npos);
    CHECK(mode_of(dir.path() / "a/b/c") == 0750);
    CHECK(mode_of(dir.path() / "a/b/c/hello.txt") == 0640);
    CHECK(staging_leftovers(dir.path()).empty());
}

TEST_CASE("file write replaces atomically and keeps the old file's mode") {
    TempDir dir;
    const auto target = dir.file("config.txt", "old\n");
    ::chmod(target.c_str(), 0600);
    auto report = run_report(dir, with_dir(dir, R"T(
[jobs.rewrite]
kind = "file"
op = "write"
path = "{D}/config.txt"
content = "new\n"
)T"));
    CHECK(job(report, "rewrite")["status"] == "passed");
    CHECK(read_file(target) == "new\n");
    CHECK(mode_of(target) == 0600);
    CHECK(staging_leftovers(dir.path()).empty());
}

TEST_CASE("file copy and move, overwrite, directories and another file system") {
    TempDir dir;
    dir.file("src.txt", "source\n");
    dir.file("old.txt", "old\n");
    dir.file("moveme.txt", "moving\n");
    fs::create_directories(dir.path() / "tree/sub");
    dir.file("tree/one.txt", "1");
    dir.file("tree/sub/two.txt", "22");
    fs::create_symlink("/etc", dir.path() / "tree/outside");
    const gaia::test::ShmDir shm_dir;
    const std::string shm = shm_dir.path.string();
    gaia::test::Output out;
    auto report = run_report(dir, with_dir(dir, R"T(
[jobs.refused]
kind = "file"
op = "copy"
from = "{D}/src.txt"
to = "{D}/old.txt"
allow_failure = true
[jobs.replaced]
kind = "file"
op = "copy"
needs = ["refused"]
from = "{D}/src.txt"
to = "{D}/old.txt"
overwrite = true
expect.contains = "source"
[jobs.into-dir]
kind = "file"
op = "copy"
from = "{D}/src.txt"
to = "{D}/made/for/it/"
capture.size = "size"
[jobs.dir-not-recursive]
kind = "file"
op = "copy"
from = "{D}/tree"
to = "{D}/tree-copy"
allow_failure = true
[jobs.tree]
kind = "file"
op = "copy"
from = "{D}/tree"
to = "{D}/tree-copy"
recursive = true
[jobs.move]
kind = "file"
op = "move"
from = "{D}/moveme.txt"
to = "{D}/moved.txt"
[jobs.move-away]
kind = "file"
op = "move"
needs = ["move"]
from = "{D}/moved.txt"
to = ")T" + shm + R"T(/moved.txt"
expect.size = 7
)T"),
                             &out);
    INFO(out.err);
    CHECK(job(report, "refused")["status"] == "failed");
    CHECK(job(report, "refused")["first_error"] == (dir.path() / "old.txt").string() + " exists and overwrite = false");
    CHECK(job(report, "replaced")["status"] == "passed");
    CHECK(read_file(dir.path() / "old.txt") == "source\n");
    CHECK(job(report, "into-dir")["status"] == "passed");
    CHECK(read_file(dir.path() / "made/for/it/src.txt") == "source\n");
    CHECK(job(report, "dir-not-recursive")["first_error"].get<std::string>().find("it is a directory (set recursive = true)") !=
          std::string::npos);
    CHECK(job(report, "tree")["status"] == "passed");
    CHECK(read_file(dir.path() / "tree-copy/sub/two.txt") == "22");
    // A link out of the tree is copied as a link, not followed into /etc.
    CHECK(fs::is_symlink(dir.path() / "tree-copy/outside"));
    CHECK(fs::read_symlink(dir.path() / "tree-copy/outside") == "/etc");
    CHECK(job(report, "move")["status"] == "passed");
    CHECK(job(report, "move-away")["status"] == "passed");
    CHECK_FALSE(fs::exists(dir.path() / "moveme.txt"));
    CHECK_FALSE(fs::exists(dir.path() / "moved.txt"));
    CHECK(read_file(shm + "/moved.txt") == "moving\n");
    CHECK(staging_leftovers(dir.path()).empty());
    CHECK(staging_leftovers(shm).empty());
}

TEST_CASE("file delete: files, directories, missing_ok") {
    TempDir dir;
    dir.file("a.txt", "a");
    fs::create_directories(dir.path() / "full/deeper");
    dir.file("full/deeper/b.txt", "b");
    fs::create_directories(dir.path() / "empty");
    auto report = run_report(dir, with_dir(dir, R"T(
[jobs.file]
kind = "file"
op = "delete"
path = "{D}/a.txt"
[jobs.empty-dir]
kind = "file"
op = "delete"
path = "{D}/empty"
[jobs.full-dir]
kind = "file"
op = "delete"
path = "{D}/full"
allow_failure = true
[jobs.full-dir-recursive]
kind = "file"
op = "delete"
needs = ["full-dir"]
path = "{D}/full"
recursive = true
[jobs.missing]
kind = "file"
op = "delete"
path = "{D}/never"
allow_failure = true
[jobs.missing-ok]
kind = "file"
op = "delete"
path = "{D}/never"
missing_ok = true
)T"));
    CHECK(job(report, "file")["status"] == "passed");
    CHECK(job(report, "empty-dir")["status"] == "passed");
    CHECK(job(report, "full-dir")["first_error"].get<std::string>().find("a directory with files in it (set recursive = true)") !=
          std::string::npos);
    CHECK(job(report, "full-dir-recursive")["status"] == "passed");
    CHECK(job(report, "missing")["status"] == "failed");
    CHECK(job(report, "missing-ok")["status"] == "passed");
    CHECK(fs::is_empty(dir.path() / "") == false);  // jobs.toml and the report remain
    CHECK_FALSE(fs::exists(dir.path() / "a.txt"));
    CHECK_FALSE(fs::exists(dir.path() / "full"));
    CHECK_FALSE(fs::exists(dir.path() / "empty"));
}

TEST_CASE("file checksum matches the coreutils tools for every algorithm") {
    TempDir dir;
    std::string content;
    for (int i = 0; i < 100000; ++i) content += std::to_string(i * 7919) + "\n";
    const auto path = dir.file("data.txt", content);
    auto report = run_report(dir, with_dir(dir, R"T(
[jobs.sha256]
kind = "file"
op = "checksum"
path = "{D}/data.txt"
capture.sum = "checksum"
[jobs.sha512]
kind = "file"
op = "checksum"
path = "{D}/data.txt"
algorithm = "sha512"
capture.sum = "checksum"
[jobs.sha1]
kind = "file"
op = "checksum"
path = "{D}/data.txt"
algorithm = "sha1"
capture.sum = "checksum"
[jobs.md5]
kind = "file"
op = "checksum"
path = "{D}/data.txt"
algorithm = "md5"
capture.sum = "checksum"
[jobs.expected]
kind = "file"
op = "checksum"
path = "{D}/data.txt"
algorithm = "md5"
expect.checksum = "{{ jobs.md5.sum }}"
needs = ["md5"]
[jobs.wrong]
kind = "file"
op = "checksum"
path = "{D}/data.txt"
expect.checksum = "0000"
allow_failure = true
)T"));
    for (const char* algorithm : {"sha256", "sha512", "sha1", "md5"}) {
        auto tool = gaia::test::run_program({std::string(algorithm) + "sum", path});
        INFO(algorithm);
        CHECK(job(report, algorithm)["captures"]["sum"] == tool.out.substr(0, tool.out.find(' ')));
    }
    CHECK(job(report, "expected")["status"] == "passed");
    CHECK(job(report, "wrong")["first_error"].get<std::string>().find("expect.checksum: the sha256 of") == 0);
}

TEST_CASE("file parse: JSON and XML with expectations, captures and positioned errors") {
    TempDir dir;
    dir.file("ok.json", R"({"service": {"name": "gaia", "ports": [9190, 9191], "ratio": 0.5}, "tags": ["a", "b"]})");
    dir.file("bad.json", "{\n  \"a\": 1,\n  \"b\": tru\n}\n");
    dir.file("ok.xml", R"(<?xml version="1.0"?>
<config version="3"><server name="one" port="80"/><server name="two" port="81"/></config>)");
    dir.file("bad.xml", "<a>\n  <b>\n</a>\n");
    dir.file("data.conf", R"({"x": 1})");
    dir.file("empty.json", "");  // found by fuzz_file_document: read one byte before the text
    // Also found by it: a value that is not UTF-8 made the failure message throw, in a
    // worker thread, and that ended gaia.
    dir.file("latin1.xml", "<a><b c=\"caf\xe9\"/></a>");
    auto report = run_report(dir, with_dir(dir, R"T(
[jobs.latin1-xml]
kind = "file"
op = "parse"
path = "{D}/latin1.xml"
expect.xpath = { "/a/b/@c" = "cafe" }
allow_failure = true
[jobs.empty-json]
kind = "file"
op = "parse"
path = "{D}/empty.json"
allow_failure = true
[jobs.json]
kind = "file"
op = "parse"
path = "{D}/ok.json"
expect.json = { "$.service.name" = "gaia", "$.service.ports[1]" = 9191, "$.service.ratio" = 0.5 }
capture.ports = "json:$.service.ports"
capture.tags = "json:$.tags[*]"
capture.size = "size"
[jobs.json-mismatch]
kind = "file"
op = "parse"
path = "{D}/ok.json"
expect.json = { "$.service.name" = "other" }
allow_failure = true
[jobs.bad-json]
kind = "file"
op = "parse"
path = "{D}/bad.json"
allow_failure = true
[jobs.xml]
kind = "file"
op = "parse"
path = "{D}/ok.xml"
expect.xpath = { "/config/@version" = "3", "count(//server)" = 2, "//server[@name='two']/@port" = 81 }
capture.names = "xpath://server/@name"
[jobs.bad-xml]
kind = "file"
op = "parse"
path = "{D}/bad.xml"
allow_failure = true
[jobs.explicit-format]
kind = "file"
op = "parse"
path = "{D}/data.conf"
format = "json"
capture.x = "json:$.x"
)T"));
    CHECK(job(report, "json")["status"] == "passed");
    CHECK(job(report, "json")["captures"]["ports"] == nlohmann::json::array({9190, 9191}));
    CHECK(job(report, "json")["captures"]["tags"] == nlohmann::json::array({"a", "b"}));
    CHECK(job(report, "json-mismatch")["first_error"] == "expect.json: $.service.name is \"gaia\", expected \"other\"");
    const std::string bad_json = job(report, "bad-json")["first_error"];
    CHECK(bad_json.find((dir.path() / "bad.json").string() + " is not valid JSON: line 3, column 10: syntax error while parsing value - invalid literal") == 0);
    CHECK(job(report, "xml")["status"] == "passed");
    CHECK(job(report, "xml")["captures"]["names"] == nlohmann::json::array({"one", "two"}));
    const std::string bad_xml = job(report, "bad-xml")["first_error"];
    CHECK(bad_xml.find((dir.path() / "bad.xml").string() + " is not valid XML: line 3, column") == 0);
    CHECK(bad_xml.find("mismatch") != std::string::npos);
    CHECK(job(report, "explicit-format")["captures"]["x"] == 1);
    CHECK(job(report, "latin1-xml")["first_error"] == "expect.xpath: /a/b/@c is \"caf\uFFFD\", expected \"cafe\"");
    CHECK(job(report, "empty-json")["first_error"].get<std::string>().find(
              (dir.path() / "empty.json").string() + " is not valid JSON: line 1, column 1: ") == 0);
}

TEST_CASE("file globs fan out one instance per match") {
    TempDir dir;
    for (int i = 0; i < 5; ++i) dir.file("in/part-" + std::to_string(i) + ".csv", std::string(static_cast<std::size_t>(i + 1), 'x'));
    dir.file("in/deep/er/part-9.csv", "deep");
    dir.file("in/notes.txt", "not a csv");
    dir.file("in/.hidden.csv", "hidden");
    auto report = run_report(dir, with_dir(dir, R"T(
[jobs.sizes]
kind = "file"
op = "stat"
path = "{D}/in/*.csv"
capture.size = "size"
[jobs.copy-tree]
kind = "file"
op = "copy"
from = "{D}/in/**/*.csv"
to = "{D}/out/"
[jobs.each-item]
kind = "file"
op = "write"
needs = ["copy-tree", "sizes"]
path = "{D}/out/list.txt"
content = "{{ jobs.sizes.size }}"
[jobs.nothing]
kind = "file"
op = "checksum"
path = "{D}/in/*.json"
allow_failure = true
[jobs.nothing-is-fine]
kind = "file"
op = "checksum"
path = "{D}/in/*.json"
allow_empty = true
)T"));
    CHECK(job(report, "sizes")["instances"] == 5);
    CHECK(job(report, "sizes")["captures"]["size"] == nlohmann::json::array({1, 2, 3, 4, 5}));
    CHECK(job(report, "copy-tree")["instances"] == 6);
    CHECK(read_file(dir.path() / "out/deep/er/part-9.csv") == "deep");
    CHECK(read_file(dir.path() / "out/part-4.csv") == "xxxxx");
    CHECK_FALSE(fs::exists(dir.path() / "out/.hidden.csv"));
    CHECK(read_file(dir.path() / "out/list.txt") == "[1,2,3,4,5]");
    CHECK(job(report, "nothing")["status"] == "failed");
    CHECK(job(report, "nothing")["first_error"] ==
          "no file matches " + (dir.path() / "in/*.json").string() + " (set allow_empty = true if that is fine)");
    CHECK(job(report, "nothing-is-fine")["status"] == "passed");
    CHECK(job(report, "nothing-is-fine")["instances"] == 0);
}

TEST_CASE("file metrics and the per-op latency summary of the report") {
    TempDir dir;
    for (int i = 0; i < 10; ++i) dir.file("in/" + std::to_string(i) + ".bin", std::string(1000, 'b'));
    auto r = gaia::test::run_with_metrics(dir, with_dir(dir, R"T(
[jobs.copy]
kind = "file"
op = "copy"
from = "{D}/in/*.bin"
to = "{D}/out/"
[jobs.fail]
kind = "file"
op = "read"
path = "{D}/missing"
allow_failure = true
)T"));
    using gaia::test::metric_value;
    CHECK(metric_value(r.metrics, R"(gaia_file_operations_total{op="copy",status="passed"})") == 10);
    CHECK(metric_value(r.metrics, R"(gaia_file_operations_total{op="read",status="failed"})") == 1);
    CHECK(metric_value(r.metrics, R"(gaia_file_bytes_total{direction="read"})") == 10000);
    CHECK(metric_value(r.metrics, R"(gaia_file_bytes_total{direction="written"})") == 10000);
    CHECK(metric_value(r.metrics, "gaia_file_operations_in_flight") == 0);
    CHECK(metric_value(r.metrics, R"(gaia_file_operation_duration_seconds_count{op="copy"})") == 10);
    const auto& copy = r.report["subsystems"]["file"]["operations"]["copy"];
    CHECK(copy["count"] == 10);
    CHECK(copy["failed"] == 0);
    CHECK(copy["latency_s"]["p50"].get<double>() > 0);
    CHECK(copy["latency_s"]["p99"].get<double>() >= copy["latency_s"]["p50"].get<double>());
    CHECK(r.report["subsystems"]["file"]["operations"]["read"]["failed"] == 1);
}
