// gaia --version and gaia version --verbose: the version this tree builds, and the build
// facts and component versions a bug report needs.

#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/version_script.hpp"

#include <doctest/doctest.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

using namespace gaia::test;

namespace {

// `gaia version --verbose` as {name: value}.
std::map<std::string, std::string> verbose_facts(const std::vector<std::string>& env = {}) {
    auto out = run_gaia({"version", "--verbose"}, "", env);
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    std::map<std::string, std::string> facts;
    std::istringstream lines(out.out);
    for (std::string line; std::getline(lines, line);) {
        const auto colon = line.find(':');
        REQUIRE(colon != std::string::npos);
        facts[line.substr(0, colon)] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    return facts;
}

}  // namespace

TEST_CASE("gaia --version and the gaia_build_info metric name the version this tree builds") {
    // What packaging/version.cmake says of this source tree now: git's description of it,
    // or the release version outside a git checkout.
    TempDir dir;
    const std::string expected = script_version(GAIA_SOURCE_DIR, GAIA_RELEASE_VERSION, dir.path() / "gaia_version.hpp");
    REQUIRE(!expected.empty());

    CHECK(run_gaia({"--version"}).out == "gaia " + expected + "\n");
    CHECK(run_gaia({"version"}).out == "gaia " + expected + "\n");
    CHECK(verbose_facts()["gaia"] == expected);
    auto run = run_with_metrics(dir, "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n");
    CHECK(metric_value(run.metrics, "gaia_build_info{version=\"" + expected + "\"}") == 1);
}

TEST_CASE("gaia version --verbose: how gaia was built and the version of each library and of Chromium") {
    auto facts = verbose_facts();
    for (const char* name : {"gaia", "build", "libuv", "c-ares", "toml++", "libcurl", "http-parser", "OpenSSL", "simdjson",
                             "pugixml", "Chromium"}) {
        INFO(name);
        CHECK(!facts[name].empty());
    }
    for (const char* name : {"libuv", "c-ares", "toml++", "libcurl", "http-parser", "OpenSSL", "simdjson", "pugixml"}) {
        INFO(name, ": ", facts[name]);
        CHECK(std::isdigit(static_cast<unsigned char>(facts[name][0])));
    }
    const std::string& build = facts["build"];
    CHECK((build.find("GCC ") != std::string::npos || build.find("Clang ") != std::string::npos));
    CHECK(build.find(", C++20") != std::string::npos);
#ifdef GAIA_SANITIZED
    CHECK(build.find("sanitizers: address, undefined") != std::string::npos);
#endif
    CHECK(facts["libcurl"].find("OpenSSL/") != std::string::npos);

    // The Chromium the browser kind would start: GAIA_CHROMIUM first, asked for its version.
    TempDir dir;
    const auto fake = dir.file("fake-chromium", "#!/bin/sh\n[ \"$1\" = --version ] && echo 'Chromium 1.2.3 built here'\n");
    std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
    CHECK(verbose_facts({"GAIA_CHROMIUM=" + fake})["Chromium"] == "Chromium 1.2.3 built here (" + fake + ")");
    const auto silent = dir.file("silent-chromium", "#!/bin/sh\nexit 3\n");
    std::filesystem::permissions(silent, std::filesystem::perms::owner_all);
    CHECK(verbose_facts({"GAIA_CHROMIUM=" + silent})["Chromium"] == silent + ": printed no version (exit status 3)");
    CHECK(verbose_facts({"GAIA_CHROMIUM=/nonexistent/chromium"})["Chromium"] ==
          "GAIA_CHROMIUM=/nonexistent/chromium: No such file or directory");
}
