#pragma once
// What every HTTP engine of the API pool does, whichever library is underneath: libcurl
// (CurlEngine: TLS, HTTP/2, proxies, streaming to and from files) or the lean HTTP/1.1
// engine for plain http:// (LeanEngine). One request and one response type, and one
// conformance test suite (tests/jobs/http/engine_conformance_test.cpp) run against each.
// An engine makes one exchange: a redirect is a response like any other, and the task
// follows it (jobs/http/redirect.hpp), through the pool's limits and DNS cache, on
// whichever engine the next URL needs.

#include "core/loop/atomic_writer.hpp"
#include "core/net/tls.hpp"
#include "core/text/ascii.hpp"
#include "jobs/http/body_stream.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gaia::jobs::http {

// Bounds both engines keep, so that they behave the same.
inline constexpr std::size_t kMaxResponseHeaders = 256;  // kept for expectations and captures

// Header names compare without case.
using text::iequals;

enum class HttpVersion { any, http1_1, http2 };

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
    std::shared_ptr<BodyStream> body_stream;         // streamed instead of `body`, already open
    std::shared_ptr<loop::AtomicWriter> save_to;     // the response body also streams here
    HttpVersion version = HttpVersion::any;
    bool insecure = false;               // TLS verification stays on unless asked
    std::uint64_t timeout_ms = 0;        // 0: none (the scheduler's attempt timeout still applies)
    std::size_t body_cap = 1u << 20;     // response bytes kept in memory
    // Content codings to ask for and decode ("gzip, br"); empty: ask for none, decode none.
    std::string accept_encoding;
    // A content-encoded response that is not saved fails once it decodes to more than this:
    // a small compressed body can expand without bound (a compression bomb).
    std::uint64_t max_decoded = 64u << 20;
    // Set by the network coordinator: the URL host's addresses from its DNS cache (port 0;
    // empty: the engine resolves), a proxy, a CA bundle.
    std::vector<sockaddr_storage> addresses;
    std::string proxy;
    std::string ca_file;
    // Authentication libcurl does itself (Basic and Bearer are plain headers): Digest
    // answers the server's challenge, AWS SigV4 signs the request (`provider` is
    // libcurl's "aws:amz:REGION:SERVICE"; user and password are the key and the secret).
    struct Auth {
        enum class Scheme { none, digest, aws_sigv4 };
        Scheme scheme = Scheme::none;
        std::string user, password, provider;
    };
    Auth auth;
    // A client certificate for https (PEM files; the key maybe encrypted).
    std::string cert, key, key_password;
};

struct HttpResponse {
    std::string error;                   // empty when the transfer completed
    std::string url;                     // the request's URL: what answered
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // of the final response
    std::string body;                    // at most body_cap bytes
    bool body_truncated = false;
    std::uint64_t bytes_received = 0;
    double total_s = 0;
    std::string http_version;            // of the final response: "1.1", "2"
    std::optional<net::TlsFacts> tls;    // https: what the connection showed

    // The first header of that name (any case), or null.
    const std::string* header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (iequals(key, name)) return &value;
        }
        return nullptr;
    }
};

class HttpEngine {
public:
    using Done = std::function<void(HttpResponse)>;

    virtual ~HttpEngine() = default;
    // Starts a transfer; `done` comes on a later loop turn, never from inside start().
    // Returns the transfer's id.
    virtual std::uint64_t start(HttpRequest request, Done done) = 0;
    // Drops a transfer: its `done` is not called.
    virtual void cancel(std::uint64_t id) = 0;
    virtual std::size_t in_flight() const noexcept = 0;
    // Cancels everything and releases the handles; the engine is unusable afterwards.
    virtual void close() = 0;
    virtual const char* name() const noexcept = 0;
};

}  // namespace gaia::jobs::http
