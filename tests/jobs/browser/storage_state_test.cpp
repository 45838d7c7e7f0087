#include "jobs/browser/storage_state.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace gaia::jobs::browser;
using nlohmann::json;

TEST_SUITE_BEGIN("unit");

namespace {

std::string why_not(const std::string& text) {
    try {
        parse_storage_state(text);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST_CASE("a Playwright storageState file becomes cookies for Storage.setCookies and origins' items") {
    const auto state = parse_storage_state(R"({
      "cookies": [
        { "name": "sid", "value": "v", "domain": ".example.org", "path": "/app", "expires": 1893456000.5,
          "httpOnly": true, "secure": true, "sameSite": "Strict" },
        { "name": "s", "value": "", "domain": "127.0.0.1", "expires": -1 }
      ],
      "origins": [{ "origin": "https://example.org", "localStorage": [{ "name": "k", "value": "v" }],
                    "sessionStorage": [{ "name": "t", "value": "1" }] }]
    })");
    CHECK(state.cookies == json::parse(R"([
      { "name": "sid", "value": "v", "domain": ".example.org", "path": "/app", "expires": 1893456000.5,
        "httpOnly": true, "secure": true, "sameSite": "Strict" },
      { "name": "s", "value": "", "domain": "127.0.0.1", "path": "/" }
    ])"));
    REQUIRE(state.origins.size() == 1);
    CHECK(state.origins[0].origin == "https://example.org");
    REQUIRE(state.origins[0].local.size() == 1);
    CHECK(state.origins[0].local[0].value == "v");
    REQUIRE(state.origins[0].session.size() == 1);
    CHECK(state.has_items());
    // Both parts are optional: {} is an empty session.
    CHECK(parse_storage_state("{}").cookies.empty());
    CHECK_FALSE(parse_storage_state(R"({"origins": [{"origin": "http://a", "localStorage": []}]})").has_items());
}

TEST_CASE("what is not a stored session is refused with the place and the reason") {
    CHECK(why_not("[1]") == "the file: not a JSON object with `cookies` and `origins`");
    CHECK(why_not(R"({"cookies": {}})") == "cookies: not an array");
    CHECK(why_not(R"({"cookies": [{"name": "a", "value": "b"}]})") == "cookies[0]: no `domain`");
    CHECK(why_not(R"({"cookies": [{"name": "a", "value": 1, "domain": "x"}]})") == "cookies[0].value: not a string");
    CHECK(why_not(R"({"cookies": [{"name": "a", "value": "b", "domain": ""}]})") == "cookies[0].domain: empty");
    CHECK(why_not(R"({"cookies": [{"name": "a", "value": "b", "domain": "x", "expires": "soon"}]})") ==
          "cookies[0].expires: not a number (seconds since 1970, -1 for a session cookie)");
    CHECK(why_not(R"({"cookies": [{"name": "a", "value": "b", "domain": "x", "secure": "yes"}]})") == "cookies[0].secure: not true or false");
    CHECK(why_not(R"({"origins": [{"origin": "example.org"}]})") == "origins[0].origin: not an origin (scheme://host[:port])");
    CHECK(why_not(R"({"origins": [{"origin": "http://a", "localStorage": [{"name": "k"}]}]})") == "origins[0].localStorage[0]: no `value`");
    CHECK(why_not(R"({"origins": [{"origin": "http://a", "sessionStorage": 3}]})") == "origins[0].sessionStorage: not an array");
    CHECK(why_not("{\"cookies\": [}").rfind("not JSON: parse error at line 1, column ", 0) == 0);
}

TEST_CASE("a page's session is written in Playwright's shape, the other origins it started from kept") {
    const auto cdp = json::parse(R"([
      { "name": "sid", "value": "v", "domain": "127.0.0.1", "path": "/", "expires": -1, "size": 4, "httpOnly": true,
        "secure": false, "session": true, "priority": "Medium", "sourceScheme": "NonSecure", "sourcePort": 8080 },
      { "name": "pref", "value": "dark", "domain": ".example.org", "path": "/", "expires": 1893456000, "size": 8,
        "httpOnly": false, "secure": true, "session": false, "sameSite": "None" }
    ])");
    const auto page = json::parse(R"({ "origin": "http://127.0.0.1:8080", "local": [["k", "v"]], "session": [] })");
    const auto earlier = parse_storage_state(R"({"origins": [
      { "origin": "http://127.0.0.1:8080", "localStorage": [{ "name": "old", "value": "gone" }] },
      { "origin": "https://example.org", "localStorage": [{ "name": "keep", "value": "me" }] }]})");
    const auto text = storage_state_text(cdp, page, &earlier);
    CHECK(json::parse(text) == json::parse(R"({
      "cookies": [
        { "name": "sid", "value": "v", "domain": "127.0.0.1", "path": "/", "expires": -1, "httpOnly": true,
          "secure": false, "sameSite": "Lax" },
        { "name": "pref", "value": "dark", "domain": ".example.org", "path": "/", "expires": 1893456000,
          "httpOnly": false, "secure": true, "sameSite": "None" }
      ],
      "origins": [
        { "origin": "http://127.0.0.1:8080", "localStorage": [{ "name": "k", "value": "v" }] },
        { "origin": "https://example.org", "localStorage": [{ "name": "keep", "value": "me" }] }
      ]
    })"));
    // What gaia writes, gaia reads back.
    const auto again = parse_storage_state(text);
    CHECK(again.cookies.size() == 2);
    CHECK(again.origins.size() == 2);
    // A page on about:blank has no origin of its own to save.
    CHECK(json::parse(storage_state_text(json::array(), nullptr, nullptr)) == json{{"cookies", json::array()}, {"origins", json::array()}});
}

TEST_CASE("the seed script carries each origin's items as JSON, whatever they hold") {
    StorageState state;
    state.origins.push_back({"http://a", {{"k", "</script>\"\n\u2028"}}, {}});
    const auto script = storage_seed_script(state);
    CHECK(script.find(R"({"http://a":{"local":[["k","</script>\"\n)") != std::string::npos);
    CHECK(script.find("[location.origin]") != std::string::npos);
}

TEST_SUITE_END();
