#pragma once
// A TLS server on 127.0.0.1 that misbehaves in ways nginx cannot be made to: it closes
// the connection in the middle of the handshake, or asks the client to renegotiate (TLS
// 1.2's HelloRequest) once the request is in. OpenSSL in a thread of the test, one
// connection at a time.

#include <openssl/types.h>

#include <atomic>
#include <string>
#include <thread>

namespace gaia::test {

class TlsTrickServer {
public:
    enum class Trick {
        close_in_handshake,  // reads the ClientHello, then closes
        renegotiate,         // TLS 1.2; after the request, a HelloRequest; answers 200 only if renegotiated
    };
    // cert and key: PEM files (see loopback_certificate()).
    TlsTrickServer(Trick trick, const std::string& cert, const std::string& key);
    ~TlsTrickServer();
    TlsTrickServer(const TlsTrickServer&) = delete;
    TlsTrickServer& operator=(const TlsTrickServer&) = delete;

    std::string url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port_) + path; }
    // Connections it has finished with.
    int served() const noexcept { return served_.load(); }

private:
    void serve();
    void one(int fd);

    Trick trick_;
    SSL_CTX* ctx_ = nullptr;
    int port_ = 0;
    int fd_ = -1;
    std::atomic<int> served_{0};
    std::thread thread_;
};

}  // namespace gaia::test
