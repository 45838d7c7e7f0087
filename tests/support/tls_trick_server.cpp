#include "tests/support/tls_trick_server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace gaia::test {

TlsTrickServer::TlsTrickServer(Trick trick, const std::string& cert, const std::string& key) : trick_(trick) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (ctx_ == nullptr) throw std::runtime_error("SSL_CTX_new failed");
    if (trick_ == Trick::renegotiate) SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);  // 1.3 has no renegotiation
    if (SSL_CTX_use_certificate_chain_file(ctx_, cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        SSL_CTX_free(ctx_);
        throw std::runtime_error("the trick server cannot load " + cert);
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const std::string why = std::strerror(errno);
        if (fd_ >= 0) ::close(fd_);
        SSL_CTX_free(ctx_);
        throw std::runtime_error("the trick server cannot listen: " + why);
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
}

TlsTrickServer::~TlsTrickServer() {
    ::shutdown(fd_, SHUT_RDWR);  // accept() returns: the thread ends
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
}

void TlsTrickServer::serve() {
    for (;;) {
        const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR) continue;
            return;
        }
        // A client that goes quiet cannot hold the thread (and the test's end) for long.
        timeval limit{1, 0};
        ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        one(client);
        ::close(client);
        ++served_;
    }
}

void TlsTrickServer::one(int fd) {
    if (trick_ == Trick::close_in_handshake) {
        char hello[4096];
        (void)::recv(fd, hello, sizeof hello, 0);
        return;
    }
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    char request[4096];
    if (SSL_accept(ssl) == 1 && SSL_read(ssl, request, sizeof request) > 0) {
        SSL_renegotiate(ssl);
        SSL_do_handshake(ssl);  // sends the HelloRequest
        // A client that agrees renegotiates as it reads; one that refuses sends an alert,
        // and this read fails.
        char more[256];
        const int n = SSL_read(ssl, more, sizeof more);
        if (n > 0 || (SSL_get_error(ssl, n) == SSL_ERROR_WANT_READ && SSL_renegotiate_pending(ssl) == 0)) {
            static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nrenegotiated";
            SSL_write(ssl, reply, sizeof reply - 1);
        }
    }
    ERR_clear_error();
    SSL_free(ssl);
}

}  // namespace gaia::test
