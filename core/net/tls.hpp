#pragma once
// TLS on the client side over any byte stream the loop carries: OpenSSL with memory BIOs,
// so that OpenSSL never touches a socket. The caller moves ciphertext between the
// session and its connection (loop::Tcp): what arrived goes in with feed(), what must be
// sent comes out of take_output(). Verification is on unless asked otherwise; the
// server's name is sent (SNI) and checked against its certificate.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct ssl_ctx_st;
struct ssl_st;
struct bio_st;

namespace gaia::net {

// What a TLS connection showed: for reports, captures and the certificate-expiry metric.
struct TlsFacts {
    std::string version;  // "TLSv1.3"
    std::string cipher;   // "TLS_AES_256_GCM_SHA384"
    std::string subject;  // the peer certificate's, one line as RFC 2253 writes it: "CN=localhost,O=Example"
    std::string issuer;
    std::optional<std::int64_t> expiry;  // its notAfter, seconds since the epoch
};

// Days from `now` until `expiry`, to two decimals (negative once expired).
std::optional<double> days_left(std::optional<std::int64_t> expiry, std::int64_t now);

// The facts of an established session (OpenSSL's SSL*, also libcurl's CURLINFO_TLS_SSL_PTR).
TlsFacts tls_facts(const ssl_st* ssl);

// Whether a client certificate and its key (PEM files; the key maybe encrypted with
// `password`) can be used together: empty, or what is wrong in words a user can act on
// (a file that cannot be read, a wrong or missing password, a key of another certificate).
std::string check_client_certificate(const std::string& cert_file, const std::string& key_file,
                                     const std::string& password);

// What sessions of one kind of connection share: the trust store is read once.
class TlsContext {
public:
    struct Options {
        bool verify = true;
        std::string ca_file;  // empty: the system's trust store
    };
    // Null and *error when OpenSSL cannot set it up (an unreadable ca_file).
    static std::shared_ptr<TlsContext> create(const Options& options, std::string* error);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    ssl_ctx_st* get() const noexcept { return ctx_; }
    bool verifies() const noexcept { return verify_; }

private:
    TlsContext(ssl_ctx_st* ctx, bool verify) : ctx_(ctx), verify_(verify) {}
    ssl_ctx_st* ctx_;
    bool verify_;
};

class TlsSession {
public:
    // `host` is what the connection was asked for: sent as SNI (unless it is an IP address)
    // and checked against the certificate's names (or IP addresses).
    TlsSession(std::shared_ptr<TlsContext> context, const std::string& host);
    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    enum class State { handshaking, established, failed, closed };

    // Ciphertext from the peer.
    void feed(std::string_view ciphertext);
    // Moves the handshake on (call after feed(), and once to begin); established once done.
    State advance();
    // Plaintext to send, once established; false when the session has failed.
    bool write(std::string_view plaintext);
    // Plaintext received so far (once established); empty when there is none yet. `state()`
    // tells a clean close_notify (closed) from a failure.
    std::string read();
    // Ciphertext to send to the peer, if any.
    std::string take_output();

    State state() const noexcept { return state_; }
    // Why the session failed: the certificate's verification error in words, or OpenSSL's.
    const std::string& error() const noexcept { return error_; }

    // After the handshake: the protocol, the cipher and the peer's certificate.
    TlsFacts facts() const { return tls_facts(ssl_); }

private:
    void fail(int ssl_error);

    std::shared_ptr<TlsContext> context_;
    ssl_st* ssl_ = nullptr;
    bio_st* in_ = nullptr;   // ciphertext from the peer (owned by ssl_)
    bio_st* out_ = nullptr;  // ciphertext for the peer (owned by ssl_)
    State state_ = State::handshaking;
    std::string error_;
};

}  // namespace gaia::net
