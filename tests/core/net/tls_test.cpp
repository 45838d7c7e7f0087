// TLS sessions over loop::Tcp against a real nginx on loopback (its certificate made by
// the test), and the network coordinator's room for connections.

#include "core/loop/tcp.hpp"
#include "core/metrics/registry.hpp"
#include "core/net/network.hpp"
#include "core/net/tls.hpp"
#include "tests/support/nginx_server.hpp"

#include <doctest/doctest.h>

#include <ctime>

using namespace gaia;

namespace {

net::TlsContext::Options trust(bool verify, std::string ca_file) {
    net::TlsContext::Options options;
    options.verify = verify;
    options.ca_file = std::move(ca_file);
    return options;
}

struct Handshake {
    net::TlsSession::State state = net::TlsSession::State::handshaking;
    std::string error, version, reply, subject, issuer, cipher, alpn;
    std::optional<std::int64_t> expiry;
    bool resumed = false;
};

// Connects to nginx's TLS port as `host`, shakes hands, sends a request and reads the reply.
Handshake shake(const test::NginxServer& nginx, std::shared_ptr<net::TlsContext> context, const std::string& host,
                const std::string& session_key = {}) {
    const auto url = nginx.https_url("/hello.txt");
    const int port = std::stoi(url.substr(url.rfind(':') + 1));
    loop::Loop loop;
    sockaddr_storage address{};
    uv_ip4_addr("127.0.0.1", port, reinterpret_cast<sockaddr_in*>(&address));
    auto tcp = loop::Tcp::create(loop);
    net::TlsSession tls(std::move(context), host, session_key);
    Handshake out;
    auto flush = [&] {
        if (auto bytes = tls.take_output(); !bytes.empty()) tcp->write(std::move(bytes));
    };
    auto done = [&] {
        out.state = tls.state();
        out.error = tls.error();
        tcp.reset();
    };
    auto on_data = [&](std::string_view ciphertext) {
        tls.feed(ciphertext);
        const bool was_handshaking = tls.state() == net::TlsSession::State::handshaking;
        tls.advance();
        if (tls.state() == net::TlsSession::State::failed) return done();
        if (was_handshaking && tls.state() == net::TlsSession::State::established) {
            const auto facts = tls.facts();
            out.version = facts.version;
            out.expiry = facts.expiry;
            out.subject = facts.subject;
            out.issuer = facts.issuer;
            out.cipher = facts.cipher;
            out.resumed = tls.resumed();
            out.alpn = tls.alpn();
            tls.write("GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        }
        out.reply += tls.read();
        flush();
        if (out.reply.find("hello, gaia") != std::string::npos) done();
    };
    REQUIRE(tcp->connect(reinterpret_cast<const sockaddr&>(address), [&](int status) {
        REQUIRE(status == 0);
        tcp->read_start(on_data, [&](int) { done(); });
        tls.advance();  // the ClientHello
        flush();
    }) == 0);
    loop.run();
    CHECK(loop.close() == 0);
    return out;
}

}  // namespace

TEST_CASE("tls: a handshake verified against the test's CA, its version, cipher and the certificate's names and expiry") {
    test::NginxServer nginx;
    std::string error;
    auto trusting = net::TlsContext::create(trust(true, nginx.certificate()), &error);
    REQUIRE_MESSAGE(trusting, error);
    auto ok = shake(nginx, trusting, "localhost");
    CHECK(ok.error.empty());
    CHECK(ok.version.rfind("TLSv1.", 0) == 0);
    CHECK(ok.reply.find("HTTP/1.1 200 OK") == 0);
    REQUIRE(ok.expiry);
    const auto in = *ok.expiry - std::time(nullptr);
    CHECK(in > 23 * 3600);  // the test's certificate is made for one day
    CHECK(in <= 24 * 3600 + 60);
    // Self-signed: the subject is its own issuer.
    CHECK(ok.subject == "CN=localhost");
    CHECK(ok.issuer == "CN=localhost");
    CHECK_FALSE(ok.cipher.empty());
    const std::int64_t expiry = 1'000'000 + 86'400 * 3 / 2;
    CHECK(*net::days_left(expiry, 1'000'000) == doctest::Approx(1.5));
    CHECK(*net::days_left(expiry, 1'000'000 + 86'400 * 2) == doctest::Approx(-0.5));
    CHECK_FALSE(net::days_left(std::nullopt, 0));
    CHECK(shake(nginx, trusting, "127.0.0.1").error.empty());  // the certificate names the IP address too

    // Another name than the certificate's, and the system's trust store: refused, and said why.
    auto wrong_name = shake(nginx, trusting, "example.test");
    CHECK(wrong_name.state == net::TlsSession::State::failed);
    CHECK(wrong_name.error.find("certificate verify failed: hostname mismatch") == 0);
    auto system = net::TlsContext::create(trust(true, ""), &error);
    REQUIRE(system);
    auto untrusted = shake(nginx, system, "localhost");
    CHECK(untrusted.state == net::TlsSession::State::failed);
    CHECK(untrusted.error.find("certificate verify failed: self") == 0);
    // Without verification the same handshake passes.
    auto insecure = net::TlsContext::create(trust(false, ""), &error);
    CHECK(shake(nginx, insecure, "example.test").error.empty());

    CHECK_FALSE(net::TlsContext::create(trust(true, "/nonexistent/ca.pem"), &error));
    CHECK(error.find("ca_file /nonexistent/ca.pem: ") == 0);
}

TEST_CASE("tls: ALPN, and a session resumed by the next connection to the same host") {
    test::NginxServer nginx;
    std::string error;
    auto shared = trust(true, "");
    shared.alpn = {"http/1.1"};
    shared.resume = true;
    net::TlsContexts contexts(shared);
    auto context = contexts.get(true, nginx.certificate(), &error);
    REQUIRE_MESSAGE(context, error);
    CHECK(contexts.get(true, nginx.certificate(), &error) == context);  // one per trust setting
    CHECK(contexts.get(false, nginx.certificate(), &error) != context);
    auto first = shake(nginx, context, "localhost", "localhost:443");
    CHECK(first.error.empty());
    CHECK_FALSE(first.resumed);
    CHECK(first.alpn == "http/1.1");  // nginx speaks h2 too: what was offered is what it chose
    const auto kept = context->sessions();  // TLS 1.3: nginx gives two tickets per connection
    CHECK(kept >= 1);
    auto second = shake(nginx, context, "localhost", "localhost:443");
    CHECK(second.error.empty());
    CHECK(second.resumed);
    CHECK(second.subject == "CN=localhost");  // the facts of the resumed session still name the certificate
    // Another key does not resume this host's session.
    auto other = shake(nginx, context, "localhost", "other:443");
    CHECK_FALSE(other.resumed);
    CHECK(first.version == "TLSv1.3");
}

TEST_CASE("network: room for one more connection under max_connections, and a retry when one closes") {
    loop::Loop loop;
    metrics::Registry registry;
    jobfile::NetworkSettings settings;
    settings.max_connections = 1;
    net::Network network(loop, registry, settings);
    int retries = 0;
    CHECK(network.room_for_connection([&] { ++retries; }));
    network.connection_opened();
    CHECK_FALSE(network.room_for_connection([&] { ++retries; }));
    network.connection_closed();
    CHECK(retries == 0);  // on a later turn
    loop.run();
    CHECK(retries == 1);
    CHECK(network.room_for_connection([&] { ++retries; }));
    network.close();
    CHECK(loop.close() == 0);
}
