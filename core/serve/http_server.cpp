#include "core/serve/http_server.hpp"

#include "core/loop/lifetime.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/text/ip_endpoint.hpp"

#include <http_parser.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <deque>
#include <utility>

namespace gaia::serve {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

std::string HttpRequest::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

const char* status_text(int status) {
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

// One client connection: its socket, its parser, the requests parsed and not answered
// yet (answered strictly in order), and one timer for the header and idle limits.
class HttpServer::Connection {
public:
    Connection(HttpServer& server, loop::HandlePtr<loop::Tcp> tcp)
        : server_(&server), tcp_(std::move(tcp)), timer_(loop::Timer::create(server.loop_)) {
        http_parser_init(&parser_, HTTP_REQUEST);
        parser_.data = this;
    }

    void start() {
        peer_ = tcp_->peer_name();
        arm_idle();
        update_reading();
    }

    // Answers with a status of the server's own (a limit, a bad request) and closes —
    // after the answers to the requests that came before it, which were fine.
    void refuse(int status, const std::string& why) {
        if (refused_ || !server_) return;
        refused_ = true;
        update_reading();
        timer_->stop();
        refusal_.status = status;
        refusal_.body = why + "\n";
        send_refusal_when_due();
    }

    void send_refusal_when_due() {
        if (!refused_ || busy_ || !queue_.empty() || refusal_sent_) return;
        refusal_sent_ = true;
        write(refusal_, false, true);
    }

    // Closes the socket (no callback of it runs after this) and hands the connection to
    // the server to delete on a later turn: shut() may come from inside its own callbacks.
    void shut() {
        if (!server_) return;
        tcp_.reset();
        timer_.reset();
        std::exchange(server_, nullptr)->forget(this);
    }

private:
    // A request's first byte: its headers must all come within header_timeout.
    void begin_request() {
        if (in_request_ || !server_) return;
        in_request_ = true;
        arm(server_->limits_.header_timeout, [this] { refuse(408, "the request's headers took too long"); });
    }

    void consume(const char* data, std::size_t n) {
        begin_request();
        const std::size_t parsed = http_parser_execute(&parser_, &settings(), data, n);
        auto err = HTTP_PARSER_ERRNO(&parser_);
        if (err == HPE_PAUSED) {
            // max_pipelined requests wait for their answers (on_message_complete paused the
            // parser): the rest of this read is parsed as they go out, not all at once — a
            // read of 64 KiB can hold a thousand requests.
            held_.assign(data + parsed, n - parsed);
            http_parser_pause(&parser_, 0);
            err = HPE_OK;
        }
        if (refused_) {
            // A limit was hit in a callback: refuse() has the answer.
        } else if (err == HPE_HEADER_OVERFLOW) {
            refuse(431, "request headers too large");
        } else if (err != HPE_OK) {
            refuse(400, std::string("bad request: ") + http_errno_description(err));
        }
        // Requests parsed before a refusal were fine: they are answered first.
        dispatch();
        update_reading();
    }

    // Reads while the client may send more: not after a refusal, not while max_pipelined
    // requests wait for their answers, not while the client leaves max_unsent_bytes of
    // answers unread. What is not read waits in the kernel, and then in the client.
    void update_reading() {
        if (!server_) return;
        const bool want =
            !refused_ && !output_blocked_ && held_.empty() && queue_.size() < server_->limits_.max_pipelined;
        if (want == reading_) return;
        reading_ = want;
        if (!want) {
            tcp_->read_stop();
            return;
        }
        const int rc = tcp_->read_start([this](std::string_view data) { consume(data.data(), data.size()); },
                                        [this](int) { shut(); });  // the client went away: nothing to answer
        if (rc < 0) shut();
    }

    // The client has taken some of what was written: once it has read half of the
    // allowance, its waiting requests are answered and it is read again.
    void on_written() {
        if (!output_blocked_ || !server_) return;
        if (tcp_->write_queue_size() > server_->limits_.max_unsent_bytes / 2) {
            arm(server_->limits_.send_timeout, [this] { shut(); });  // it reads, if slowly: not stalled
            return;
        }
        output_blocked_ = false;
        timer_->stop();
        if (in_request_) {
            arm(server_->limits_.header_timeout, [this] { refuse(408, "the request's headers took too long"); });
        }
        schedule_next();
    }

    // The connection's next request is taken on a later loop turn: one request per
    // connection per turn, so that a client that pipelines cannot hold the loop (and
    // everyone else's answers) for the length of its backlog.
    void schedule_next() {
        if (next_posted_ || !server_) return;
        next_posted_ = true;
        server_->loop_.post(life_.guard([this] {
            next_posted_ = false;
            advance();
        }));
    }

    void advance() {
        if (!server_) return;
        if (output_blocked_) return update_reading();  // on_written resumes it
        if (!held_.empty() && !refused_ && queue_.size() < server_->limits_.max_pipelined) {
            const std::string data = std::move(held_);
            held_.clear();
            consume(data.data(), data.size());  // parses, dispatches, decides on reading
        } else {
            dispatch();
            update_reading();
        }
        if (!busy_ && queue_.empty() && held_.empty() && !in_request_ && !refused_ && !output_blocked_) arm_idle();
    }

    static const http_parser_settings& settings() {
        static const http_parser_settings s = [] {
            http_parser_settings p{};
            p.on_message_begin = [](http_parser* hp) {
                auto& c = of(hp);
                c.current_ = HttpRequest{};
                c.header_bytes_ = 0;
                c.field_.clear();
                c.value_.clear();
                c.in_value_ = false;
                c.begin_request();  // the next of several pipelined in one read
                return 0;
            };
            p.on_url = [](http_parser* hp, const char* at, std::size_t n) { return of(hp).add_header_bytes(n) ? (of(hp).url_.append(at, n), 0) : 1; };
            p.on_header_field = [](http_parser* hp, const char* at, std::size_t n) {
                auto& c = of(hp);
                if (c.in_value_) c.commit_header();
                // A new line counts its ": " and CRLF too: 500 tiny headers are not free.
                if (!c.add_header_bytes(n + (c.field_.empty() ? 4 : 0))) return 1;
                c.field_.append(at, n);
                return 0;
            };
            p.on_header_value = [](http_parser* hp, const char* at, std::size_t n) {
                auto& c = of(hp);
                if (!c.add_header_bytes(n)) return 1;
                c.in_value_ = true;
                c.value_.append(at, n);
                return 0;
            };
            p.on_headers_complete = [](http_parser* hp) {
                auto& c = of(hp);
                if (c.in_value_) c.commit_header();
                c.timer_->stop();
                if (hp->content_length != ULLONG_MAX && hp->content_length > c.server_->limits_.max_body_bytes) {
                    c.refuse(413, "request body too large");
                    return -1;  // an error: 1 would mean "no body" to http-parser
                }
                http_parser_url url{};
                http_parser_url_init(&url);
                if (http_parser_parse_url(c.url_.data(), c.url_.size(), 0, &url) != 0 || !(url.field_set & (1 << UF_PATH))) {
                    c.refuse(400, "bad request: the target is not a path");
                    return -1;
                }
                c.current_.path = c.url_.substr(url.field_data[UF_PATH].off, url.field_data[UF_PATH].len);
                if (url.field_set & (1 << UF_QUERY)) {
                    c.current_.query = c.url_.substr(url.field_data[UF_QUERY].off, url.field_data[UF_QUERY].len);
                }
                c.url_.clear();
                c.current_.method = http_method_str(static_cast<http_method>(hp->method));
                c.current_.peer = c.peer_;
                c.keep_alive_current_ = http_should_keep_alive(hp) != 0;
                return 0;
            };
            p.on_body = [](http_parser* hp, const char* at, std::size_t n) {
                auto& c = of(hp);
                if (c.current_.body.size() + n > c.server_->limits_.max_body_bytes) {
                    c.refuse(413, "request body too large");
                    return 1;
                }
                c.current_.body.append(at, n);
                return 0;
            };
            p.on_message_complete = [](http_parser* hp) {
                auto& c = of(hp);
                c.in_request_ = false;
                if (c.refused_) return -1;
                c.queue_.push_back({std::move(c.current_), c.keep_alive_current_});
                c.current_ = HttpRequest{};
                if (c.queue_.size() >= c.server_->limits_.max_pipelined) http_parser_pause(hp, 1);
                return 0;
            };
            return p;
        }();
        return s;
    }

    static Connection& of(http_parser* p) { return *static_cast<Connection*>(p->data); }

    bool add_header_bytes(std::size_t n) {
        header_bytes_ += n;
        if (header_bytes_ <= server_->limits_.max_header_bytes) return true;
        refuse(431, "request headers too large");
        return false;
    }

    void commit_header() {
        current_.headers[lower(field_)] = value_;
        field_.clear();
        value_.clear();
        in_value_ = false;
    }

    void dispatch() {
        if (busy_ || !server_ || output_blocked_) return;
        if (queue_.empty()) return send_refusal_when_due();
        busy_ = true;
        if (!in_request_) timer_->stop();  // not idle; a partial next request keeps its header limit
        auto item = std::move(queue_.front());
        queue_.pop_front();
        auto request = std::make_shared<HttpRequest>(std::move(item.request));
        const bool head = request->method == "HEAD";
        const bool keep_alive = item.keep_alive;
        server_->handler_(*request, life_.guard([this, request, head, keep_alive](HttpResponse response) {
            if (!server_) return;
            busy_ = false;
            write(response, head, !keep_alive);
            if (!keep_alive || !server_) return;
            schedule_next();
        }));
    }

    void write(const HttpResponse& response, bool head, bool close_after) {
        std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + status_text(response.status) + "\r\n";
        out += "Content-Type: " + response.content_type + "\r\n";
        out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
        for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
        if (close_after) out += "Connection: close\r\n";
        out += "\r\n";
        if (!head) out += response.body;
        const int rc = tcp_->write(std::move(out), [this, close_after](int status) {
            if (status != 0 || close_after) shut();
            else on_written();
        });
        if (rc != 0) return shut();
        if (!close_after && tcp_->write_queue_size() > server_->limits_.max_unsent_bytes) {
            // The client is not reading what it asked for: hold its next answers (and its
            // reading) until it does, and drop it if it takes nothing for send_timeout.
            output_blocked_ = true;
            arm(server_->limits_.send_timeout, [this] { shut(); });
        }
    }

    // Both are no-ops once shut: a callback may shut the connection before its caller arms.
    void arm(std::chrono::milliseconds after, std::function<void()> fn) {
        if (timer_) timer_->start(after, life_.guard(std::move(fn)));
    }
    void arm_idle() {
        if (server_) arm(server_->limits_.idle_timeout, [this] { shut(); });
    }

    struct Pending {
        HttpRequest request;
        bool keep_alive;
    };

    HttpServer* server_;  // null once shut
    loop::HandlePtr<loop::Tcp> tcp_;
    loop::HandlePtr<loop::Timer> timer_;
    http_parser parser_{};
    std::string peer_;
    std::string url_, field_, value_;
    bool in_value_ = false;
    std::size_t header_bytes_ = 0;
    HttpRequest current_;
    bool keep_alive_current_ = true;
    std::deque<Pending> queue_;
    bool in_request_ = false;
    bool busy_ = false;
    bool reading_ = false;
    bool output_blocked_ = false;
    bool next_posted_ = false;
    std::string held_;  // bytes read but not parsed while max_pipelined requests wait
    bool refused_ = false;
    bool refusal_sent_ = false;
    HttpResponse refusal_;
    loop::Lifetime life_;
};

HttpServer::HttpServer(loop::Loop& loop, ServerLimits limits, Handler handler)
    : loop_(loop), limits_(limits), handler_(std::move(handler)) {}

HttpServer::~HttpServer() { close(); }

std::string HttpServer::listen(const std::string& address) {
    std::string error;
    const auto endpoint = text::parse_ip_endpoint(address, text::PortRule::required, &error);
    if (!endpoint) return error;
    const sockaddr_storage addr = endpoint->socket_address();
    listener_ = loop::Tcp::create(loop_);
    const int rc = listener_->listen(reinterpret_cast<const sockaddr&>(addr), 1024, [this](int status) { accept(status); });
    if (rc < 0) {
        listener_.reset();
        return std::string("cannot listen: ") + uv_strerror(rc);  // the caller names the address
    }
    port_ = listener_->local_port();
    return {};
}

void HttpServer::accept(int status) {
    if (status != 0) {
        spdlog::warn("serve: accept failed: {}", uv_strerror(status));
        return;
    }
    auto tcp = loop::Tcp::create(loop_);
    if (listener_->accept(*tcp) != 0) return;
    auto owned = std::make_unique<Connection>(*this, std::move(tcp));
    Connection* connection = owned.get();
    connections_.emplace(connection, std::move(owned));
    if (connections_.size() > limits_.max_connections) {
        connection->refuse(503, "too many connections");
        return;
    }
    connection->start();
}

void HttpServer::forget(Connection* connection) {
    auto it = connections_.find(connection);
    if (it == connections_.end()) return;
    loop_.defer_delete(std::move(it->second));
    connections_.erase(it);
}

void HttpServer::close() {
    listener_.reset();
    while (!connections_.empty()) connections_.begin()->first->shut();
}

}  // namespace gaia::serve
