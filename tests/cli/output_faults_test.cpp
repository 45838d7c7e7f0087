// Faults around gaia, end to end: a full disk and a read-only one under every output it
// writes, a SIGKILL in the middle of a run, and children stopped with SIGSTOP. Each is a
// clear error (or a clean stop), the rest of the run goes on, and nothing half-written is
// left behind. The filesystems are tmpfs mounts the test makes (CI runs as root).

#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

using namespace gaia::test;
namespace fs = std::filesystem;

namespace {

// A small tmpfs at DIR/mnt, unmounted at the end.
class Tmpfs {
public:
    Tmpfs(const TempDir& dir, std::size_t bytes) : path_(dir.path() / "mnt") {
        fs::create_directory(path_);
        const std::string options = "size=" + std::to_string(bytes);
        mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
    }
    ~Tmpfs() {
        if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    }
    bool mounted() const noexcept { return mounted_; }
    bool make_read_only() { return ::mount(nullptr, path_.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0; }
    std::string operator/(const std::string& name) const { return (path_ / name).string(); }
    std::set<std::string> files() const {
        std::set<std::string> out;
        for (const auto& e : fs::directory_iterator(path_)) out.insert(e.path().filename().string());
        return out;
    }

private:
    fs::path path_;
    bool mounted_ = false;
};

// Fills the filesystem but for about `room` bytes.
void fill(const Tmpfs& tmpfs, std::size_t total, std::size_t room) {
    std::ofstream out(tmpfs / "filler", std::ios::binary);
    const std::string block(4096, 'f');
    for (std::size_t written = 0; written + room + block.size() <= total; written += block.size()) out << block;
}

// Every output gaia writes, into the test filesystem: the three reports, a file job's write
// and copy, a process's stdout_file; and a job that writes nowhere and must still pass.
std::string jobs_writing_to(const Tmpfs& tmpfs, const TempDir& dir) {
    const auto source = dir.file("source.bin", std::string(100 * 1024, 's'));
    return R"T([jobs.write]
kind = "file"
op = "write"
path = ")T" + (tmpfs / "written.txt") + R"T("
content = ")T" + std::string(64 * 1024, 'w') + R"T("
[jobs.copy]
kind = "file"
op = "copy"
from = ")T" + source + R"T("
to = ")T" + (tmpfs / "copied.bin") + R"T("
[jobs.log]
kind = "process"
shell = "head -c 200000 /dev/zero"
stdout_file = ")T" + (tmpfs / "process.log") + R"T("
[jobs.fine]
kind = "process"
command = ["true"]
)T";
}

Output run_into(const Tmpfs& tmpfs, const TempDir& dir) {
    return run_gaia({"run", dir.file("jobs.toml", jobs_writing_to(tmpfs, dir)), "--report-json", tmpfs / "report.json",
                     "--report-junit", tmpfs / "junit.xml", "--metrics-file", tmpfs / "gaia.prom"});
}

}  // namespace

TEST_CASE("a full disk under every output: each write fails clearly, nothing half-written stays, the rest runs") {
    TempDir dir;
    Tmpfs tmpfs(dir, 256 * 1024);
    if (!tmpfs.mounted()) {
        MESSAGE("cannot mount a tmpfs here (not root?): the test needs CI's root");
        return;
    }
    fill(tmpfs, 256 * 1024, 8 * 1024);
    auto out = run_into(tmpfs, dir);
    INFO(out.err);
    CHECK(out.exit_code == 1);
    CHECK(out.err.find("No space left on device") != std::string::npos);
    for (const char* report : {"report.json", "junit.xml", "gaia.prom"}) {
        CAPTURE(report);
        CHECK(out.err.find(std::string(report)) != std::string::npos);  // each failed write names its file
    }
    CHECK(out.out.find("fine") != std::string::npos);  // the summary still shows the jobs
    // Atomic writes: no target half-written, no temporary file left behind. (process.log
    // is the process's own stdout, written by it as it goes.)
    for (const auto& name : tmpfs.files()) {
        CAPTURE(name);
        CHECK((name == "filler" || name == "process.log"));
    }
}

TEST_CASE("a read-only filesystem under every output: each write fails clearly and the run ends") {
    TempDir dir;
    Tmpfs tmpfs(dir, 1 << 20);
    if (!tmpfs.mounted()) {
        MESSAGE("cannot mount a tmpfs here (not root?): the test needs CI's root");
        return;
    }
    REQUIRE(tmpfs.make_read_only());
    auto out = run_into(tmpfs, dir);
    INFO(out.err);
    CHECK(out.exit_code == 1);
    CHECK(out.err.find("Read-only file system") != std::string::npos);
    CHECK(out.out.find("fine") != std::string::npos);
    CHECK(tmpfs.files().empty());
}

TEST_CASE("gaia killed in the middle of a run leaves the reports of the run before intact") {
    TempDir dir;
    const auto report = (dir.path() / "report.json").string();
    const auto metrics = (dir.path() / "gaia.prom").string();
    auto first = run_gaia({"run", dir.file("quick.toml", "[jobs.quick]\nkind = \"process\"\ncommand = [\"true\"]\n"),
                           "--report-json", report, "--metrics-file", metrics});
    REQUIRE(first.exit_code == 0);
    const auto report_before = read_file(report), metrics_before = read_file(metrics);

    const auto slow = dir.file("slow.toml", "[jobs.slow]\nkind = \"process\"\ncommand = [\"sleep\", \"30.4711\"]\n");
    BackgroundGaia gaia({"run", slow, "--report-json", report, "--metrics-file", metrics}, dir.path());
    REQUIRE(wait_for_processes("sleep 30.4711", 1) == 1);
    gaia.signal(SIGKILL);
    CHECK(gaia.wait(10) == 128 + SIGKILL);
    CHECK(read_file(report) == report_before);
    CHECK(read_file(metrics) == metrics_before);
    CHECK(nlohmann::json::parse(read_file(report))["jobs"][0]["name"] == "quick");
    CHECK(eventually([] { return count_processes("sleep 30.4711") == 0; }, 5));  // the guard's work
}

TEST_CASE("children stopped with SIGSTOP are still timed out, interrupted and killed") {
    TempDir dir;
    const auto start = std::chrono::steady_clock::now();
    auto r = run_report(dir, R"T([jobs.stopped]
kind = "process"
repeat = 3
shell = "kill -STOP $$; echo never"
timeout = "1s"
kill_grace = "300ms"
)T");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(job(r, "stopped")["failed"] == 3);
    CHECK(job(r, "stopped")["first_error"].get<std::string>().find("timed out") != std::string::npos);
    CHECK(seconds < 5);

    // A run interrupted while its children are stopped: SIGTERM (kill_signal) waits in the
    // stopped process, SIGKILL after kill_grace does not.
    const auto file = dir.file("stop.toml", R"T([jobs.stopped]
kind = "process"
repeat = 3
shell = "exec bash -c 'exec -a gaia-stopped-child sleep 30 & kill -STOP $$'"
kill_grace = "500ms"
)T");
    BackgroundGaia gaia({"run", file}, dir.path());
    REQUIRE(wait_for_processes("gaia-stopped-child", 3) >= 3);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    gaia.signal(SIGTERM);
    CHECK(gaia.wait(10) == 143);
    CHECK(count_processes("gaia-stopped-child") == 0);
}
