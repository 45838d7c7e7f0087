#include "core/jobfile/env_file.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::jobfile;

namespace {

std::string errors_of(const Diagnostics& diags) {
    std::string out;
    for (const auto& d : diags.all()) out += d.pos.str() + ": " + d.message + "\n";
    return out;
}

}  // namespace

TEST_CASE("env files: KEY=VALUE lines with comments, export, and both kinds of quotes") {
    Diagnostics diags;
    const auto entries = parse_env_file("# tokens for the nightly run\n"
                                        "\n"
                                        "API_TOKEN=s3cr3t-value\n"
                                        "export REGION = eu-west-1   # a comment\n"
                                        "  INDENTED=yes\r\n"
                                        "GREETING=\"hello, world\\n\\\"quoted\\\"\"\n"
                                        "PATTERN='a$b\\n'\n"
                                        "EMPTY=\n"
                                        "URL=http://h/#anchor\n",
                                        "prod.env", diags);
    INFO(errors_of(diags));
    CHECK_FALSE(diags.has_errors());
    const EnvEntries expected{{"API_TOKEN", "s3cr3t-value"},
                              {"REGION", "eu-west-1"},
                              {"INDENTED", "yes"},
                              {"GREETING", "hello, world\n\"quoted\""},
                              {"PATTERN", "a$b\\n"},
                              {"EMPTY", ""},
                              {"URL", "http://h/#anchor"}};
    CHECK(entries == expected);
}

TEST_CASE("env files: bad lines are errors at FILE:LINE:COL, and the good ones still count") {
    Diagnostics diags;
    const auto entries = parse_env_file("GOOD=1\n"
                                        "just words\n"
                                        "  1ST=x\n"
                                        "QUOTE=\"never closed\n"
                                        "AFTER='x' y\n",
                                        "bad.env", diags);
    CHECK(entries == EnvEntries{{"GOOD", "1"}});
    CHECK(errors_of(diags) == "bad.env:2:1: `just words` is not NAME=VALUE\n"
                              "bad.env:3:3: `1ST` is not a variable name (letters, digits and _, not first a digit)\n"
                              "bad.env:4:7: the value's double quote does not close on its line\n"
                              "bad.env:5:7: `y` follows the quoted value\n");
}

TEST_CASE("env files: the environment keeps what it has, and every name is returned as a secret") {
    ::setenv("GAIA_ENV_FILE_TEST_SET", "from the environment", 1);
    ::unsetenv("GAIA_ENV_FILE_TEST_NEW");
    const auto names = apply_env({{"GAIA_ENV_FILE_TEST_SET", "from the file"}, {"GAIA_ENV_FILE_TEST_NEW", "new"}});
    CHECK(names == std::vector<std::string>{"GAIA_ENV_FILE_TEST_SET", "GAIA_ENV_FILE_TEST_NEW"});
    CHECK(std::string(std::getenv("GAIA_ENV_FILE_TEST_SET")) == "from the environment");
    CHECK(std::string(std::getenv("GAIA_ENV_FILE_TEST_NEW")) == "new");
    // Read again (gaia serve's reload): what a file set follows the file.
    apply_env({{"GAIA_ENV_FILE_TEST_SET", "changed"}, {"GAIA_ENV_FILE_TEST_NEW", "rotated"}});
    CHECK(std::string(std::getenv("GAIA_ENV_FILE_TEST_SET")) == "from the environment");
    CHECK(std::string(std::getenv("GAIA_ENV_FILE_TEST_NEW")) == "rotated");
    ::unsetenv("GAIA_ENV_FILE_TEST_SET");
    ::unsetenv("GAIA_ENV_FILE_TEST_NEW");

    Diagnostics diags;
    CHECK(read_env_file("/nonexistent/gaia.env", SourcePos{}, diags).empty());
    CHECK(errors_of(diags) == "gaia: cannot read the env file /nonexistent/gaia.env: No such file or directory\n");
    Diagnostics endless;
    CHECK(read_env_file("/dev/zero", SourcePos{}, endless).empty());  // read up to the limit, not forever
    CHECK(errors_of(endless) == "gaia: the env file /dev/zero is larger than 1 MiB\n");
}

TEST_SUITE_END();
