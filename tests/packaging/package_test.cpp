// The Debian package CPack makes from this build: its control fields, its contents, and
// lintian's verdict (no error).

#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

using namespace gaia::test;
namespace fs = std::filesystem;

TEST_CASE("cpack -G DEB makes a package that lintian passes, with computed Depends and nothing but gaia's files") {
    TempDir dir;
    auto pack = run_program({"cpack", "-G", "DEB", "-B", dir.path().string(), "--config",
                             std::string(GAIA_BUILD_DIR) + "/CPackConfig.cmake"});
    INFO(pack.out, pack.err);
    REQUIRE(pack.exit_code == 0);
    std::string deb;
    for (const auto& e : fs::directory_iterator(dir.path())) {
        if (e.path().extension() == ".deb") deb = e.path().string();
    }
    REQUIRE(!deb.empty());
    const auto name = fs::path(deb).filename().string();
    CHECK(name.rfind("gaia_", 0) == 0);
    CHECK(name.find("_amd64.deb") != std::string::npos);

    auto field = [&](const char* f) { return run_program({"dpkg-deb", "-f", deb, f}).out; };
    // dpkg-shlibdeps found the shared libraries; libcurl, loaded at run time, is added by hand.
    const auto depends = field("Depends");
    for (const char* lib : {"libuv1", "libc6", "libstdc++6", "libcurl4", "libssl3", "libc-ares2"}) {
        INFO(lib, " in ", depends);
        CHECK(depends.find(lib) != std::string::npos);
    }
    CHECK(field("Recommends").find("chromium") != std::string::npos);
    CHECK(field("Suggests").find("prometheus") != std::string::npos);
    CHECK(field("Description").find("job orchestrator") != std::string::npos);

    const auto contents = run_program({"dpkg-deb", "-c", deb}).out;
    CHECK(contents.find("./usr/bin/gaia\n") != std::string::npos);
    CHECK(contents.find("./usr/share/doc/gaia/copyright\n") != std::string::npos);
    CHECK(contents.find("./usr/share/doc/gaia/changelog.Debian.gz\n") != std::string::npos);
    CHECK(contents.find("gaia_tests") == std::string::npos);
    CHECK(contents.find("bench") == std::string::npos);
    CHECK(contents.find("/usr/local") == std::string::npos);

    // lintian exits non-zero on an error (a warning that no Debian bug is closed stays: the
    // package is not uploaded to Debian).
    auto lint = run_program({"lintian", deb});
    INFO(lint.out, lint.err);
    CHECK(lint.exit_code == 0);
    CHECK(lint.out.find("E: ") == std::string::npos);
}
