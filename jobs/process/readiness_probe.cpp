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
    connection_->read_stop();
    auto report = std::move(on_result_);
    on_result_ = nullptr;
    if (report) report(ok);  // may drop the probe: nothing of it is used after this
}

std::unique_ptr<ReadinessProbe> ReadinessProbe::attempt(loop::Loop& loop, const ProbeTarget& target,
                                                        std::function<void(bool)> on_result) {
    std::unique_ptr<ReadinessProbe> self(new ReadinessProbe(loop, target, std::move(on_result)));
    sockaddr_storage addr{};
    if (target.host.find(':') != std::string::npos) {
        uv_ip6_addr(target.host.c_str(), target.port, reinterpret_cast<sockaddr_in6*>(&addr));
    } else {
        uv_ip4_addr(target.host.c_str(), target.port, reinterpret_cast<sockaddr_in*>(&addr));
    }
    auto* probe = self.get();
    if (self->connection_->connect(reinterpret_cast<const sockaddr&>(addr), [probe](int status) {
            probe->on_connected(status);
        }) < 0) {
        return nullptr;
    }
    return self;
}

void ReadinessProbe::on_connected(int status) {
    if (status < 0) return finish(false);
    if (!target_.http) return finish(true);
    const std::string request =
        "GET " + target_.path + " HTTP/1.1\r\nHost: " + target_.host + "\r\nConnection: close\r\n\r\n";
    if (connection_->write(request) < 0) return finish(false);
    const int rc = connection_->read_start([this](std::string_view data) { on_data(data); },
                                           [this](int) { finish(false); });
    if (rc < 0) finish(false);
}

// The status line decides: "HTTP/1.1 200 OK".
void ReadinessProbe::on_data(std::string_view data) {
    response_.append(data);
    const auto eol = response_.find("\r\n");
    if (eol == std::string::npos) {
        if (response_.size() > 512) finish(false);
        return;
    }
    const auto space = response_.find(' ');
    finish(space != std::string::npos && space + 1 < eol && (response_[space + 1] == '2' || response_[space + 1] == '3'));
}

}  // namespace gaia::jobs::process
