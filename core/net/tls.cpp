#include "core/net/tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <memory>

namespace gaia::net {
namespace {

// OpenSSL's oldest queued error in words, and the queue emptied.
std::string openssl_error(const char* fallback) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return fallback;
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

bool is_ip_address(const std::string& host) {
    unsigned char buffer[sizeof(in6_addr)];
    return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

void apply_client_policy(SSL_CTX* ctx) {
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
}

std::shared_ptr<TlsContext> TlsContext::create(const Options& options, std::string* error) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) {
        *error = openssl_error("cannot create a TLS context");
        return nullptr;
    }
    apply_client_policy(ctx);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (!options.alpn.empty()) {
        std::string wire;  // ALPN's wire format: each name after its length byte
        for (const auto& name : options.alpn) {
            wire += static_cast<char>(name.size());
            wire += name;
        }
        // Unlike the rest of OpenSSL, 0 is success here.
        if (SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                                    static_cast<unsigned>(wire.size())) != 0) {
            *error = openssl_error("cannot set the ALPN protocols");
            SSL_CTX_free(ctx);
            return nullptr;
        }
    }
    if (options.resume) {
        // Sessions are kept by this context, per key, not in OpenSSL's cache (which
        // a client never looks up by itself).
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx, &TlsSession::on_new_session);
    }
    if (options.verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
        const int loaded = options.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                                   : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
        if (loaded != 1) {
            *error = (options.ca_file.empty() ? std::string("the system's trust store") : "ca_file " + options.ca_file) +
                     ": " + openssl_error("cannot be read");
            SSL_CTX_free(ctx);
            return nullptr;
        }
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    }
    return std::shared_ptr<TlsContext>(new TlsContext(ctx, options.verify));
}

TlsContext::~TlsContext() {
    for (auto& [key, kept] : sessions_) {
        for (SSL_SESSION* session : kept) SSL_SESSION_free(session);
    }
    SSL_CTX_free(ctx_);
}

std::shared_ptr<TlsContext> TlsContexts::get(bool verify, const std::string& ca_file, std::string* error) {
    auto& context = contexts_[{verify, ca_file}];
    if (!context) {
        TlsContext::Options options = base_;
        options.verify = verify;
        options.ca_file = ca_file;
        context = TlsContext::create(options, error);
    }
    return context;
}

SSL_SESSION* TlsContext::take_session(const std::string& key) {
    auto it = sessions_.find(key);
    if (it == sessions_.end()) return nullptr;
    auto& kept = it->second;
    while (!kept.empty()) {
        SSL_SESSION* newest = kept.back();
        if (!SSL_SESSION_is_resumable(newest)) {
            kept.pop_back();
            SSL_SESSION_free(newest);
            continue;
        }
        // A TLS 1.3 ticket is used once (RFC 8446, C.4: servers may refuse a second use,
        // and a reused ticket links two connections); a TLS 1.2 session serves them all.
        if (SSL_SESSION_get_protocol_version(newest) >= TLS1_3_VERSION) kept.pop_back();
        else SSL_SESSION_up_ref(newest);
        return newest;
    }
    return nullptr;
}

void TlsContext::remember(const std::string& key, SSL_SESSION* session) {
    auto it = sessions_.find(key);
    if (it == sessions_.end()) {
        if (sessions_.size() >= kMaxHosts) {
            for (SSL_SESSION* old : sessions_.begin()->second) SSL_SESSION_free(old);
            sessions_.erase(sessions_.begin());
        }
        it = sessions_.emplace(key, std::deque<SSL_SESSION*>{}).first;
    }
    auto& kept = it->second;
    kept.push_back(session);
    if (kept.size() > kSessionsPerHost) {
        SSL_SESSION_free(kept.front());
        kept.pop_front();
    }
}

std::size_t TlsContext::sessions() const noexcept {
    std::size_t n = 0;
    for (const auto& [key, kept] : sessions_) n += kept.size();
    return n;
}

int TlsSession::on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* self = static_cast<TlsSession*>(SSL_get_ex_data(ssl, 0));  // SSL_get_app_data()
    if (self == nullptr || self->session_key_.empty()) return 0;  // not taken: OpenSSL frees it
    self->context_->remember(self->session_key_, session);
    return 1;
}

