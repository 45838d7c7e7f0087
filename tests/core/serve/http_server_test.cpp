// The HTTP/1.1 server against real sockets: a blocking client on its own thread, the
// server on the test's loop.

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/serve/http_server.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace gaia;
using namespace std::chrono_literals;

namespace {

// Runs the loop until `client`, on a thread of its own, returns.
void with_client(loop::Loop& loop, const std::function<void()>& client) {
    std::atomic<bool> done{false};
    std::thread thread([&] {
        client();
        done = true;
    });
    auto timer = loop::Timer::create(loop);
    timer->start_repeating(5ms, [&] {
        if (done) uv_stop(loop.get());
    });
    loop.run();
    thread.join();
}

int connect_to(int port, bool v6 = false) {
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int rc;
    if (v6) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(static_cast<std::uint16_t>(port));
        a.sin6_addr = in6addr_loopback;
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    return rc == 0 ? fd : -1;
}

void send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        const auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<std::size_t>(n);
    }
}

struct Answer {
    int status = 0;
    std::string head;  // status line and headers
    std::string body;
};

// Reads one response (headers, then Content-Length bytes); status 0 when the server
// closed first.
Answer read_answer(int fd, std::string& pending, bool head_request = false) {
    Answer a;
    char buf[4096];
    std::size_t end;
    while ((end = pending.find("\r\n\r\n")) == std::string::npos) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return a;
        pending.append(buf, static_cast<std::size_t>(n));
    }
    a.head = pending.substr(0, end + 2);
    pending.erase(0, end + 4);
    a.status = std::stoi(a.head.substr(9, 3));
    std::size_t length = 0;
    if (auto at = a.head.find("Content-Length: "); at != std::string::npos) length = std::stoul(a.head.substr(at + 16));
    if (head_request) length = 0;
    while (pending.size() < length) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        pending.append(buf, static_cast<std::size_t>(n));
    }
    a.body = pending.substr(0, length);
    pending.erase(0, length);
    return a;
}

// True when the server has closed the connection (read gives end of file).
bool closed_by_server(int fd) {
    char c;
    return ::recv(fd, &c, 1, 0) == 0;
}

// Echoes the method and path; "/slow/N" answers after N ms, to show that pipelined
// answers keep their order however long each takes.
serve::Handler echo(loop::Loop& loop, std::vector<loop::HandlePtr<loop::Timer>>& timers) {
    return [&loop, &timers](const serve::HttpRequest& r, std::function<void(serve::HttpResponse)> respond) {
        serve::HttpResponse response;
        response.body = r.method + " " + r.path + (r.query.empty() ? "" : "?" + r.query) + " " + r.body;
        if (r.path.rfind("/slow/", 0) == 0) {
            timers.push_back(loop::Timer::create(loop));
            timers.back()->start(std::chrono::milliseconds(std::stoi(r.path.substr(6))),
                                 [respond, response] { respond(response); });
            return;
        }
        respond(response);
    };
}

}  // namespace

