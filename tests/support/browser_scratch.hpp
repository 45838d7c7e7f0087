#pragma once
// Browsers of one test only: ctest runs tests side by side, and gaia puts each browser's
// user-data-dir under $TMPDIR, so a TMPDIR of the test's own marks its browsers — to
// count them, and to see that each one's directory went with it.

#include "tests/support/subprocess.hpp"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace gaia::test {

class BrowserScratch {
public:
    explicit BrowserScratch(const TempDir& dir);  // sets TMPDIR to DIR/tmp until it goes
    ~BrowserScratch();
    BrowserScratch(const BrowserScratch&) = delete;
    BrowserScratch& operator=(const BrowserScratch&) = delete;
    int browsers() const { return count_processes(tmp_.string()); }
    bool clean() const { return std::filesystem::is_empty(tmp_); }  // every user-data-dir removed
    const std::filesystem::path& tmp() const { return tmp_; }

private:
    std::filesystem::path tmp_;
    std::string old_;
};

// A job file of one browser job per case, named by the case, each loading `url` and then
// running the case's steps (inline tables, comma-separated) within 30 s: the failure
// tests of the steps, which read each job's first error.
inline std::string browser_case_jobs(const std::string& url, const std::vector<std::pair<std::string, std::string>>& cases) {
    std::string jobs;
    for (const auto& [name, steps] : cases) {
        jobs += "[jobs." + name + "]\nkind = \"browser\"\nurl = \"" + url + "\"\ntimeout = \"30s\"\nsteps = [" + steps + "]\n\n";
    }
    return jobs;
}

}  // namespace gaia::test