// Notes a server's HelloRequest (TLS 1.2's "renegotiate now"), so that the failure that
// follows our refusal says what happened rather than "handshake failure".
void TlsSession::on_message(int write_p, int, int content_type, const void* buf, std::size_t len, SSL*, void* arg) {
    if (write_p == 0 && content_type == SSL3_RT_HANDSHAKE && len > 0 &&
        static_cast<const unsigned char*>(buf)[0] == SSL3_MT_HELLO_REQUEST) {
        static_cast<TlsSession*>(arg)->renegotiation_asked_ = true;
    }
}

TlsSession::TlsSession(std::shared_ptr<TlsContext> context, const std::string& host, std::string session_key)
    : context_(std::move(context)), session_key_(std::move(session_key)), host_(host) {
    ssl_ = SSL_new(context_->get());
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    if (ssl_ == nullptr || in_ == nullptr || out_ == nullptr) {
        if (in_) BIO_free(in_);
        if (out_) BIO_free(out_);
        in_ = out_ = nullptr;
        state_ = State::failed;
        error_ = openssl_error("cannot create a TLS session");
        return;
    }
    BIO_set_mem_eof_return(in_, -1);  // no data yet is "try again", not end of stream
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_connect_state(ssl_);
    SSL_set_ex_data(ssl_, 0, this);  // SSL_set_app_data(), for on_new_session
    SSL_set_msg_callback(ssl_, &TlsSession::on_message);
    SSL_ctrl(ssl_, SSL_CTRL_SET_MSG_CALLBACK_ARG, 0, this);  // SSL_set_msg_callback_arg(), without its cast
    if (!session_key_.empty()) {
        if (SSL_SESSION* earlier = context_->take_session(session_key_)) {
            SSL_set_session(ssl_, earlier);  // takes a reference of its own
            SSL_SESSION_free(earlier);
        }
    }
    const bool ip = is_ip_address(host);
    // SSL_set_tlsext_host_name(), without the macro's C cast.
    if (!ip) SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
    if (context_->verifies()) {
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (ip) X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
        else X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    }
}

TlsSession::~TlsSession() {
    if (!ssl_) return;
    // OpenSSL forgets the session of a connection freed without a close_notify (it might
    // have been cut by an attacker). A connection that ends here on purpose, healthy — an
    // idle one dropped, one whose response is complete — keeps its session resumable.
    if (state_ == State::established || state_ == State::closed) SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN);
    SSL_free(ssl_);  // frees both BIOs
}

void TlsSession::feed(std::string_view ciphertext) {
    if (in_ && !ciphertext.empty()) BIO_write(in_, ciphertext.data(), static_cast<int>(ciphertext.size()));
}

void TlsSession::fail(int ssl_error) {
    state_ = State::failed;
    if (renegotiation_asked_) {
        error_ = "the server asked to renegotiate TLS, which gaia refuses (" + openssl_error("connection closed") + ")";
        return;
    }
    const long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK) {
        error_ = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
        if (verify == X509_V_ERR_HOSTNAME_MISMATCH) error_ += " (the certificate is not for host name '" + host_ + "')";
        if (verify == X509_V_ERR_IP_ADDRESS_MISMATCH) error_ += " (the certificate is not for " + host_ + ")";
        ERR_clear_error();
        return;
    }
    if (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN) {
        error_ = openssl_error("the peer closed the connection during the TLS handshake");
        return;
    }
    error_ = openssl_error("TLS handshake failed");
}

TlsSession::State TlsSession::advance() {
    if (state_ != State::handshaking) return state_;
    const int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
        state_ = State::established;
        return state_;
    }
    const int why = SSL_get_error(ssl_, rc);
    if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) fail(why);
    return state_;
}

bool TlsSession::write(std::string_view plaintext) {
    if (state_ != State::established) return false;
    if (plaintext.empty()) return true;
    const int rc = SSL_write(ssl_, plaintext.data(), static_cast<int>(plaintext.size()));
    if (rc <= 0) {
        fail(SSL_get_error(ssl_, rc));
        return false;
    }
    return true;
}

std::string TlsSession::read() {
    std::string plain;
    read_into(plain);
    return plain;
}

