#pragma once
// Runs packaging/version.cmake, the script every build runs, for a source tree: the
// version a build of that tree would report.

#include <filesystem>
#include <string>

namespace gaia::test {

// The version written for the tree at `source` (release version `release` when git has
// none to give); `header` is where the script may write. Fails the test if the script does.
std::string script_version(const std::filesystem::path& source, const std::string& release,
                           const std::filesystem::path& header);

}  // namespace gaia::test
