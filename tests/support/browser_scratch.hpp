#pragma once
// Browsers of one test only: ctest runs tests side by side, and gaia puts each browser's
// user-data-dir under $TMPDIR, so a TMPDIR of the test's own marks its browsers — to
// count them, and to see that each one's directory went with it.

#include "tests/support/subprocess.hpp"

#include <filesystem>
#include <string>

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

}  // namespace gaia::test
