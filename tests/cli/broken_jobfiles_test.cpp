// Every broken job file gives a clear FILE:LINE:COLUMN error and exit status 2 — never a
// crash or a hang. The corpus is tests/jobfiles/broken/*.toml, each stating on its first
// line the error it must produce; the large and binary cases are generated here.

#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

using namespace gaia::test;

TEST_CASE("the broken job-file corpus: each file gives its error and exit 2") {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(test_data("jobfiles/broken"))) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 40);
    for (const auto& file : files) {
        const auto text = read_file(file);
        const std::string marker = "# expect: ";
        const std::string missing = file.string() + " has no `# expect:` line";
        REQUIRE_MESSAGE(text.rfind(marker, 0) == 0, missing);
        const auto expected = file.string() + ":" + text.substr(marker.size(), text.find('\n') - marker.size());
        for (const char* command : {"validate", "run"}) {
            auto out = run_gaia({command, file.string()});
            INFO(file.string(), " ", command, "\n", out.err);
            CHECK(out.exit_code == 2);
            CHECK(out.err.find(expected) != std::string::npos);
            CHECK(out.out.empty());
        }
    }
}

TEST_CASE("an empty file and binary garbage are errors with a position") {
    TempDir dir;
    auto empty = dir.file("empty.toml", "");
    auto out = run_gaia({"validate", empty});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(empty + ":1:1: error: no jobs") != std::string::npos);

    std::mt19937 rng(42);
    std::string garbage(4096, '\0');
    for (auto& c : garbage) c = static_cast<char>(rng());
    auto bin = dir.file("garbage.toml", garbage);
    out = run_gaia({"run", bin});
    INFO(out.err);
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(bin + ":1:") != std::string::npos);
    CHECK(out.err.find(": error: ") != std::string::npos);
}

TEST_CASE("a 50 MB job file with an error at its end is read and reported quickly") {
    TempDir dir;
    std::string big;
    big.reserve(52u << 20);
    big += "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n";
    const std::string comment = "# padding padding padding padding padding padding padding padding\n";
    std::size_t lines = 3;
    while (big.size() < (50u << 20)) {
        big += comment;
        ++lines;
    }
    big += "timeout = 5\n";
    auto path = dir.file("big.toml", big);
    const auto start = std::chrono::steady_clock::now();
    auto out = run_gaia({"validate", path});
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(out.err);
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(path + ":" + std::to_string(lines + 1) + ":11: error: `timeout` needs a unit") != std::string::npos);
    CHECK(seconds < 60);
}

TEST_CASE("a file that is not there, a directory and /dev/zero are refused") {
    auto out = run_gaia({"validate", "/nonexistent/jobs.toml"});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find("/nonexistent/jobs.toml:1:1: error: cannot read job file") != std::string::npos);
    out = run_gaia({"validate", "/tmp"});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find("it is a directory") != std::string::npos);
    out = run_gaia({"validate", "/dev/zero"});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find("larger than") != std::string::npos);
}

TEST_CASE("validate reports all problems of a file in one pass") {
    TempDir dir;
    auto path = dir.file("many.toml", R"T([jobs.a]
kind = "process"
command = ["true"]
timout = "1s"
[jobs.b]
kind = "process"
needs = ["zzz"]
shell = "echo {{ vars.nope }}"
repeat = 0
)T");
    auto out = run_gaia({"validate", path});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(path + ":4:1: error: unknown key `timout`") != std::string::npos);
    CHECK(out.err.find(path + ":7:9: error: job `b` needs unknown job `zzz`") != std::string::npos);
    CHECK(out.err.find(path + ":8:15: error: unknown variable `vars.nope`") != std::string::npos);
    CHECK(out.err.find(path + ":9:10: error: `repeat` is 0") != std::string::npos);
    CHECK(out.err.find("4 errors in 1 file") != std::string::npos);
}
