#pragma once
// TLS on the client side over any byte stream the loop carries: OpenSSL with memory BIOs,
// so that OpenSSL never touches a socket. The caller moves ciphertext between the
// session and its connection (loop::Tcp): what arrived goes in with feed(), what must be
// sent comes out of take_output(). Verification is on unless asked otherwise; the
// server's name is sent (SNI) and checked against its certificate. TLS 1.2 and 1.3 only,
// and a server's request to renegotiate is refused (as Go's and rustls' clients do):
// renegotiation is how TLS 1.2 attacks began, and no API needs it.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

struct ssl_ctx_st;
struct ssl_st;
struct bio_st;
struct ssl_session_st;

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

// gaia's rules for every client TLS context, its own and libcurl's: TLS 1.2 at least, and
// no renegotiation.
void apply_client_policy(ssl_ctx_st* ctx);

// What sessions of one kind of connection share: the trust store is read once.
class TlsContext {
public:
    struct Options {
        bool verify = true;
        std::string ca_file;  // empty: the system's trust store
        // Protocols offered by ALPN, preferred first ("http/1.1"); none when empty.
        std::vector<std::string> alpn;
        // Keep the last session of each key a TlsSession names, so that the next
        // connection with that key resumes it (an abbreviated handshake: no certificate
        // sent or verified again, one round trip less with TLS 1.2).
        bool resume = false;
    };
    // Null and *error when OpenSSL cannot set it up (an unreadable ca_file).
    static std::shared_ptr<TlsContext> create(const Options& options, std::string* error);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    ssl_ctx_st* get() const noexcept { return ctx_; }
    bool verifies() const noexcept { return verify_; }

    // A session to resume for `key` (null: none), owned by the caller — a TLS 1.3 one
    // leaves the context, to be used once; and one more a server gave for `key`.
    ssl_session_st* take_session(const std::string& key);
    void remember(const std::string& key, ssl_session_st* session);  // takes it over
    std::size_t sessions() const noexcept;  // kept now, for all keys

private:
    TlsContext(ssl_ctx_st* ctx, bool verify) : ctx_(ctx), verify_(verify) {}
    ssl_ctx_st* ctx_;
    bool verify_;
    // The newest sessions of each key ("host:port"; a TLS 1.3 server gives two tickets per
    // connection), for at most kMaxHosts keys: a run that meets more hosts forgets some.
    static constexpr std::size_t kSessionsPerHost = 16;
    static constexpr std::size_t kMaxHosts = 1024;
    std::unordered_map<std::string, std::deque<ssl_session_st*>> sessions_;
};

// The contexts of one owner (the lean HTTP engine, the tcp kind), one per trust setting:
// a connection made without verification must never serve one that asked for it.
class TlsContexts {
public:
    // `base` gives what every context of this owner shares (ALPN, resumption).
    explicit TlsContexts(TlsContext::Options base = {}) : base_(std::move(base)) {}
    // Null and *error when the context cannot be made (an unreadable ca_file).
    std::shared_ptr<TlsContext> get(bool verify, const std::string& ca_file, std::string* error);

private:
    TlsContext::Options base_;
    std::map<std::pair<bool, std::string>, std::shared_ptr<TlsContext>> contexts_;
};

class TlsSession {
public:
    // `host` is what the connection was asked for: sent as SNI (unless it is an IP address)
    // and checked against the certificate's names (or IP addresses). With a context that
    // resumes, `session_key` names the sessions this one may resume and leaves behind.
    TlsSession(std::shared_ptr<TlsContext> context, const std::string& host, std::string session_key = {});
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
    // The same, appended to `plain` (a buffer the caller reuses); returns the bytes added.
    std::size_t read_into(std::string& plain);
    // Ciphertext to send to the peer, if any.
    std::string take_output();

    State state() const noexcept { return state_; }
    // Why the session failed: the certificate's verification error in words, or OpenSSL's.
    const std::string& error() const noexcept { return error_; }

    // After the handshake: the protocol, the cipher and the peer's certificate.
    TlsFacts facts() const { return tls_facts(ssl_); }
    // After the handshake: whether it resumed an earlier session, and what ALPN chose.
    bool resumed() const;
    std::string alpn() const;

private:
    friend class TlsContext;  // installs on_new_session
    void fail(int ssl_error);
    static int on_new_session(ssl_st* ssl, ssl_session_st* session);
    static void on_message(int write_p, int version, int content_type, const void* buf, std::size_t len, ssl_st* ssl,
                           void* arg);

    std::shared_ptr<TlsContext> context_;
    std::string session_key_;
    std::string host_;
    bool renegotiation_asked_ = false;
    ssl_st* ssl_ = nullptr;
    bio_st* in_ = nullptr;   // ciphertext from the peer (owned by ssl_)
    bio_st* out_ = nullptr;  // ciphertext for the peer (owned by ssl_)
    State state_ = State::handshaking;
    std::string error_;
};

}  // namespace gaia::net
