#include "jobs/http/redirect.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::jobs::http;

namespace {

NextHop hop(const std::string& from, const std::string& method, long status, const std::string& location) {
    std::string error;
    auto next = next_hop(from, method, status, location, &error);
    INFO(error);
    REQUIRE(next);
    return *next;
}

}  // namespace

TEST_CASE("redirect rules: which statuses redirect, and where a Location leads") {
    for (long status : {301L, 302L, 303L, 307L, 308L}) CHECK(is_redirect(status));
    for (long status : {200L, 300L, 304L, 305L, 400L}) CHECK_FALSE(is_redirect(status));
    CHECK(hop("http://a.test/x/y?q=1", "GET", 302, "/z").url == "http://a.test/z");
    CHECK(hop("http://a.test/x/y?q=1", "GET", 302, "z?k=v").url == "http://a.test/x/z?k=v");
    CHECK(hop("https://a.test:8443/x", "GET", 302, "//b.test/p").url == "https://b.test/p");
    CHECK(hop("http://a.test/", "GET", 301, "https://a.test/#top").url == "https://a.test/");
    std::string error;
    CHECK_FALSE(next_hop("http://a.test/", "GET", 302, "ftp://a.test/f", &error));
    CHECK(error == "the redirect to `ftp://a.test/f` (status 302) does not lead to an http:// or https:// URL");
    CHECK_FALSE(next_hop("http://a.test/", "GET", 302, "javascript:alert(1)", &error));
}

TEST_CASE("redirect rules: methods and bodies, origins and downgrades") {
    CHECK(hop("http://a.test/", "POST", 303, "/b").method == "GET");
    CHECK(hop("http://a.test/", "PUT", 303, "/b").drop_body);
    CHECK(hop("http://a.test/", "HEAD", 303, "/b").method == "HEAD");
    CHECK(hop("http://a.test/", "POST", 302, "/b").method == "GET");
    CHECK(hop("http://a.test/", "POST", 301, "/b").drop_body);
    CHECK(hop("http://a.test/", "PUT", 302, "/b").method == "PUT");
    CHECK_FALSE(hop("http://a.test/", "PUT", 302, "/b").drop_body);
    CHECK(hop("http://a.test/", "POST", 307, "/b").method == "POST");
    CHECK_FALSE(hop("http://a.test/", "POST", 308, "/b").drop_body);

    CHECK_FALSE(hop("http://a.test/", "GET", 302, "/b").other_origin);
    CHECK_FALSE(hop("http://a.test/", "GET", 302, "http://A.TEST:80/b").other_origin);
    CHECK(hop("http://a.test/", "GET", 302, "http://b.test/").other_origin);
    CHECK(hop("http://a.test/", "GET", 302, "http://a.test:8080/").other_origin);
    CHECK(hop("http://a.test/", "GET", 302, "https://a.test/").other_origin);
    CHECK(hop("https://a.test/", "GET", 302, "http://a.test/").downgrade);
    CHECK_FALSE(hop("http://a.test/", "GET", 302, "https://a.test/").downgrade);

    std::vector<std::string> headers{"Authorization: Bearer x", "cookie: a=b", "Accept: */*", "X-Cookie-Note: keep"};
    drop_credentials(headers);
    CHECK(headers == std::vector<std::string>{"Accept: */*", "X-Cookie-Note: keep"});
}

TEST_SUITE_END();
