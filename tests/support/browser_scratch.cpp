#include "tests/support/browser_scratch.hpp"

#include <cstdlib>

namespace gaia::test {

BrowserScratch::BrowserScratch(const TempDir& dir) : tmp_(dir.path() / "tmp") {
    std::filesystem::create_directory(tmp_);
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", tmp_.c_str(), 1);
}

BrowserScratch::~BrowserScratch() {
    if (old_.empty()) ::unsetenv("TMPDIR");
    else ::setenv("TMPDIR", old_.c_str(), 1);
}

}  // namespace gaia::test