std::size_t TlsSession::read_into(std::string& plain) {
    if (state_ != State::established) return 0;
    const std::size_t start = plain.size();
    constexpr std::size_t kRecord = 16384;  // the largest TLS record's plaintext
    for (;;) {
        // Decrypted straight into the caller's buffer: no copy on the way.
        const std::size_t at = plain.size();
        plain.resize(at + kRecord);
        const int n = SSL_read(ssl_, plain.data() + at, static_cast<int>(kRecord));
        plain.resize(at + static_cast<std::size_t>(n > 0 ? n : 0));
        if (n > 0) continue;
        const int why = SSL_get_error(ssl_, n);
        if (why == SSL_ERROR_ZERO_RETURN) state_ = State::closed;
        else if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) fail(why);
        return plain.size() - start;
    }
}

bool TlsSession::resumed() const { return ssl_ != nullptr && SSL_session_reused(ssl_) == 1; }

std::string TlsSession::alpn() const {
    const unsigned char* name = nullptr;
    unsigned length = 0;
    if (ssl_ != nullptr) SSL_get0_alpn_selected(ssl_, &name, &length);
    return name == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(name), length);
}

std::string TlsSession::take_output() {
    std::string out;
    if (!out_) return out;
    char* data = nullptr;
    // BIO_get_mem_data() and BIO_reset(), without the macros' C casts.
    const long n = BIO_ctrl(out_, BIO_CTRL_INFO, 0, &data);
    if (n > 0) {
        out.assign(data, static_cast<std::size_t>(n));
        BIO_ctrl(out_, BIO_CTRL_RESET, 0, nullptr);
    }
    return out;
}

namespace {

std::string one_line(const X509_NAME* name) {
    BIO* out = BIO_new(BIO_s_mem());
    if (out == nullptr) return {};
    X509_NAME_print_ex(out, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    const long length = BIO_ctrl(out, BIO_CTRL_INFO, 0, &data);  // BIO_get_mem_data, without its C cast
    std::string text(data != nullptr && length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string());
    BIO_free(out);
    return text;
}

}  // namespace

std::optional<double> days_left(std::optional<std::int64_t> expiry, std::int64_t now) {
    if (!expiry) return std::nullopt;
    return std::round(static_cast<double>(*expiry - now) / 864.0) / 100.0;
}

std::string check_client_certificate(const std::string& cert_file, const std::string& key_file,
                                     const std::string& password) {
    ERR_clear_error();
    std::unique_ptr<BIO, decltype(&BIO_free)> cert_in(BIO_new_file(cert_file.c_str(), "r"), &BIO_free);
    if (!cert_in) return "cannot read the certificate " + cert_file + ": " + std::strerror(errno);
    std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(cert_in.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!cert) return "the certificate " + cert_file + " is not a PEM certificate (" + openssl_error("unreadable") + ")";
    std::unique_ptr<BIO, decltype(&BIO_free)> key_in(BIO_new_file(key_file.c_str(), "r"), &BIO_free);
    if (!key_in) return "cannot read the key " + key_file + ": " + std::strerror(errno);
    // Without a password, an encrypted key must fail, not prompt on the terminal.
    struct Password {
        const std::string* text;
        bool asked = false;
    } given{&password};
    auto callback = [](char* buffer, int size, int, void* user) -> int {
        auto* p = static_cast<Password*>(user);
        p->asked = true;
        if (p->text->empty() || p->text->size() > static_cast<std::size_t>(size)) return -1;
        std::memcpy(buffer, p->text->data(), p->text->size());
        return static_cast<int>(p->text->size());
    };
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_bio_PrivateKey(key_in.get(), nullptr, callback, &given),
                                                           &EVP_PKEY_free);
    if (!key) {
        ERR_clear_error();
        if (given.asked && password.empty()) return "the key " + key_file + " is encrypted: set key_password";
        if (given.asked) return "the key " + key_file + " does not open with key_password (a wrong password?)";
        return "the key " + key_file + " is not a PEM private key";
    }
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        return "the key " + key_file + " does not match the certificate " + cert_file;
    }
    return {};
}

TlsFacts tls_facts(const ssl_st* ssl) {
    TlsFacts facts;
    if (ssl == nullptr) return facts;
    facts.version = SSL_get_version(ssl);
    if (const char* cipher = SSL_get_cipher_name(ssl)) facts.cipher = cipher;
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (cert == nullptr) return facts;
    facts.subject = one_line(X509_get_subject_name(cert));
    facts.issuer = one_line(X509_get_issuer_name(cert));
    std::tm tm{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) facts.expiry = static_cast<std::int64_t>(timegm(&tm));
    X509_free(cert);
    return facts;
}

}  // namespace gaia::net
