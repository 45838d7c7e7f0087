// loop::Tcp and loop::Poll, the owners every socket user goes through, on a real loop
// and real loopback sockets.

#include "core/loop/poll.hpp"
#include "core/loop/tcp.hpp"

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia;

namespace {

// 127.0.0.1:PORT, for the call it is made in.
struct Loopback {
    explicit Loopback(int port) { uv_ip4_addr("127.0.0.1", port, reinterpret_cast<sockaddr_in*>(&storage)); }
    const sockaddr& operator*() const { return reinterpret_cast<const sockaddr&>(storage); }
    sockaddr_storage storage{};
};

}  // namespace

TEST_CASE("tcp: listen, accept, connect, write and read both ways, end of stream") {
    loop::Loop loop;
    auto server = loop::Tcp::create(loop);
    loop::HandlePtr<loop::Tcp> accepted;
    std::string server_got, client_got;
    REQUIRE(server->listen(*Loopback(0), 16, [&](int status) {
        REQUIRE(status == 0);
        accepted = loop::Tcp::create(loop);
        REQUIRE(server->accept(*accepted) == 0);
        accepted->read_start([&](std::string_view data) {
            server_got.append(data);
            if (server_got == "ping") accepted->write("pong");
        }, [&](int end) {
            CHECK(end == 0);  // the client closed: end of stream
            accepted.reset();
            server.reset();
        });
    }) == 0);
    const int port = server->local_port();
    REQUIRE(port > 0);

    auto client = loop::Tcp::create(loop);
    int connected = 1;
    REQUIRE(client->connect(*Loopback(port), [&](int status) {
        connected = status;
        CHECK(client->no_delay() == 0);
        client->write("ping");
        client->read_start([&](std::string_view data) {
            client_got.append(data);
            if (client_got == "pong") client.reset();  // dropped from inside its own callback
        }, [](int) {});
    }) == 0);
    CHECK(connected == 1);  // never from inside connect()
    loop.run();
    CHECK(connected == 0);
    CHECK(server_got == "ping");
    CHECK(client_got == "pong");
    CHECK(loop.close() == 0);
}

TEST_CASE("tcp: a refused port is an error for the callback, and a closed connection calls nobody") {
    loop::Loop loop;
    // A port that was just free: bind, learn it, close.
    auto probe = loop::Tcp::create(loop);
    REQUIRE(probe->listen(*Loopback(0), 1, [](int) {}) == 0);
    const int port = probe->local_port();
    probe.reset();
    loop.run();

    auto refused = loop::Tcp::create(loop);
    int status = 1;
    REQUIRE(refused->connect(*Loopback(port), [&](int s) { status = s; }) == 0);
    auto abandoned = loop::Tcp::create(loop);
    bool called = false;
    REQUIRE(abandoned->connect(*Loopback(port), [&](int) { called = true; }) == 0);
    abandoned.reset();
    loop.run();
    CHECK(status == UV_ECONNREFUSED);
    CHECK_FALSE(called);
    refused.reset();
    loop.run();
    CHECK(loop.close() == 0);
}

TEST_CASE("poll: readiness of a socket someone else reads, until stop") {
    loop::Loop loop;
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    int error = 0;
    auto poll = loop::Poll::open_socket(loop, fds[0], &error);
    REQUIRE(poll);
    CHECK(poll->fd() == fds[0]);
    int readable = 0;
    REQUIRE(poll->start(UV_READABLE, [&](int status, int events) {
        CHECK(status == 0);
        CHECK((events & UV_READABLE) != 0);
        char c;
        CHECK(::read(fds[0], &c, 1) == 1);
        ++readable;
        poll->stop();
        poll.reset();
    }) == 0);
    CHECK(::write(fds[1], "x", 1) == 1);
    loop.run();
    CHECK(readable == 1);
    ::close(fds[0]);
    ::close(fds[1]);
    CHECK(loop.close() == 0);

    auto bad = loop::Poll::open_socket(loop, -1, &error);
    CHECK_FALSE(bad);
    CHECK(error < 0);
}

TEST_SUITE_END();
