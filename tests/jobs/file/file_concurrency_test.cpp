// [file].concurrency (issue 6): how many operations really run at once. Each op reads a
// FIFO, which blocks in open() until a writer comes: the test counts the readers waiting
// at any moment (a non-blocking open for writing succeeds only where one waits), so it
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
    int most = 0, released = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::vector<bool> done(paths.size(), false);
    while (released < fifos && std::chrono::steady_clock::now() < deadline) {
        // Let the readers that can start do so, then count those waiting.
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        std::vector<int> writers;
        for (std::size_t i = 0; i < paths.size(); ++i) {
            if (done[i]) continue;
            const int fd = ::open(paths[i].c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
            if (fd >= 0) {
                writers.push_back(fd);
                done[i] = true;
            }
        }
        most = std::max(most, static_cast<int>(writers.size()));
        released += static_cast<int>(writers.size());
        for (int fd : writers) ::close(fd);  // end of file: those reads complete
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
