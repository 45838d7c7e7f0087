// The file kind when things go wrong: every failure is a clear error of its
// own instance, the run goes on, and no target is ever left half-written — not on a full
// disk, a file-size limit, a timeout, an interrupt or a SIGKILL.

#include "tests/support/file_helpers.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <thread>

using gaia::test::job;
using gaia::test::read_file;
using gaia::test::ShmDir;
using gaia::test::staging_leftovers;
using gaia::test::TempDir;
using gaia::test::with_dir;
namespace fs = std::filesystem;

namespace {

std::string error_of(const nlohmann::json& report, const std::string& name) {
    const auto& e = job(report, name)["first_error"];
    return e.is_string() ? e.get<std::string>() : "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// `unshare --mount` as this user: root, or the mapped root of a new user namespace.
std::vector<std::string> in_mount_namespace(const std::string& script) {
    std::vector<std::string> argv{"unshare", "--mount", "sh", "-c", script};
    if (::geteuid() != 0) argv.insert(argv.begin() + 1, "--map-root-user");
    return argv;
}

// Why this machine cannot give a test a mount namespace with a tmpfs of its own (inside a
// chroot, say, or where user namespaces are off), or nothing when it can.
std::optional<std::string> no_mount_namespace(const fs::path& scratch) {
    auto out = gaia::test::run_program(in_mount_namespace("mount -t tmpfs -o size=1m gaia-probe '" + scratch.string() + "'"));
    if (out.exit_code == 0) return std::nullopt;
    return "no mount namespace with a tmpfs of its own here: " + out.err.substr(0, out.err.find('\n'));
}

}  // namespace

TEST_CASE("file errors are clear, per instance, and the run goes on") {
    TempDir dir;
    dir.file("in/good-1.json", "[1]");
    dir.file("in/good-2.json", "{\"a\": 2}");
    dir.file("in/broken.json", "{\"a\": }");
    fs::create_directories(dir.path() / "a-directory");
    // A 10 GiB "JSON" document of garbage, and one that starts well: holes cost nothing.
    {
        const auto garbage = dir.path() / "garbage.json";
        gaia::test::run_program({"truncate", "-s", "10G", garbage.string()});
        const auto looks_fine = dir.path() / "looks-fine.json";
        dir.file("looks-fine.json", "[1, 2, 3");
        gaia::test::run_program({"truncate", "-s", "10G", looks_fine.string()});
    }
    gaia::test::Output out;
    auto report = gaia::test::run_report(dir, with_dir(dir, R"T(
[jobs.parse-all]
kind = "file"
op = "parse"
path = "{D}/in/*.json"
allow_failure = true
[jobs.is-a-directory]
kind = "file"
op = "read"
path = "{D}/a-directory"
allow_failure = true
[jobs.checksum-a-directory]
kind = "file"
op = "checksum"
path = "{D}/a-directory"
allow_failure = true
[jobs.write-over-a-directory]
kind = "file"
op = "write"
path = "{D}/a-directory"
content = "x"
allow_failure = true
[jobs.no-such-directory]
kind = "file"
op = "write"
path = "{D}/no/such/dir/file.txt"
content = "x"
allow_failure = true
[jobs.garbage]
kind = "file"
op = "parse"
path = "{D}/garbage.json"
allow_failure = true
[jobs.too-big]
kind = "file"
op = "parse"
path = "{D}/looks-fine.json"
allow_failure = true
[jobs.empty-path]
kind = "file"
op = "delete"
path = "{{ vars.nothing }}"
recursive = true
allow_failure = true
[vars]
nothing = ""
[jobs.still-runs]
kind = "file"
op = "stat"
path = "{D}/in/good-1.json"
needs = ["parse-all", "garbage", "too-big", "empty-path"]
)T"),
                                         &out);
    INFO(out.err);
    CHECK(out.exit_code == 0);  // every failure was allowed
    const auto& all = job(report, "parse-all");
    CHECK(all["instances"] == 3);
    CHECK(all["passed"] == 2);
    CHECK(all["failed"] == 1);
    CHECK(contains(error_of(report, "parse-all"), "broken.json is not valid JSON: line 1, column 7: syntax error"));
    CHECK(contains(error_of(report, "is-a-directory"), "a-directory: it is a directory"));
    CHECK(contains(error_of(report, "checksum-a-directory"), "a-directory: it is a directory"));
    CHECK(contains(error_of(report, "write-over-a-directory"), "a-directory: it is a directory"));
    CHECK(contains(error_of(report, "no-such-directory"), "the directory " + (dir.path() / "no/such/dir").string() +
                                                              " does not exist"));
    CHECK(error_of(report, "garbage") ==
          (dir.path() / "garbage.json").string() + " is not a text document: line 1, column 1: byte 0x00");
    CHECK(error_of(report, "too-big") ==
          "cannot parse " + (dir.path() / "looks-fine.json").string() + ": it is 10GiB, more than [file].max_parse (1GiB)");
    CHECK(job(report, "garbage")["latency_s"]["max"].get<double>() < 1.0);
    CHECK(error_of(report, "empty-path") == "`path` is empty once rendered");  // never the working directory
    CHECK(job(report, "still-runs")["status"] == "passed");
}

TEST_CASE("file permission denied is reported, for reading and for writing") {
    TempDir dir;
    ::chmod(dir.path().c_str(), 0755);
    const auto secret = dir.file("secret.txt", "secret");
    ::chmod(secret.c_str(), 0);
    fs::create_directories(dir.path() / "locked");
    ::chmod((dir.path() / "locked").c_str(), 0555);
    fs::create_directories(dir.path() / "out");
    ::chmod((dir.path() / "out").c_str(), 0777);
    const auto jobs = dir.file("jobs.toml", with_dir(dir, R"T(
[jobs.read-secret]
kind = "file"
op = "read"
path = "{D}/secret.txt"
allow_failure = true
[jobs.write-locked]
kind = "file"
op = "write"
path = "{D}/locked/new.txt"
content = "x"
allow_failure = true
)T"));
    ::chmod(jobs.c_str(), 0644);
    const auto report_path = (dir.path() / "out/report.json").string();
    std::vector<std::string> argv{GAIA_BINARY, "run", jobs, "--report-json", report_path};
    // root reads anything: the test drops to nobody to meet the permission bits.
    if (::geteuid() == 0) argv.insert(argv.begin(), {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
    auto out = gaia::test::run_program(argv);
    INFO(out.err);
    CHECK(out.exit_code == 0);
    const auto report = nlohmann::json::parse(read_file(report_path));
    CHECK(error_of(report, "read-secret") == "cannot open " + secret + ": Permission denied");
    CHECK(error_of(report, "write-locked") == "cannot create a file in " + (dir.path() / "locked").string() +
                                                  ": Permission denied");
    ::chmod(secret.c_str(), 0600);
}

TEST_CASE("file ops on a full file system and a read-only one fail clearly and leave nothing") {
    TempDir dir;
    fs::create_directories(dir.path() / "probe");
    if (auto missing = no_mount_namespace(dir.path() / "probe")) return gaia::test::report_skipped(*missing);
    gaia::test::write_big_file(dir.path() / "two-mib.bin", 2u << 20);
    fs::create_directories(dir.path() / "small");
    fs::create_directories(dir.path() / "readonly");
    dir.file("small/old.bin", "old");
    dir.file("readonly/old.txt", "old");
    const auto jobs = dir.file("jobs.toml", with_dir(dir, R"T(
[file]
buffer = "64KiB"
[jobs.copy-to-full]
kind = "file"
op = "copy"
from = "{D}/two-mib.bin"
to = "{D}/small/old.bin"
overwrite = true
allow_failure = true
# After the failed copy, whose staging file filled the disk while it ran: the space is back.
[jobs.write-to-full]
kind = "file"
op = "write"
path = "{D}/small/new.txt"
content = "fits"
needs = ["copy-to-full"]
[jobs.write-read-only]
kind = "file"
op = "write"
path = "{D}/readonly/old.txt"
content = "new"
allow_failure = true
[jobs.delete-read-only]
kind = "file"
op = "delete"
path = "{D}/readonly/old.txt"
allow_failure = true
)T"));
    const auto report_path = (dir.path() / "report.json").string();
    // A 1 MiB tmpfs and a read-only bind mount, in a mount namespace of gaia's own.
    const std::string script = "mount -t tmpfs -o size=1m gaia-small '" + (dir.path() / "small").string() + "' && " +
                               "echo old > '" + (dir.path() / "small/old.bin").string() + "' && " +
                               "mount --bind '" + (dir.path() / "readonly").string() + "' '" +
                               (dir.path() / "readonly").string() + "' && mount -o remount,bind,ro '" +
                               (dir.path() / "readonly").string() + "' && exec " + GAIA_BINARY + " run '" + jobs +
                               "' --report-json '" + report_path + "'";
    auto out = gaia::test::run_program(in_mount_namespace(script));
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    const auto report = nlohmann::json::parse(read_file(report_path));
    CHECK(contains(error_of(report, "copy-to-full"), "No space left on device"));
    CHECK(job(report, "write-to-full")["status"] == "passed");
    CHECK(contains(error_of(report, "write-read-only"), "Read-only file system"));
    CHECK(contains(error_of(report, "delete-read-only"), "Read-only file system"));
    // The tmpfs went with the namespace; what the bind mount covered is the real directory.
    CHECK(read_file(dir.path() / "readonly/old.txt") == "old");
    CHECK(staging_leftovers(dir.path()).empty());
}

TEST_CASE("a copy past the file-size limit (RLIMIT_FSIZE) fails with EFBIG and leaves no target") {
    // gaia ignores SIGXFSZ, so the write fails instead of killing it, and the run goes on.
    TempDir dir;
    gaia::test::write_big_file(dir.path() / "two-mib.bin", 2u << 20);
    dir.file("old.txt", "old");
    const auto report_path = (dir.path() / "report.json").string();
    const auto limited = dir.file("limited.toml", with_dir(dir, R"T(
[jobs.copy-too-big]
kind = "file"
op = "copy"
from = "{D}/two-mib.bin"
to = "{D}/copy.bin"
allow_failure = true
[jobs.small-copy]
kind = "file"
op = "copy"
from = "{D}/old.txt"
to = "{D}/small-copy.txt"
)T"));
    auto limited_out = gaia::test::run_program(
        {"prlimit", "--fsize=1048576", GAIA_BINARY, "run", limited, "--report-json", report_path});
    INFO(limited_out.err);
    CHECK(limited_out.exit_code == 0);
    const auto limited_report = nlohmann::json::parse(read_file(report_path));
    CHECK(contains(error_of(limited_report, "copy-too-big"), "File too large"));
    CHECK(job(limited_report, "small-copy")["status"] == "passed");
    CHECK_FALSE(fs::exists(dir.path() / "copy.bin"));
    CHECK(staging_leftovers(dir.path()).empty());
}

TEST_CASE("a copy killed, interrupted or timed out leaves the old file or the whole new one") {
    ShmDir shm;
    TempDir dir;
    const auto source = shm.path / "source.bin";
    gaia::test::write_big_file(source, 1ull << 30);
    const auto target = dir.path() / "target.bin";
    // Another file system, a small buffer: the copy goes through gaia in 4 KiB chunks,
    // which takes long enough to be caught in the middle.
    const auto jobs = dir.file("jobs.toml", with_dir(dir, R"T(
[file]
buffer = "4KiB"
[jobs.copy]
kind = "file"
op = "copy"
from = ")T" + source.string() + R"T("
to = "{D}/target.bin"
overwrite = true
)T"));
    for (int signum : {SIGKILL, SIGINT}) {
        dir.file("target.bin", "the old content\n");
        gaia::test::BackgroundGaia gaia({"run", jobs}, dir.path());
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        gaia.signal(signum);
        const int code = gaia.wait(30);
        INFO("signal ", signum, "\n", gaia.err());
        CHECK(code == (signum == SIGKILL ? 128 + SIGKILL : 130));  // it was stopped mid-copy
        CHECK(read_file(target) == "the old content\n");
        CHECK(staging_leftovers(dir.path()).empty());
    }
    dir.file("target.bin", "the old content\n");
    const auto timed = dir.file("timed.toml", with_dir(dir, R"T(
[file]
buffer = "4KiB"
[jobs.copy]
kind = "file"
op = "copy"
from = ")T" + source.string() + R"T("
to = "{D}/target.bin"
overwrite = true
timeout = "200ms"
)T"));
    const auto report_path = (dir.path() / "report.json").string();
    auto out = gaia::test::run_gaia({"run", timed, "--report-json", report_path});
    const auto report = nlohmann::json::parse(read_file(report_path));
    CHECK(error_of(report, "copy") == "timed out after 200ms");
    CHECK(read_file(target) == "the old content\n");
    CHECK(staging_leftovers(dir.path()).empty());
}

TEST_CASE("file memory does not grow with file size, and the loop stays responsive while hashing") {
    ShmDir shm;
    TempDir dir;
    // 4 GiB of holes: copied as holes (as cp does), hashed as 4 GiB of zeros read
    // through the buffer.
    const auto sparse = shm.path / "sparse.bin";
    gaia::test::run_program({"truncate", "-s", "4G", sparse.string()});
    // 1 GiB of real data, copied to another file system: through gaia's buffer.
    const auto gib = shm.path / "one-gib.bin";
    gaia::test::write_big_file(gib, 1ull << 30);
    const auto jobs = dir.file("jobs.toml", R"T(
[jobs.copy-sparse]
kind = "file"
op = "copy"
from = ")T" + sparse.string() + R"T("
to = ")T" + (shm.path / "sparse-copy.bin").string() + R"T("
[jobs.copy-across]
kind = "file"
op = "copy"
from = ")T" + gib.string() + R"T("
to = ")T" + (dir.path() / "copy.bin").string() + R"T("
[jobs.checksum-4g]
kind = "file"
op = "checksum"
path = ")T" + sparse.string() + R"T("
capture.sum = "checksum"
needs = ["copy-across"]
[jobs.checksum-1g]
kind = "file"
op = "checksum"
path = ")T" + gib.string() + R"T("
capture.sum = "checksum"
needs = ["copy-across"]
)T");
    const auto report_path = (dir.path() / "report.json").string();
    long max_rss_kib = 0;
    auto out = gaia::test::run_measured({GAIA_BINARY, "run", jobs, "--report-json", report_path}, &max_rss_kib);
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    const auto report = nlohmann::json::parse(read_file(report_path));
    struct stat st {};
    ::stat((shm.path / "sparse-copy.bin").c_str(), &st);
    CHECK(st.st_size == (4ll << 30));
    CHECK(st.st_blocks == 0);  // still all holes
    CHECK(fs::file_size(dir.path() / "copy.bin") == (1ull << 30));
    auto sha = gaia::test::run_program({"sha256sum", gib.string()});
    CHECK(job(report, "checksum-1g")["captures"]["sum"] == sha.out.substr(0, 64));
    auto copied = gaia::test::run_program({"sha256sum", (dir.path() / "copy.bin").string()});
    CHECK(copied.out.substr(0, 64) == sha.out.substr(0, 64));
    // head -c 4294967296 /dev/zero | openssl dgst -sha256
    CHECK(job(report, "checksum-4g")["captures"]["sum"] == "8479e43911dc45e89f934fe48d01297e16f51d17aa561d4d1c216b1ae0fcddca");
#ifndef GAIA_SANITIZED
    MESSAGE("peak RSS copying 1 GiB and hashing 5 GiB: ", max_rss_kib / 1024, " MiB");
    CHECK(max_rss_kib < 64 * 1024);
#endif
    // The loop lag monitor ticks every 100 ms: while the pool hashes for a second or
    // more, a loop that were blocked would show it. Alone here the lag stays under 5 ms;
    // the bound leaves room for the loop thread waiting for a core on a shared machine.
    CHECK(job(report, "checksum-4g")["latency_s"]["max"].get<double>() > 0.5);
    MESSAGE("worst loop lag while hashing: ", report["run"]["loop_lag_max_s"].get<double>() * 1000, " ms");
    CHECK(report["run"]["loop_lag_max_s"].get<double>() < 0.2);
}
