#include "core/jobfile/nesting.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace gaia;
using namespace gaia::jobfile;

namespace {

std::string repeated(const std::string& part, std::size_t n, const std::string& separator) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += (i ? separator : "") + part;
    return out;
}

}  // namespace

TEST_CASE("nesting: ordinary job files are far below the limit") {
    const std::string text = R"T(
name = "x"
[jobs.a]
kind = "http"
url = "http://127.0.0.1/[a.b.c]"      # brackets and dots inside strings do not count
expect.json = { "$.a.b.c.d" = [1, [2, [3]]], 'x.y' = { a.b = { c = 1 } } }
steps = [
  { goto = "u" },  # comment [[[[
  { wait_for = """a.b.c
[[[ ]]] {{{ """ },
]
[[jobs.b.c.d]]
x.y.z = 'lit.eral [['
)T";
    CHECK_FALSE(find_deep_nesting(text, 8));
    CHECK(find_deep_nesting(text, 5));  // expect.json.'x.y'.a.b.c = depth 8 under [jobs.a]: more than 5
}

TEST_CASE("nesting: each kind of level counts, and the place of the first excess is given") {
    SUBCASE("dotted key") {
        auto deep = find_deep_nesting("a = 1\n" + repeated("y", 101, ".") + " = 1\n");
        REQUIRE(deep);
        CHECK(deep->line == 2);
        CHECK(deep->column == 1);
        CHECK_FALSE(find_deep_nesting(repeated("y", 100, ".") + " = 1\n"));
    }
    SUBCASE("table header, and keys under it") {
        CHECK(find_deep_nesting("[" + repeated("x", 101, ".") + "]\n"));
        CHECK(find_deep_nesting("[[" + repeated("x", 101, ".") + "]]\n"));
        auto deep = find_deep_nesting("[" + repeated("x", 98, ".") + "]\nok = 1\na.b.c = 1\n");
        REQUIRE(deep);
        CHECK(deep->line == 3);
    }
    SUBCASE("arrays and inline tables") {
        auto arrays = find_deep_nesting("a = " + std::string(150, '[') + std::string(150, ']') + "\n");
        REQUIRE(arrays);
        CHECK(arrays->line == 1);
        CHECK(arrays->column == 5 + 99);  // the 100th bracket holds depth 101
        CHECK(find_deep_nesting("a = " + repeated("{ b = ", 120, "") + "1" + std::string(120, '}') + "\n"));
        CHECK_FALSE(find_deep_nesting("a = " + repeated("{ b = ", 90, "") + "1" + std::string(90, '}') + "\n"));
    }
    SUBCASE("quoted key parts count once however many dots they hold") {
        CHECK_FALSE(find_deep_nesting("\"" + repeated("y", 500, ".") + "\" = 1\n"));
        CHECK_FALSE(find_deep_nesting("a = '" + std::string(500, '[') + "'\n"));
        CHECK_FALSE(find_deep_nesting("# " + std::string(500, '{') + "\n"));
    }
}

TEST_CASE("nesting: broken text is scanned to its end without running away") {
    for (const std::string text : {"a = \"unterminated\n[b", "[[[[", "a = '''never closed", "]]]]}}}} = = = .",
                                   "a = \"\\", "\"\"\"", "a = [1,,,{,,}]"}) {
        CHECK_FALSE(find_deep_nesting(text));
    }
}

TEST_CASE("gaia: a job file nested 35,000 levels deep is an error, not a crash") {
    test::TempDir dir;
    for (const std::string& text : {repeated("y", 35'000, ".") + " = 1\n",
                                    "[jobs.a." + repeated("x", 35'000, ".") + "]\nkind = \"process\"\n",
                                    "a = " + std::string(35'000, '[') + std::string(35'000, ']') + "\n"}) {
        const auto path = dir.file("deep.toml", text);
        for (const char* command : {"validate", "plan", "run"}) {
            auto r = test::run_gaia({command, path});
            CHECK(r.exit_code == 2);
            CHECK(r.err.find("deep.toml:1:") != std::string::npos);
            CHECK(r.err.find("error: nested too deeply: more than 100 levels") != std::string::npos);
        }
    }
}
