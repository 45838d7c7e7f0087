#include "core/text/printable.hpp"

#include <doctest/doctest.h>

#include <string>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using gaia::text::printable;

TEST_CASE("printable: controls, bidi overrides and broken UTF-8 are escaped, and text in any script is kept") {
    using namespace std::string_literals;
    CHECK(printable("plain `text`, 5s") == "plain `text`, 5s");
    CHECK(printable("\x1b]0;TITLE\x07\x1b[2J5s") == "\\x1b]0;TITLE\\x07\\x1b[2J5s");
    CHECK(printable("line one\nline two\r\n\ttab") == "line one\\nline two\\r\\n\\ttab");
    CHECK(printable("a\0b"s) == "a\\0b");
    CHECK(printable("\x7f") == "\\x7f");
    CHECK(printable("abc\u202Etxt.exe") == "abc\\u202etxt.exe");
    CHECK(printable("\u2066x\u2069 \u200F \u061C") == "\\u2066x\\u2069 \\u200f \\u061c");
    CHECK(printable("\xc2\x9b" "31m") == "\\u009b31m");  // C1 CSI
    CHECK(printable("déjà vu — 東京 🙂") == "déjà vu — 東京 🙂");
    CHECK(printable("\xff\xfe") == "\\xff\\xfe");
    CHECK(printable("\xe2\x82") == "\\xe2\\x82");          // cut short
    CHECK(printable("\xc0\xaf") == "\\xc0\\xaf");          // overlong '/'
    CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
    CHECK(printable("back\\slash") == "back\\slash");
}

TEST_SUITE_END();
