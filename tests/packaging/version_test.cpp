// packaging/version.cmake: the version a build of gaia reports, from git's description of
// the tree or, outside a git checkout of gaia, the release version.

#include "tests/support/subprocess.hpp"
#include "tests/support/version_script.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

using namespace gaia::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kGitIdentity = {"GIT_AUTHOR_NAME=t",    "GIT_AUTHOR_EMAIL=t@t.invalid",
                                               "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t.invalid",
                                               "GIT_CONFIG_NOSYSTEM=1", "HOME=/nonexistent"};

std::string git(const fs::path& repo, std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-C", repo.string()});
    auto out = run_program(args, "", kGitIdentity);
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    return out.out.substr(0, out.out.find('\n'));
}

// The version the script writes for a tree at `source`, release 1.2.3.
std::string version_of(const fs::path& source, const fs::path& header) { return script_version(source, "1.2.3", header); }

}  // namespace

TEST_CASE("the version is git's description of the tree: its tag, the commits since, uncommitted changes") {
    TempDir dir;
    const fs::path repo = dir.path() / "gaia";
    const fs::path header = dir.path() / "gaia_version.hpp";
    fs::create_directories(repo / "sub");

    // Not a git checkout (a release tarball): the release version.
    CHECK(version_of(repo, header) == "1.2.3");

    git(repo, {"init", "-q"});
    dir.file("gaia/a.txt", "one\n");
    git(repo, {"add", "a.txt"});
    git(repo, {"commit", "-q", "-m", "one"});
    const std::string first = git(repo, {"rev-parse", "--short=7", "HEAD"});
    // No release tag yet: the release it leads to, and the commit.
    CHECK(version_of(repo, header) == "1.2.3-g" + first);

    // Rewritten only when the version changes, so an unchanged one rebuilds nothing.
    const auto written = fs::last_write_time(header);
    CHECK(version_of(repo, header) == "1.2.3-g" + first);
    CHECK(fs::last_write_time(header) == written);

    git(repo, {"tag", "v2.0.0"});
    CHECK(version_of(repo, header) == "2.0.0");
    git(repo, {"tag", "not-a-release"});
    CHECK(version_of(repo, header) == "2.0.0");

    dir.file("gaia/a.txt", "two\n");
    CHECK(version_of(repo, header) == "2.0.0-dirty");
    git(repo, {"commit", "-q", "-am", "two"});
    const std::string second = git(repo, {"rev-parse", "--short=7", "HEAD"});
    CHECK(version_of(repo, header) == "2.0.0-1-g" + second);

    // gaia's tree inside another project's repository: git would describe that project.
    CHECK(version_of(repo / "sub", header) == "1.2.3");
}
