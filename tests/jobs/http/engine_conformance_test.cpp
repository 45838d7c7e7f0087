// One conformance suite for both HTTP engines (libcurl's and the lean HTTP/1.1 one): the
// same requests against the same real servers must give the same results, so the API
// pool may pick either per request. Every case ends with the loop closed cleanly.

#include "core/loop/timer.hpp"
#include "jobs/http/curl_engine.hpp"
#include "jobs/http/lean_engine.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/misbehaving_server.hpp"
#include "tests/support/nginx_server.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

using namespace gaia;
using namespace gaia::jobs::http;
using gaia::test::RefusingPort;
using gaia::test::MisbehavingServer;
using gaia::test::NginxServer;

TYPE_TO_STRING(CurlEngine);
TYPE_TO_STRING(LeanEngine);

namespace {

// Runs requests at once on a fresh loop and engine; returns the responses in order.
template <class Engine>
std::vector<HttpResponse> fetch(std::vector<HttpRequest> requests) {
    loop::Loop loop;
    Engine engine(loop);
    std::vector<std::optional<HttpResponse>> got(requests.size());
    bool inside_start = false;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        REQUIRE((std::is_same_v<Engine, CurlEngine> || LeanEngine::handles(requests[i])));
        inside_start = true;
        engine.start(requests[i], [&got, i, &inside_start](HttpResponse r) {
            CHECK_FALSE(inside_start);  // never completes synchronously
            got[i] = std::move(r);
        });
        inside_start = false;
    }
    loop.run();
    engine.close();
    CHECK(loop.close() == 0);
    std::vector<HttpResponse> out;
    for (auto& r : got) {
        REQUIRE(r);
        out.push_back(std::move(*r));
    }
    return out;
}

HttpRequest get(const std::string& url) {
    HttpRequest r;
    r.url = url;
    return r;
}

std::string header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
        if (std::equal(k.begin(), k.end(), name.begin(), name.end(),
                       [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
            return v;
        }
    }
    return {};
}

