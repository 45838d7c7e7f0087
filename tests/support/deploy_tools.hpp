#pragma once
// The Node.js checkers of deploy/ (tests/deploy/*.mjs) with their packages, pinned by
// tests/deploy/package-lock.json and installed by `npm ci` into the build tree — once per
// change of the lock file, never into the source tree.

#include <string>

namespace gaia::test {

// "" when node and npm are there; else why not (the test reports itself skipped).
std::string deploy_tools_unavailable();
// The installed copy of tests/deploy/SCRIPT, its packages beside it (fails the test if npm ci does).
std::string deploy_tool(const std::string& script);

}  // namespace gaia::test
