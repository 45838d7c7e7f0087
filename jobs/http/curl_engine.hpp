#pragma once
// libcurl's multi_socket interface driven by the event loop (DESIGN convention 7): one
// CURLM per loop, one timer, one poll handle per socket libcurl asks to watch, context
// passed through CURLMOPT_*DATA and CURLOPT_PRIVATE, and curl_multi_info_read drained
// after every action. libcurl is never called from inside one of its own callbacks, and
// a transfer never completes synchronously.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"

#include "core/loop/atomic_writer.hpp"
#include "jobs/http/body_file.hpp"
#include "jobs/http/curl_library.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gaia::jobs::http {

enum class HttpVersion { any, http1_1, http2 };

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
    std::shared_ptr<BodyFile> body_file;             // streamed instead of `body`, already open
    std::shared_ptr<loop::AtomicWriter> save_to;     // the response body also streams here
    HttpVersion version = HttpVersion::any;
    bool follow_redirects = true;
    bool insecure = false;               // TLS verification stays on unless asked
    std::uint64_t timeout_ms = 0;        // 0: none (the scheduler's attempt timeout still applies)
    std::size_t body_cap = 1u << 20;     // response bytes kept in memory
    // Content codings to ask for and decode ("gzip, br"); empty: ask for none, decode none.
    std::string accept_encoding;
    // A content-encoded response that is not saved fails once it decodes to more than this:
    // a small compressed body can expand without bound (a compression bomb).
    std::uint64_t max_decoded = 64u << 20;
};

struct HttpResponse {
    CURLcode code = CURLE_OK;
    std::string error;                   // empty when the transfer completed
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // of the final response
    std::string body;                    // at most body_cap bytes
    bool body_truncated = false;
    std::uint64_t bytes_received = 0;
    double total_s = 0;
    std::string http_version;            // of the final response: "1.1", "2"
};

class CurlEngine {
public:
    using Done = std::function<void(HttpResponse)>;

    // Throws std::runtime_error when libcurl cannot be loaded.
    explicit CurlEngine(loop::Loop& loop);
    ~CurlEngine();
    CurlEngine(const CurlEngine&) = delete;
    CurlEngine& operator=(const CurlEngine&) = delete;

    // Starts a transfer; `done` comes on a later loop turn. Returns its id.
    std::uint64_t start(HttpRequest request, Done done);
    // Drops a transfer: its `done` is not called.
    void cancel(std::uint64_t id);
    std::size_t in_flight() const noexcept { return transfers_.size(); }
    // Cancels everything and releases the handles; the engine is unusable afterwards.
    void close();

private:
    class SocketPoll;
    struct Transfer;

    static int on_curl_socket(CURL* easy, curl_socket_t fd, int what, void* engine, void* socket_poll);
    static int on_curl_timer(CURLM* multi, long timeout_ms, void* engine);
    void on_socket_ready(curl_socket_t fd, int uv_events, int status);
    void drain_messages();
    void finish(Transfer* t, CURLcode code);
    void resume(std::uint64_t id);
    static std::size_t on_curl_write(char* data, std::size_t size, std::size_t count, void* transfer);
    static std::size_t on_curl_header(char* data, std::size_t size, std::size_t count, void* transfer);
    static std::size_t on_curl_read(char* buffer, std::size_t size, std::size_t count, void* transfer);

    loop::Loop& loop_;
    CURLM* multi_ = nullptr;
    loop::HandlePtr<loop::Timer> timer_;
    std::map<curl_socket_t, loop::HandlePtr<SocketPoll>> sockets_;
    std::map<std::uint64_t, std::unique_ptr<Transfer>> transfers_;
    std::uint64_t next_id_ = 1;
};

}  // namespace gaia::jobs::http
