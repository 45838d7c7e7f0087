// [file].concurrency: how many operations really run at once. Each op reads a
// FIFO, which blocks until a writer comes and goes: the test counts the readers there
// are at once (a non-blocking open for writing succeeds only where one waits), so it
// sees both the cap and that libuv's pool has the threads to reach it.

#include "tests/support/file_helpers.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace fs = std::filesystem;

namespace {

// Runs `fifos` reads at [file].concurrency = `limit` and returns the largest number of
// readers seen waiting at once.
int max_readers_at_once(int fifos, int limit) {
    gaia::test::TempDir dir;
    std::vector<std::string> paths;
    for (int i = 0; i < fifos; ++i) {
        paths.push_back((dir.path() / ("fifo-" + std::to_string(i))).string());
        REQUIRE(::mkfifo(paths.back().c_str(), 0600) == 0);
    }
    const auto jobs = dir.file("jobs.toml", gaia::test::with_dir(dir, R"T(
[file]
concurrency = )T" + std::to_string(limit) + R"T(
[jobs.read]
kind = "file"
op = "read"
path = "{D}/fifo-*"
)T"));
    gaia::test::BackgroundGaia gaia({"run", jobs, "--report-json", (dir.path() / "report.json").string()}, dir.path());
    // A reader whose open() a writer completed then waits in read() until that writer
    // closes: holding the writers keeps those ops running. Once no new reader has come
    // for a while, the held ones are all that may run at once; closing them lets the
    // next ones start.
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::seconds(60);
    std::vector<bool> done(paths.size(), false);
    int most = 0, released = 0;
    while (released < fifos && clock::now() < deadline) {
        std::vector<int> held;
        auto quiet_since = clock::now();
        while (clock::now() < deadline) {
            for (std::size_t i = 0; i < paths.size(); ++i) {
                if (done[i]) continue;
                const int fd = ::open(paths[i].c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
                if (fd < 0) continue;
                held.push_back(fd);
                done[i] = true;
                quiet_since = clock::now();
            }
            if (!held.empty() && clock::now() - quiet_since > std::chrono::milliseconds(300)) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        most = std::max(most, static_cast<int>(held.size()));
        released += static_cast<int>(held.size());
        for (int fd : held) ::close(fd);  // end of file: those reads complete
    }
    CHECK(gaia.wait(30) == 0);
    CHECK(released == fifos);
    return most;
}

}  // namespace

TEST_CASE("file concurrency caps operations in flight, and the thread pool is sized to reach it") {
    CHECK(max_readers_at_once(12, 5) == 5);
    // More than libuv's default pool of 4: gaia sized UV_THREADPOOL_SIZE before the loop.
    CHECK(max_readers_at_once(40, 32) == 32);
}