bool mentions(const std::string& error, std::string needle) {
    std::string haystack = error;
    for (auto* s : {&haystack, &needle}) std::transform(s->begin(), s->end(), s->begin(), ::tolower);
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE_TEMPLATE("engine conformance: status, headers, bodies, chunked and HEAD", Engine, CurlEngine, LeanEngine) {
    NginxServer nginx;
    MisbehavingServer server;
    HttpRequest head = get(server.url("/bytes/100"));
    head.method = "HEAD";
    HttpRequest capped = get(server.url("/bytes/3145728"));
    capped.body_cap = 1 << 20;
    auto r = fetch<Engine>({get(nginx.http_url("/hello.txt")), get(nginx.http_url("/nope")),
                            get(server.url("/chunked")), head, capped});
    CHECK(r[0].error.empty());
    CHECK(r[0].status == 200);
    CHECK(r[0].body == "hello, gaia\n");
    CHECK(header(r[0], "Content-Length") == "12");
    CHECK(r[0].http_version == "1.1");
    CHECK(r[1].status == 404);
    CHECK(r[2].body == "hello, chunked world");
    CHECK(r[3].status == 200);
    CHECK(r[3].body.empty());
    CHECK(header(r[3], "Content-Length") == "100");
    CHECK(r[4].body.size() == (1u << 20));
    CHECK(r[4].body_truncated);
    CHECK(r[4].bytes_received == 3145728u);
}

TEST_CASE_TEMPLATE("engine conformance: the server sees the same requests", Engine, CurlEngine, LeanEngine) {
    MisbehavingServer server;
    HttpRequest post = get(server.url("/echo?x=1"));
    post.method = "POST";
    post.body = "a=1&b=2";
    post.headers = {"X-Trace: abc"};
    HttpRequest put = get(server.url("/echo"));
    put.method = "PUT";
    put.body = R"({"k": "v"})";
    put.headers = {"Content-Type: application/json"};
    HttpRequest empty_post = get(server.url("/echo"));
    empty_post.method = "POST";
    auto r = fetch<Engine>({post, put, empty_post});
    auto a = nlohmann::json::parse(r[0].body);
    CHECK(a["method"] == "POST");
    CHECK(a["path"] == "/echo?x=1");
    CHECK(a["body"] == "a=1&b=2");
    CHECK(a["headers"]["content-type"] == "application/x-www-form-urlencoded");
    CHECK(a["headers"]["x-trace"] == "abc");
    CHECK(a["headers"]["host"] == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(a["headers"]["accept"] == "*/*");
    auto b = nlohmann::json::parse(r[1].body);
    CHECK(b["method"] == "PUT");
    CHECK(b["headers"]["content-type"] == "application/json");
    CHECK(b["body_length"] == 10);
    auto c = nlohmann::json::parse(r[2].body);
    CHECK(c["headers"]["content-length"] == "0");
}

TEST_CASE_TEMPLATE("engine conformance: a redirect is a response like any other — the task follows it", Engine, CurlEngine,
                   LeanEngine) {
    MisbehavingServer server;
    HttpRequest see_other = get(server.url("/see-other"));
    see_other.method = "POST";
    see_other.body = "x";
    auto r = fetch<Engine>({get(server.url("/redirect/3")), see_other});
    CHECK(r[0].error.empty());
    CHECK(r[0].status == 302);
    CHECK(header(r[0], "Location") == "/redirect/2");
    CHECK(r[0].url == server.url("/redirect/3"));
    CHECK(r[1].status == 303);
    CHECK(header(r[1], "Location") == "/echo");
}

TEST_CASE_TEMPLATE("engine conformance: connection errors, timeouts and broken responses", Engine, CurlEngine,
                   LeanEngine) {
    MisbehavingServer server;
    HttpRequest stall = get(server.url("/stall-headers"));
    stall.timeout_ms = 300;
    HttpRequest drip = get(server.url("/drip/50"));
    drip.timeout_ms = 300;
    RefusingPort refusing;
    auto r = fetch<Engine>({get(refusing.url()), get(server.url("/reset")),
                            get(server.url("/short-body")), stall, drip, get(server.url("/bad-chunked")),
                            get(server.url("/garbage")), get(server.url("/huge-headers")), get(server.url("/many-headers"))});
    CHECK(mentions(r[0].error, "Couldn't connect to server"));
    CHECK(mentions(r[1].error, "Connection reset by peer"));
    CHECK(mentions(r[2].error, "transfer closed with 990 bytes remaining to read"));
    CHECK(mentions(r[3].error, "timed out after"));
    CHECK(mentions(r[3].error, "with 0 bytes received"));
    CHECK(mentions(r[4].error, "timed out after"));
    CHECK(mentions(r[5].error, "chunk"));
    for (std::size_t i = 6; i < r.size(); ++i) {
        CAPTURE(i);
        CHECK_FALSE(r[i].error.empty());
    }
    CHECK(mentions(r[7].error, "larger than"));
    CHECK(mentions(r[8].error, "larger than"));
}

TEST_CASE_TEMPLATE("engine conformance: keep-alive reuse, a stale connection retried, cancel without a callback",
                   Engine, CurlEngine, LeanEngine) {
    MisbehavingServer server;
    loop::Loop loop;
    Engine engine(loop);
    std::vector<std::string> ports;
    // Then a connection the server closes after answering: the next request must still pass.
    std::optional<HttpResponse> after_close;
    auto pause = loop::Timer::create(loop);
    auto close_quietly = [&] {
        engine.start(get(server.url("/close-quietly")), [&](HttpResponse) {
            pause->start(std::chrono::milliseconds(200), [&] {
                engine.start(get(server.url("/echo")), [&](HttpResponse r) { after_close = std::move(r); });
            });
        });
    };
    // Five requests one after another: one connection serves them all.
    std::function<void()> next = [&] {
        if (ports.size() == 5) return close_quietly();
        engine.start(get(server.url("/port")), [&](HttpResponse r) {
            ports.push_back(r.body);
            next();
        });
    };
    next();
    bool cancelled_called = false;
    const auto id = engine.start(get(server.url("/bytes/3145728")), [&](HttpResponse) { cancelled_called = true; });
    engine.cancel(id);
    loop.run();
    REQUIRE(ports.size() == 5);
    CHECK(std::all_of(ports.begin(), ports.end(), [&](const std::string& p) { return p == ports[0]; }));
    REQUIRE(after_close);
    CHECK(after_close->error.empty());
    CHECK(after_close->status == 200);
    CHECK_FALSE(cancelled_called);
    pause.reset();
    engine.close();
    CHECK(loop.close() == 0);
}

TEST_CASE_TEMPLATE("engine conformance: 200 requests at once", Engine, CurlEngine, LeanEngine) {
    NginxServer nginx;
    std::vector<HttpRequest> many(200, get(nginx.http_url("/hello.txt")));
    auto r = fetch<Engine>(many);
    CHECK(std::all_of(r.begin(), r.end(), [](const HttpResponse& x) { return x.status == 200 && x.body == "hello, gaia\n"; }));
}

TEST_CASE("the lean engine takes plain http:// only, without files, codings or HTTP/2") {
    CHECK(LeanEngine::handles(get("http://127.0.0.1:8080/x")));
    CHECK(LeanEngine::handles(get("HTTP://LocalHost/")));
    CHECK_FALSE(LeanEngine::handles(get("https://127.0.0.1/")));
    CHECK_FALSE(LeanEngine::handles(get("http://user:pw@127.0.0.1/")));
    auto h2 = get("http://127.0.0.1/");
    h2.version = HttpVersion::http2;
    CHECK_FALSE(LeanEngine::handles(h2));
    auto coded = get("http://127.0.0.1/");
    coded.accept_encoding = "gzip";
    CHECK_FALSE(LeanEngine::handles(coded));
}
