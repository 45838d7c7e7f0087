#include "core/jsonpath/jsonpath.hpp"

#include <doctest/doctest.h>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::jsonpath;
using nlohmann::json;

TEST_CASE("the JSONPath subset selects keys, indices and wildcards") {
    const json doc = json::parse(R"({"a": {"b": [10, 20, 30], "weird key": true}, "items": [{"id": 1}, {"id": 2}]})");
    std::string error;
    CHECK(*Path::parse("$", &error)->value(doc) == doc);
    CHECK(*Path::parse("$.a.b[1]", &error)->value(doc) == 20);
    CHECK(*Path::parse("$.a.b[-1]", &error)->value(doc) == 30);
    CHECK(*Path::parse("$['a']['weird key']", &error)->value(doc) == true);
    CHECK(*Path::parse("$.items[*].id", &error)->value(doc) == json::array({1, 2}));
    CHECK(*Path::parse("$.nothing[*]", &error)->value(doc) == json::array());
    CHECK_FALSE(Path::parse("$.a.missing", &error)->value(doc));
    CHECK_FALSE(Path::parse("$.a.b[7]", &error)->value(doc));
}

TEST_CASE("JSONPath syntax errors say where") {
    std::string error;
    CHECK_FALSE(Path::parse("a.b", &error));
    CHECK(error == "a JSONPath starts with `$`");
    CHECK_FALSE(Path::parse("$.a[", &error));
    CHECK(error.find("offset 4") != std::string::npos);
    CHECK_FALSE(Path::parse("$['x", &error));
    CHECK(error.find("unclosed quoted key") == 0);
    CHECK_FALSE(Path::parse("$..a", &error));
}

TEST_CASE("expected values compare numbers by value") {
    CHECK(same_value(json(1), json(1.0)));
    CHECK_FALSE(same_value(json(1), json("1")));
    CHECK(same_value(json("x"), json("x")));
}

TEST_SUITE_END();
