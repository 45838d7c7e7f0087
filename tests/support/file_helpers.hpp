#pragma once
// Helpers of the file-kind tests: job files that name a scratch directory, big files
// made quickly, and what a staged write might leave behind.

#include "tests/support/subprocess.hpp"

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace gaia::test {

// A scratch directory on /dev/shm (tmpfs: another file system than TempDir's, and big
// files without the disk's noise), removed with everything in it.
struct ShmDir {
    ShmDir();
    ~ShmDir();
    ShmDir(const ShmDir&) = delete;
    ShmDir& operator=(const ShmDir&) = delete;
    std::filesystem::path path;
};

// The job file text with every "{D}" replaced by the scratch directory's path.
std::string with_dir(const TempDir& dir, std::string text);

// The names of a directory's entries, hidden ones included; none if it does not exist.
std::set<std::string> entries(const std::filesystem::path& dir);

// Files under `dir` whose names carry gaia's staging marker (".gaia-").
std::vector<std::string> staging_leftovers(const std::filesystem::path& dir);

// Writes `size` bytes of a non-repeating pattern (real blocks, not holes) to `path`.
void write_big_file(const std::filesystem::path& path, std::uint64_t size);

// Runs `argv` (a wrapper such as prlimit, then gaia's arguments) and returns its output
// and, through *max_rss_kib, the largest resident set of the process tree it waited for.
Output run_measured(const std::vector<std::string>& argv, long* max_rss_kib);

}  // namespace gaia::test
