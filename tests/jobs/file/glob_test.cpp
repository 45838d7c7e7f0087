// Globs of the file kind: matching as a table, then expansion on a real directory tree.

#include "jobs/file/glob.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::jobs::file;

TEST_CASE("glob matching: *, ?, classes, ** and hidden names") {
    struct Case {
        const char* pattern;
        const char* path;
        bool match;
    };
    const Case cases[] = {
        {"*.json", "a.json", true},
        {"*.json", "dir/a.json", false},  // * stays within a component
        {"data/*.json", "data/a.json", true},
        {"data/?.json", "data/ab.json", false},
        {"data/??.json", "data/ab.json", true},
        {"log[0-9].txt", "log7.txt", true},
        {"log[0-9].txt", "logx.txt", false},
        {"log[!0-9].txt", "logx.txt", true},
        {"log[^0-9].txt", "log1.txt", false},
        {"[]x].txt", "].txt", true},
        {"a[b", "a[b", true},  // an unclosed class is literal
        {"**/*.json", "a.json", true},
        {"**/*.json", "x/y/z/a.json", true},
        {"src/**", "src/a/b", true},
        {"src/**/test_*.cpp", "src/test_a.cpp", true},
        {"src/**/test_*.cpp", "src/x/y/test_a.cpp", true},
        {"src/**/test_*.cpp", "src/x/y/a.cpp", false},
        {"*", ".hidden", false},
        {".*", ".hidden", true},
        {"**/*.txt", ".git/a.txt", false},
        {"*a*b*c", "xaybzc", true},
        {"*a*b*c", "xaybz", false},
        {"/abs/*.log", "/abs/x.log", true},
    };
    for (const auto& c : cases) {
        CAPTURE(c.pattern);
        CAPTURE(c.path);
        CHECK(glob_match(c.pattern, c.path) == c.match);
    }
    CHECK(has_wildcard("a/*.txt"));
    CHECK_FALSE(has_wildcard("a/b.txt"));
}

TEST_CASE("glob expansion walks from the fixed prefix, sorted, without following links out") {
    gaia::test::TempDir dir;
    gaia::test::TempDir outside;
    const auto root = dir.path().string();
    dir.file("a.json", "{}");
    dir.file("b.json", "{}");
    dir.file("c.txt", "");
    std::filesystem::create_directories(dir.path() / "sub" / "deep");
    dir.file("sub/d.json", "{}");
    dir.file("sub/deep/e.json", "{}");
    dir.file(".hidden.json", "{}");
    outside.file("secret.json", "{}");
    std::filesystem::create_directory_symlink(outside.path(), dir.path() / "link");

    auto top = expand_glob(root + "/*.json");
    CHECK(top.error.empty());
    CHECK(top.paths == std::vector<std::string>{root + "/a.json", root + "/b.json"});

    auto all = expand_glob(root + "/**/*.json");
    CHECK(all.paths == std::vector<std::string>{root + "/a.json", root + "/b.json", root + "/sub/d.json",
                                                root + "/sub/deep/e.json"});
    auto followed = expand_glob(root + "/**/*.json", true);
    CHECK(std::find(followed.paths.begin(), followed.paths.end(), root + "/link/secret.json") != followed.paths.end());

    CHECK(expand_glob(root + "/nope/*.json").paths.empty());
    CHECK(expand_glob(root + "/c.txt").paths == std::vector<std::string>{root + "/c.txt"});
    CHECK(expand_glob(root + "/missing.txt").paths.empty());
}

TEST_SUITE_END();
