#include "jobs/process/readiness_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace gaia::jobs::process {

std::optional<ProbeTarget> parse_probe_target(const std::string& text, bool http, std::string* error) {
    ProbeTarget t;
    t.http = http;
    std::string rest = text;
    if (http) {
        if (rest.rfind("http://", 0) != 0) {
            *error = "`ready.http` takes an http:// URL (https is not supported for readiness here), not `" + text + "`";
            return std::nullopt;
        }
        rest = rest.substr(7);
        auto slash = rest.find('/');
        t.path = slash == std::string::npos ? "/" : rest.substr(slash);
        rest = slash == std::string::npos ? rest : rest.substr(0, slash);
    }
    std::string port;
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            *error = "bad address `" + text + "` (expected [IPv6]:PORT)";
            return std::nullopt;
        }
        t.host = rest.substr(1, close - 1);
        port = rest.substr(close + 2);
    } else {
        auto colon = rest.rfind(':');
        if (colon == std::string::npos) {
            if (!http) {
                *error = "bad address `" + text + "` (expected HOST:PORT, e.g. 127.0.0.1:8000)";
                return std::nullopt;
            }
            t.host = rest;
            port = "80";
        } else {
            t.host = rest.substr(0, colon);
            port = rest.substr(colon + 1);
        }
    }
    if (t.host == "localhost") t.host = "127.0.0.1";
    in6_addr a6{};
    in_addr a4{};
    if (inet_pton(AF_INET, t.host.c_str(), &a4) != 1 && inet_pton(AF_INET6, t.host.c_str(), &a6) != 1) {
        *error = "`" + t.host + "` is not an IP address (readiness probes take numeric addresses or localhost)";
        return std::nullopt;
    }
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
        *error = "bad port in `" + text + "`";
        return std::nullopt;
    }
    t.port = std::stoi(port);
    return t;
}

void ReadinessProbe::finish(bool ok) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&handle_));
    auto report = std::move(on_result_);
    on_result_ = nullptr;
    if (report) report(ok);  // may drop the probe: nothing of it is used after this
}

loop::HandlePtr<ReadinessProbe> ReadinessProbe::attempt(loop::Loop& loop, const ProbeTarget& target,
                                                        std::function<void(bool)> on_result) {
    loop::HandlePtr<ReadinessProbe> self(new ReadinessProbe());
    self->on_result_ = std::move(on_result);
    self->target_ = target;
    if (uv_tcp_init(loop.get(), &self->handle_) != 0) return nullptr;
    self->mark_initialized();
    sockaddr_storage addr{};
    if (target.host.find(':') != std::string::npos) {
        uv_ip6_addr(target.host.c_str(), target.port, reinterpret_cast<sockaddr_in6*>(&addr));
    } else {
        uv_ip4_addr(target.host.c_str(), target.port, reinterpret_cast<sockaddr_in*>(&addr));
    }
    self->connect_.data = self.get();
    const int rc = uv_tcp_connect(&self->connect_, &self->handle_, reinterpret_cast<const sockaddr*>(&addr),
                                  [](uv_connect_t* req, int status) {
                                      auto* probe = static_cast<ReadinessProbe*>(req->data);
                                      if (probe->closing()) return;
                                      if (status < 0) return probe->finish(false);
                                      if (!probe->target_.http) return probe->finish(true);
                                      probe->request_ = "GET " + probe->target_.path + " HTTP/1.1\r\nHost: " +
                                                        probe->target_.host + "\r\nConnection: close\r\n\r\n";
                                      uv_buf_t buf = uv_buf_init(probe->request_.data(),
                                                                 static_cast<unsigned>(probe->request_.size()));
                                      probe->write_.data = probe;
                                      auto* stream = reinterpret_cast<uv_stream_t*>(&probe->handle_);
                                      if (uv_write(&probe->write_, stream, &buf, 1, [](uv_write_t*, int) {}) < 0) {
                                          return probe->finish(false);
                                      }
                                      uv_read_start(
                                          stream,
                                          [](uv_handle_t* h, std::size_t, uv_buf_t* b) {
                                              auto* p = static_cast<ReadinessProbe*>(
                                                  static_cast<HandleOwner*>(h->data));
                                              *b = uv_buf_init(p->buffer_, sizeof p->buffer_);
                                          },
                                          [](uv_stream_t* s, ssize_t n, const uv_buf_t* b) {
                                              auto* p = static_cast<ReadinessProbe*>(
                                                  static_cast<HandleOwner*>(s->data));
                                              if (n < 0) return p->finish(false);
                                              p->response_.append(b->base, static_cast<std::size_t>(n));
                                              auto eol = p->response_.find("\r\n");
                                              if (eol == std::string::npos) {
                                                  if (p->response_.size() > 512) p->finish(false);
                                                  return;
                                              }
                                              // "HTTP/1.1 200 OK"
                                              auto space = p->response_.find(' ');
                                              const bool ok = space != std::string::npos && space + 1 < eol &&
                                                              (p->response_[space + 1] == '2' ||
                                                               p->response_[space + 1] == '3');
                                              p->finish(ok);
                                          });
                                  });
    if (rc < 0) return nullptr;
    return self;
}

}  // namespace gaia::jobs::process
