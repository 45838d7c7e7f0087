// The libcurl engine on a real loop against a real HTTP server on loopback (Python's
// http.server, started by the test). Every test ends with the loop closed cleanly.

#include "jobs/http/curl_engine.hpp"
#include "tests/support/file_server.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <thread>

extern char** environ;

using namespace gaia;
using namespace gaia::jobs::http;
using gaia::test::FileServer;
using gaia::test::free_port;


TEST_CASE("the curl engine fetches, reports status, headers and body, and closes cleanly") {
    FileServer server;
    loop::Loop loop;
    CurlEngine engine(loop);
    std::optional<HttpResponse> ok, missing;
    HttpRequest a;
    a.url = server.url("/hello.txt");
    bool inside_start = true;
    engine.start(a, [&](HttpResponse r) {
        CHECK_FALSE(inside_start);  // never completes synchronously
        ok = std::move(r);
    });
    inside_start = false;
    HttpRequest b;
    b.url = server.url("/nope");
    engine.start(b, [&](HttpResponse r) { missing = std::move(r); });
    loop.run();
    REQUIRE(ok);
    CHECK(ok->error.empty());
    CHECK(ok->status == 200);
    CHECK(ok->body == "hello, gaia\n");
    CHECK(std::any_of(ok->headers.begin(), ok->headers.end(),
                      [](const auto& h) { return h.first == "Content-Length" && h.second == "12"; }));
    REQUIRE(missing);
    CHECK(missing->status == 404);
    engine.close();
    CHECK(loop.close() == 0);
}

TEST_CASE("the curl engine keeps bodies to the cap and reports connection errors") {
    FileServer server;
    loop::Loop loop;
    CurlEngine engine(loop);
    std::optional<HttpResponse> big, refused;
    HttpRequest a;
    a.url = server.url("/big.bin");
    a.body_cap = 1 << 20;
    engine.start(a, [&](HttpResponse r) { big = std::move(r); });
    HttpRequest b;
    b.url = "http://127.0.0.1:" + std::to_string(free_port()) + "/";
    engine.start(b, [&](HttpResponse r) { refused = std::move(r); });
    loop.run();
    REQUIRE(big);
    CHECK(big->status == 200);
    CHECK(big->body.size() == (1u << 20));
    CHECK(big->body_truncated);
    CHECK(big->bytes_received == (3u << 20));
    REQUIRE(refused);
    CHECK(refused->code == CURLE_COULDNT_CONNECT);
    CHECK_FALSE(refused->error.empty());
    engine.close();
    CHECK(loop.close() == 0);
}

TEST_CASE("the curl engine runs many transfers at once and cancels without a callback") {
    FileServer server;
    loop::Loop loop;
    CurlEngine engine(loop);
    int done = 0, passed = 0;
    for (int i = 0; i < 50; ++i) {
        HttpRequest r;
        r.url = server.url("/hello.txt");
        engine.start(r, [&](HttpResponse resp) {
            ++done;
            if (resp.status == 200) ++passed;
        });
    }
    HttpRequest c;
    c.url = server.url("/big.bin");
    bool cancelled_called = false;
    const auto id = engine.start(c, [&](HttpResponse) { cancelled_called = true; });
    engine.cancel(id);
    loop.run();
    CHECK(done == 50);
    CHECK(passed == 50);
    CHECK_FALSE(cancelled_called);
    engine.close();
    CHECK(loop.close() == 0);
}
