// The JSON scanner accepts what RFC 8259 (and nlohmann's parser) accepts, refuses the rest
// with the line and column of the problem, and finds each value's text.

#include "core/text/json_scan.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <random>

TEST_SUITE_BEGIN("unit");

using gaia::text::JsonScanner;

namespace {

// The scanner's verdict on a whole document: "" or its error.
std::string scan(std::string_view text) {
    JsonScanner s(text);
    s.skip_value();
    s.finish();
    return s.error();
}

}  // namespace

TEST_CASE("json scanner: valid documents pass, each value's text is found") {
    for (const char* text : {R"({})", R"([])", R"(0)", R"(-0.5e+10)", R"("")", R"(true)", R"( null )",
                             R"({"a": [1, 2.5, -3e2, "x\"y\\z\/\b\f\n\r\t\u00e9\ud83d\ude00"], "b": {"c": false}})",
                             "\"\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"", "[[[[]]]]", "{\"\": 1}"}) {
        INFO(text);
        CHECK(scan(text).empty());
        CHECK(nlohmann::json::accept(text));
    }
    const std::string text = R"({"job": "fetch", "index": 42, "item": {"k": [1, {"x": "}"}]}, "error": null})";
    JsonScanner s(text);
    JsonScanner::Container object;
    REQUIRE(s.open_object(object));
    std::string key, job;
    std::uint64_t index = 0;
    std::string item;
    while (s.next_member(object, key)) {
        if (key == "job") {
            s.string(job);
        } else if (key == "index") {
            s.unsigned_integer(index);
        } else if (key == "error") {
            CHECK(s.null());
        } else {
            std::size_t begin = 0;
            REQUIRE(s.skip_value(&begin));
            item = text.substr(begin, s.pos() - begin);
        }
    }
    CHECK(s.error() == "");
    CHECK(job == "fetch");
    CHECK(index == 42);
    CHECK(item == R"({"k": [1, {"x": "}"}]})");
    CHECK(s.finish());
}

TEST_CASE("json scanner: escapes are decoded, surrogate pairs included") {
    JsonScanner s(R"("a\u00e9\ud83d\ude00\n\"")");
    std::string out;
    REQUIRE(s.string(out));
    CHECK(out == "a\xC3\xA9\xF0\x9F\x98\x80\n\"");
}

TEST_CASE("json scanner: what is not JSON is refused with where and what") {
    struct Case {
        const char* text;
        const char* error;
    };
    for (const auto& c : std::initializer_list<Case>{
             {"", "1:1: the text ends where a value should come"},
             {"{", "1:2: the text ends inside an object"},
             {"[1,", "1:4: the text ends where a value should come"},
             {"{\"a\":1,", "1:8: the text ends where a member's name should come"},
             {"{\"a\" 1}", "1:6: expected a colon after the member's name"},
             {"{\"a\":1,}", "1:8: expected a member's name (a string)"},
             {"[1,]", "1:4: a comma before the closing bracket"},
             {"[1 2]", "1:4: expected a comma or the end of the array"},
             {"[01]", "1:3: expected a comma or the end of the array"},
             {"[1.]", "1:4: a number needs digits after its decimal point"},
             {"[1e]", "1:4: a number needs digits in its exponent"},
             {"[-]", "1:2: expected a value"},
             {"[tru]", "1:2: expected a value"},
             {"\n\n  [nul", "3:4: expected a value"},
             {"\"abc", "1:5: a string is not closed"},
             {"\"a\tb\"", "1:3: a control character in a string (it must be escaped)"},
             {"\"\\x\"", "1:3: an unknown escape in a string"},
             {"[1e400]", "1:2: a number beyond the range of a double"},
             {"\"\\u12\"", "1:4: \\u needs four hex digits"},
             {"\"\\udc00\"", "1:8: a low surrogate \\u escape with no high one before it"},
             {"\"\\ud800x\"", "1:8: a high surrogate \\u escape with no low one after it"},
             {"\"\xC3\"", "1:2: a byte that is not UTF-8 in a string"},
             {"\"\xC0\xAF\"", "1:2: a byte that is not UTF-8 in a string"},      // overlong
             {"\"\xED\xA0\x80\"", "1:2: a byte that is not UTF-8 in a string"},  // a surrogate
             {"\"\xF4\x90\x80\x80\"", "1:2: a byte that is not UTF-8 in a string"},  // above U+10FFFF
             {"{} {}", "1:4: more text after the end of the document"},
         }) {
        INFO(c.text);
        CHECK(scan(c.text) == c.error);
        CHECK_FALSE(nlohmann::json::accept(c.text));
    }
}

TEST_CASE("json scanner: nesting deeper than its limit is refused, not a stack overflow") {
    const std::string deep(100000, '[');
    CHECK(scan(deep).find("nested more than 512 levels deep") != std::string::npos);
    const std::string ok = std::string(JsonScanner::kMaxDepth, '[') + std::string(JsonScanner::kMaxDepth, ']');
    CHECK(scan(ok).empty());
}

TEST_CASE("json scanner: whole numbers for indices, others refused") {
    struct Case {
        const char* text;
        bool ok;
        std::uint64_t value;
    };
    for (const auto& c : std::initializer_list<Case>{{"0", true, 0}, {"18446744073709551615", true, 18446744073709551615ULL},
                                                     {"18446744073709551616", false, 0}, {"-1", false, 0}, {"1.0", false, 0},
                                                     {"1e3", false, 0}, {"\"1\"", false, 0}}) {
        INFO(c.text);
        JsonScanner s(c.text);
        std::uint64_t n = 0;
        CHECK(s.unsigned_integer(n) == c.ok);
        if (c.ok) CHECK(n == c.value);
    }
}

TEST_CASE("json scanner: agrees with nlohmann's parser on mutated documents") {
    // Random byte changes to a document with every kind of value: each verdict must be
    // nlohmann's.
    const std::string base = R"({"run": {"id": "a\u00e9", "n": [1, -2.5e3, true, false, null]}, "s": "\ud83d\ude00 \u00e9"})";
    const std::string alphabet = "{}[]\",:\\u0123456789abcdefABCDEFeE.+- \n\ttruefalsenull\xC3\xA9\xF0\x9F";
    std::mt19937 random(42);
    int refused = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string text = base;
        const int edits = 1 + static_cast<int>(random() % 3);
        for (int e = 0; e < edits; ++e) {
            const auto at = random() % (text.size() + 1);
            const char c = alphabet[random() % alphabet.size()];
            switch (random() % 3) {
            case 0: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
            case 1:
                if (at < text.size()) text.erase(at, 1);
                break;
            default:
                if (at < text.size()) text[at] = c;
            }
        }
        const bool ours = scan(text).empty();
        refused += ours ? 0 : 1;
        INFO(text);
        CHECK(ours == nlohmann::json::accept(text));
    }
    CHECK(refused > 10000);  // the mutations do make broken documents
}
