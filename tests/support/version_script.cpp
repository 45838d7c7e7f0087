#include "tests/support/version_script.hpp"

#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

namespace gaia::test {

std::string script_version(const std::filesystem::path& source, const std::string& release,
                           const std::filesystem::path& header) {
    auto out = run_program({"cmake", "-DSOURCE_DIR=" + source.string(), "-DOUTPUT=" + header.string(),
                            "-DRELEASE_VERSION=" + release, "-P", std::string(GAIA_SOURCE_DIR) + "/packaging/version.cmake"});
    INFO(out.out, out.err);
    REQUIRE(out.exit_code == 0);
    const std::string text = read_file(header);
    const std::string mark = "#define GAIA_VERSION_TEXT \"";
    const auto at = text.find(mark);
    REQUIRE(at != std::string::npos);
    const auto begin = at + mark.size();
    return text.substr(begin, text.find('"', begin) - begin);
}

}  // namespace gaia::test
