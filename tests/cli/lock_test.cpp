// gaia run --lock: one run at a time per lock file, as cron entries and CI jobs need. A
// second run exits 75 (EX_TEMPFAIL) naming the holder, or waits with --lock-wait; a run
// killed with SIGKILL leaves the lock free at once.

#include "tests/support/file_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <chrono>
#include <filesystem>

using namespace gaia::test;

namespace {

// A job file whose one job says it has started (DIR/started) and then sleeps.
std::string sleeper(const TempDir& dir, const std::string& seconds, const std::string& settings = "") {
    return dir.file("jobs.toml", settings + R"T([jobs.hold]
kind = "process"
shell = "touch )T" + (dir.path() / "started").string() + "; sleep " + seconds + R"T("
)T");
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

TEST_CASE("--lock: a second run exits 75 naming the holder's pid, or waits for it with --lock-wait") {
    TempDir dir;
    const auto file = sleeper(dir, "1.5");
    const auto lock = (dir.path() / "run.lock").string();
    BackgroundGaia first({"run", "--lock", lock, file}, dir.path());
    REQUIRE_MESSAGE(eventually([&] { return std::filesystem::exists(dir.path() / "started"); }), first.err());

    auto refused = run_gaia({"run", "--lock", lock, file});
    CHECK(refused.exit_code == 75);
    const std::string holder = trimmed(read_file(lock));
    CHECK_FALSE(holder.empty());
    CHECK(refused.err.find("another run holds the lock " + lock + " (pid " + holder + ")") != std::string::npos);

    const auto start = std::chrono::steady_clock::now();
    auto waited = run_gaia({"run", "--lock", lock, "--lock-wait", "20s", file});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(waited.err);
    CHECK(waited.exit_code == 0);
    CHECK(first.wait(10) == 0);
    CHECK(seconds > 1.5);  // the first run's rest, then its own 1.5 s
    CHECK(seconds < 10);

    // A wait that ends before the holder does: 75 as well.
    std::filesystem::remove(dir.path() / "started");
    BackgroundGaia third({"run", "--lock", lock, file}, dir.path());
    REQUIRE(eventually([&] { return std::filesystem::exists(dir.path() / "started"); }));
    auto gave_up = run_gaia({"run", "--lock", lock, "--lock-wait", "200ms", file});
    CHECK(gave_up.exit_code == 75);
    CHECK(gave_up.err.find("still after the --lock-wait") != std::string::npos);
    CHECK(third.wait(10) == 0);
}

TEST_CASE("--lock: the lock of a run killed with SIGKILL is free at once") {
    TempDir dir;
    const auto file = sleeper(dir, "30");
    const auto lock = (dir.path() / "run.lock").string();
    BackgroundGaia killed({"run", "--lock", lock, file}, dir.path());
    REQUIRE(eventually([&] { return std::filesystem::exists(dir.path() / "started"); }));
    killed.signal(SIGKILL);
    CHECK(killed.wait(10) == 128 + SIGKILL);
    const auto quick = sleeper(dir, "0");
    auto next = run_gaia({"run", "--lock", lock, quick});
    INFO(next.err);
    CHECK(next.exit_code == 0);
}

TEST_CASE("[settings].lock is relative to its job file, and --lock-wait without a lock or a lock that cannot be opened is an error") {
    TempDir dir;
    const auto file = sleeper(dir, "0", "[settings]\nlock = \"gaia.lock\"\nlock_wait = \"1s\"\n");
    auto out = run_gaia({"run", file});
    INFO(out.err);
    CHECK(out.exit_code == 0);
    CHECK(std::filesystem::exists(dir.path() / "gaia.lock"));

    const auto plain = sleeper(dir, "0");
    auto usage = run_gaia({"run", "--lock-wait", "1s", plain});
    CHECK(usage.exit_code == 2);
    CHECK(usage.err.find("--lock-wait needs --lock (or [settings].lock)") != std::string::npos);

    auto unopenable = run_gaia({"run", "--lock", (dir.path() / "no" / "such" / "dir.lock").string(), plain});
    CHECK(unopenable.exit_code == 2);
    CHECK(unopenable.err.find("cannot open the lock file") != std::string::npos);

    auto bad = run_gaia({"run", "--lock", (dir.path() / "x.lock").string(), "--lock-wait", "soon", plain});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("--lock-wait:") != std::string::npos);
}
