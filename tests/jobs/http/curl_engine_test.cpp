// The libcurl engine on a real loop against a real HTTP server on loopback (Python's
// http.server, started by the test). Every test ends with the loop closed cleanly.

#include "jobs/http/curl_engine.hpp"
#include "tests/support/subprocess.hpp"

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

namespace {

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

bool accepts(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

// python3 -m http.server serving a directory of the test's, on 127.0.0.1.
class FileServer {
public:
    FileServer() : port_(free_port()) {
        dir_.file("hello.txt", "hello, gaia\n");
        dir_.file("big.bin", std::string(3 << 20, 'x'));
        std::vector<std::string> args{"python3", "-m", "http.server", std::to_string(port_), "--bind", "127.0.0.1",
                                      "--directory", dir_.path().string()};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        REQUIRE(posix_spawnp(&pid_, "python3", &actions, nullptr, argv.data(), environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
        for (int i = 0; i < 500 && !accepts(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        REQUIRE(accepts(port_));
    }
    ~FileServer() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

private:
    test::TempDir dir_;
    int port_;
    pid_t pid_ = 0;
};

}  // namespace

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
