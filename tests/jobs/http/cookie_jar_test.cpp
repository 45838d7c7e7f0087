#include "jobs/http/cookie_jar.hpp"

#include <doctest/doctest.h>

#include <string>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::jobs::http;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

Url url(const std::string& text) {
    auto u = parse_url(text);
    REQUIRE(u);
    return *u;
}

}  // namespace

TEST_CASE("cookie jar: host-only and domain cookies, paths, Secure, and the order they are sent in") {
    CookieJar jar;
    jar.store(url("http://api.example.test/v1/login"), "session=abc; Path=/; HttpOnly", kNow);
    jar.store(url("http://api.example.test/v1/login"), "here=1", kNow);  // default path: /v1
    jar.store(url("http://api.example.test/"), "wide=2; Domain=.example.test", kNow);
    jar.store(url("https://api.example.test/"), "token=t; Secure", kNow);
    jar.store(url("http://api.example.test/"), "plain_secure=x; Secure", kNow);  // refused: not from https
    jar.store(url("http://api.example.test/"), "evil=1; Domain=other.test", kNow);  // refused: not our domain
    jar.store(url("http://api.example.test/"), "tld=1; Domain=test", kNow);         // refused: a top-level domain
    jar.store(url("http://api.example.test/"), "no equals sign", kNow);             // ignored

    CHECK(jar.header_for(url("http://api.example.test/v1/items?page=2"), kNow) == "here=1; session=abc; wide=2");
    CHECK(jar.header_for(url("https://api.example.test/"), kNow) == "session=abc; wide=2; token=t");
    CHECK(jar.header_for(url("http://www.example.test/v1/x"), kNow) == "wide=2");  // only the domain cookie
    CHECK(jar.header_for(url("http://example.test/v1x"), kNow) == "wide=2");        // /v1 does not match /v1x
    CHECK(jar.header_for(url("http://other.test/"), kNow).empty());
    CHECK(jar.value_for(url("http://api.example.test/v1/"), "session", kNow) == "abc");
    CHECK_FALSE(jar.value_for(url("http://api.example.test/"), "here", kNow));
}

TEST_CASE("cookie jar: Expires and Max-Age, replacement and deletion") {
    CookieJar jar;
    const auto u = url("http://a.test/");
    jar.store(u, "short=1; Max-Age=60", kNow);
    jar.store(u, "dated=1; Expires=Wed, 01 Jan 2020 00:00:00 GMT", kNow);  // already past: not kept
    jar.store(u, "netscape=1; expires=Thu, 01-Jan-2099 00:00:00 GMT", kNow);
    jar.store(u, "both=1; Expires=Wed, 01 Jan 2020 00:00:00 GMT; Max-Age=60", kNow);  // Max-Age wins
    CHECK(jar.header_for(u, kNow) == "short=1; netscape=1; both=1");
    CHECK(jar.header_for(u, kNow + 61) == "netscape=1");
    jar.store(u, "short=2", kNow);  // replaced, keeps its place
    CHECK(jar.header_for(u, kNow) == "short=2; netscape=1; both=1");
    jar.store(u, "short=; Max-Age=0", kNow);  // deleted
    CHECK(jar.header_for(u, kNow) == "netscape=1; both=1");
}

TEST_CASE("cookie jar: Netscape's file format, written and read back") {
    CookieJar jar;
    jar.store(url("https://api.example.test/v1/"), "session=abc; Path=/; HttpOnly; Secure; Max-Age=3600", kNow);
    jar.store(url("http://api.example.test/"), "wide=2; Domain=example.test", kNow);
    const auto text = jar.save(kNow);
    CHECK(text.find("#HttpOnly_api.example.test\tFALSE\t/\tTRUE\t" + std::to_string(kNow + 3600) + "\tsession\tabc\n") !=
          std::string::npos);
    CHECK(text.find(".example.test\tTRUE\t/\tFALSE\t0\twide\t2\n") != std::string::npos);

    CookieJar again;
    CHECK(again.load(text + "not\ta\tcookie line\nexpired.test\tFALSE\t/\tFALSE\t1000\tgone\t1\n", kNow) == 2);
    CHECK(again.header_for(url("https://api.example.test/"), kNow) == "session=abc; wide=2");
    CHECK(again.header_for(url("http://www.example.test/"), kNow) == "wide=2");
}

TEST_SUITE_END();
