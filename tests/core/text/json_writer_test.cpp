// JSON written straight into a string reads back, through nlohmann's parser, as what was
// written: escapes, control characters, bad UTF-8 (replaced as nlohmann's dump does),
// numbers and nesting.

#include "core/text/json_writer.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

TEST_SUITE_BEGIN("unit");

using gaia::text::JsonWriter;

TEST_CASE("json writer: what it writes parses back to the same values") {
    std::string text;
    JsonWriter out(text);
    const std::string tricky = std::string("quote \" backslash \\ newline \n tab \t nul ") + '\0' + " bell \x07 é 😀";
    out.begin_object();
    out.key("text").value(tricky);
    out.key("empty").value("");
    out.key("int").value(std::int64_t{-9007199254740993});
    out.key("real").value(0.1 + 0.2);
    out.key("nan").value(std::nan(""));
    out.key("none").null();
    out.key("list").begin_array().value(std::int64_t{1}).begin_object().end_object().begin_array().end_array().raw("{\"a\":[1]}").end_array();
    out.end_object();
    const auto j = nlohmann::json::parse(text);
    CHECK(j["text"] == tricky);
    CHECK(j["empty"] == "");
    CHECK(j["int"] == -9007199254740993LL);
    CHECK(j["real"].get<double>() == 0.1 + 0.2);  // shortest text that reads back exactly
    CHECK(j["nan"].is_null());
    CHECK(j["none"].is_null());
    CHECK(j["list"].dump() == R"([1,{},[],{"a":[1]}])");
}

TEST_CASE("json writer: bytes that are not UTF-8 become U+FFFD, as nlohmann's replace handler does") {
    for (const std::string& bad : {std::string("\xff"), std::string("a\xc3"), std::string("\xe2\x82"), std::string("\xc0\xaf"),
                                  std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"), std::string("ok \x80 ok"),
                                  std::string("\xf0\x9f\x98"), std::string("\xe2\x28\xa1"), std::string("\xf5\x80 x")}) {
        std::string mine;
        gaia::text::append_json_string(mine, bad);
        const auto theirs = nlohmann::json(bad).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        CHECK_MESSAGE(nlohmann::json::parse(mine) == nlohmann::json::parse(theirs), mine, " vs ", theirs);
    }
}

TEST_SUITE_END();