TEST_CASE("http server: GET, HEAD, keep-alive, pipelining in order, Connection: close, HTTP/1.0") {
    loop::Loop loop;
    std::vector<loop::HandlePtr<loop::Timer>> timers;
    serve::HttpServer server(loop, {}, echo(loop, timers));
    REQUIRE(server.listen("127.0.0.1:0").empty());
    const int port = server.port();
    with_client(loop, [&] {
        const int fd = connect_to(port);
        REQUIRE(fd >= 0);
        std::string pending;
        send_all(fd, "GET /health?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
        auto a = read_answer(fd, pending);
        CHECK(a.status == 200);
        CHECK(a.body == "GET /health?x=1 ");
        CHECK(a.head.find("Content-Length: 16\r\n") != std::string::npos);
        send_all(fd, "HEAD /health HTTP/1.1\r\nHost: a\r\n\r\n");
        a = read_answer(fd, pending, true);
        CHECK(a.status == 200);
        CHECK(a.head.find("Content-Length: 13\r\n") != std::string::npos);  // as GET's, without the body
        // Three at once, the first the slowest: answered in the order asked.
        send_all(fd, "GET /slow/150 HTTP/1.1\r\nHost: a\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"
                     "datGET /slow/10 HTTP/1.1\r\nHost: a\r\n\r\n");
        CHECK(read_answer(fd, pending).body == "GET /slow/150 ");
        CHECK(read_answer(fd, pending).body == "POST /b dat");
        CHECK(read_answer(fd, pending).body == "GET /slow/10 ");
        // A bad request after a good one: the good one is answered first, then 400.
        send_all(fd, "GET /slow/50 HTTP/1.1\r\nHost: a\r\n\r\nBROKEN\r\n\r\n");
        CHECK(read_answer(fd, pending).body == "GET /slow/50 ");
        CHECK(read_answer(fd, pending).status == 400);
        CHECK(closed_by_server(fd));
        ::close(fd);
    });
    server.close();
    timers.clear();
    CHECK(loop.close() == 0);  // every handle of the server is gone
}

TEST_CASE("http server: a request split anywhere, bodies, and the connection's end") {
    loop::Loop loop;
    std::vector<loop::HandlePtr<loop::Timer>> timers;
    serve::HttpServer server(loop, {}, echo(loop, timers));
    REQUIRE(server.listen("127.0.0.1:0").empty());
    with_client(loop, [&] {
        const int fd = connect_to(server.port());
        std::string pending;
        const std::string request = "POST /jobs/a/run HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
        for (char c : request) {
            send_all(fd, std::string(1, c));
            std::this_thread::sleep_for(1ms);
        }
        auto a = read_answer(fd, pending);
        CHECK(a.body == "POST /jobs/a/run hello");
        send_all(fd, "GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        a = read_answer(fd, pending);
        CHECK(a.status == 200);
        CHECK(a.head.find("Connection: close\r\n") != std::string::npos);
        CHECK(closed_by_server(fd));
        ::close(fd);

        const int old = connect_to(server.port());
        send_all(old, "GET /old HTTP/1.0\r\n\r\n");
        std::string p2;
        CHECK(read_answer(old, p2).body == "GET /old ");
        CHECK(closed_by_server(old));  // HTTP/1.0 without keep-alive
        ::close(old);
    });
    CHECK(server.connections() == 0);
    server.close();
    timers.clear();
    CHECK(loop.close() == 0);
}

TEST_CASE("http server: 400, 431 and 413 close the connection — the server goes on") {
    loop::Loop loop;
    std::vector<loop::HandlePtr<loop::Timer>> timers;
    serve::ServerLimits limits;
    limits.max_header_bytes = 4096;
    limits.max_body_bytes = 1024;
    serve::HttpServer server(loop, limits, echo(loop, timers));
    REQUIRE(server.listen("127.0.0.1:0").empty());
    auto one = [&](const std::string& request) {
        const int fd = connect_to(server.port());
        std::string pending;
        send_all(fd, request);
        auto a = read_answer(fd, pending);
        const bool closed = closed_by_server(fd);
        ::close(fd);
        return std::make_pair(a, closed);
    };
    with_client(loop, [&] {
        auto [bad, bad_closed] = one("NONSENSE\r\n\r\n");
        CHECK(bad.status == 400);
        CHECK(bad.body.find("bad request") == 0);
        CHECK(bad_closed);
        auto [big, big_closed] = one("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(8000, 'x') + "\r\n\r\n");
        CHECK(big.status == 431);
        CHECK(big_closed);
        auto [many, many_closed] = one("GET / HTTP/1.1\r\n" + [] {
            std::string h;
            for (int i = 0; i < 500; ++i) h += "X-" + std::to_string(i) + ": v\r\n";
            return h;
        }() + "\r\n");
        CHECK(many.status == 431);
        auto [body, body_closed] = one("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n");
        CHECK(body.status == 413);
        CHECK(body_closed);
        auto [chunked, chunked_closed] =
            one("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + std::string(2048, 'y') + "\r\n0\r\n\r\n");
        CHECK(chunked.status == 413);
        auto [fine, fine_closed] = one("GET /still-here HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        CHECK(fine.status == 200);
        CHECK(fine.body == "GET /still-here ");
    });
    server.close();
    timers.clear();
    CHECK(loop.close() == 0);
}

TEST_CASE("http server: slow headers get 408, idle keep-alive connections are closed, connections are capped") {
    loop::Loop loop;
    std::vector<loop::HandlePtr<loop::Timer>> timers;
    serve::ServerLimits limits;
    limits.header_timeout = 200ms;
    limits.idle_timeout = 300ms;
    limits.max_connections = 2;
    serve::HttpServer server(loop, limits, echo(loop, timers));
    REQUIRE(server.listen("127.0.0.1:0").empty());
    with_client(loop, [&] {
        // Slowloris: headers that never end.
        const int slow = connect_to(server.port());
        send_all(slow, "GET / HTTP/1.1\r\nHost: a\r\n");
        const auto start = std::chrono::steady_clock::now();
        std::string pending;
        auto a = read_answer(slow, pending);
        CHECK(a.status == 408);
        CHECK(std::chrono::steady_clock::now() - start < 2s);
        CHECK(closed_by_server(slow));
        ::close(slow);

        // Idle after a request: closed once idle_timeout has passed.
        const int idle = connect_to(server.port());
        send_all(idle, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        std::string p2;
        CHECK(read_answer(idle, p2).status == 200);
        const auto idle_start = std::chrono::steady_clock::now();
        CHECK(closed_by_server(idle));
        CHECK(std::chrono::steady_clock::now() - idle_start >= 250ms);
        ::close(idle);

        // Two connections allowed: the third is told so.
        const int c1 = connect_to(server.port()), c2 = connect_to(server.port());
        std::this_thread::sleep_for(50ms);
        const int c3 = connect_to(server.port());
        std::string p3;
        CHECK(read_answer(c3, p3).status == 503);
        for (int fd : {c1, c2, c3}) ::close(fd);
    });
    server.close();
    timers.clear();
    CHECK(loop.close() == 0);
}

TEST_CASE("http server: a client that pipelines without reading holds a bounded backlog, is served as it reads, "
          "and is dropped when it stops") {
    loop::Loop loop;
    serve::ServerLimits limits;
    limits.max_unsent_bytes = 256 * 1024;
    limits.send_timeout = 2s;
    std::atomic<int> handled{0};
    serve::HttpServer server(loop, limits, [&](const serve::HttpRequest& r, std::function<void(serve::HttpResponse)> respond) {
        ++handled;
        serve::HttpResponse response;
        response.body = std::string(64 * 1024, 'x') + r.path;
        respond(response);
    });
    REQUIRE(server.listen("127.0.0.1:0").empty());
    constexpr int kRequests = 2000;  // 128 MiB of answers if all were made at once
    auto pipeline = [&](int fd, int n) {
        std::string requests;
        for (int i = 0; i < n; ++i) requests += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n";
        send_all(fd, requests);  // small: the kernel's buffers take it all
    };
    with_client(loop, [&] {
        const int fd = connect_to(server.port());
        pipeline(fd, kRequests);
        std::this_thread::sleep_for(1s);
        // Bounded by the allowance, the kernel's socket buffers (4 MiB here) and the
        // requests parsed ahead: about 100 answers, not 2,000.
        const int held = handled.load();
        CHECK(held < 200);
        std::this_thread::sleep_for(300ms);
        CHECK(handled.load() == held);
        // Reading: every answer comes, in order.
        std::string pending;
        int answered = 0;
        for (; answered < kRequests; ++answered) {
            auto a = read_answer(fd, pending);
            if (a.status != 200 || a.body.substr(64 * 1024) != "/" + std::to_string(answered)) break;
        }
        CHECK(answered == kRequests);
        CHECK(handled.load() == kRequests);
        ::close(fd);

        // A client that stops reading for longer than send_timeout is dropped: reading
        // what was sent before then ends in end-of-file, short of the 2,000 answers.
        const int stalled = connect_to(server.port());
        pipeline(stalled, kRequests);
        std::this_thread::sleep_for(3500ms);
        std::string rest;
        int got = 0;
        for (; got < kRequests; ++got) {
            if (read_answer(stalled, rest).status != 200) break;
        }
        CHECK(got < kRequests);
        CHECK(closed_by_server(stalled));
        ::close(stalled);
    });
    CHECK(server.connections() == 0);
    server.close();
    CHECK(loop.close() == 0);
}

TEST_CASE("http server: a client that pipelines hundreds of requests does not hold up another one") {
    loop::Loop loop;
    std::vector<std::string> handled;  // on the loop thread only; read after the loop ends
    serve::HttpServer server(loop, serve::ServerLimits{}, [&](const serve::HttpRequest& r,
                                                            std::function<void(serve::HttpResponse)> respond) {
        handled.push_back(r.path);
        const auto until = std::chrono::steady_clock::now() + 100us;  // each answer costs a little
        while (std::chrono::steady_clock::now() < until) {
        }
        serve::HttpResponse response;
        response.body = r.path;
        respond(response);
    });
    REQUIRE(server.listen("127.0.0.1:0").empty());
    constexpr int kPipelined = 500;  // one write: the server reads them all at once
    with_client(loop, [&] {
        const int greedy = connect_to(server.port());
        std::string requests;
        for (int i = 0; i < kPipelined; ++i) requests += "GET /greedy/" + std::to_string(i) + " HTTP/1.1\r\n\r\n";
        send_all(greedy, requests);
        const int other = connect_to(server.port());
        send_all(other, "GET /other HTTP/1.1\r\n\r\n");
        std::string pending;
        CHECK(read_answer(other, pending).body == "/other");
        std::string rest;
        int answered = 0;
        while (answered < kPipelined && read_answer(greedy, rest).status == 200) ++answered;
        CHECK(answered == kPipelined);
        ::close(greedy);
        ::close(other);
    });
    // The other client's request was taken while the greedy backlog (50 ms of work) was
    // being answered, one request per connection per loop turn, not after all of it.
    const auto at = std::find(handled.begin(), handled.end(), "/other") - handled.begin();
    CHECK(at < kPipelined / 2);
    server.close();
    CHECK(loop.close() == 0);
}

TEST_CASE("http server: IPv6 loopback, and clear errors for addresses it cannot use") {
    loop::Loop loop;
    std::vector<loop::HandlePtr<loop::Timer>> timers;
    serve::HttpServer server(loop, {}, echo(loop, timers));
    REQUIRE(server.listen("[::1]:0").empty());
    with_client(loop, [&] {
        const int fd = connect_to(server.port(), true);
        REQUIRE(fd >= 0);
        std::string pending;
        send_all(fd, "GET /six HTTP/1.1\r\nHost: a\r\n\r\n");
        CHECK(read_answer(fd, pending).body == "GET /six ");
        ::close(fd);
    });
    serve::HttpServer other(loop, {}, echo(loop, timers));
    CHECK(other.listen("nonsense") == "`nonsense` has no :PORT");
    CHECK(other.listen("example.com:80") == "`example.com` is not a numeric IPv4 or IPv6 address");
    CHECK(other.listen("127.0.0.1:99999") == "`99999` is not a port");
    CHECK(other.listen("[::1]:" + std::to_string(server.port())).find("address already in use") != std::string::npos);
    server.close();
    other.close();
    CHECK(loop.close() == 0);
}
