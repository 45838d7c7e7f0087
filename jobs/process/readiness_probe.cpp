#include "jobs/process/readiness_probe.hpp"

namespace gaia::jobs::process {

std::optional<ProbeTarget> parse_probe_target(const std::string& text, bool http, std::string* error) {
    ProbeTarget t;
    t.http = http;
    std::string address = text;
    if (http) {
        if (address.rfind("http://", 0) != 0) {
            *error = "`ready.http` takes an http:// URL (https is not supported for readiness here), not `" + text + "`";
            return std::nullopt;
        }
        address = address.substr(7);
        const auto slash = address.find('/');
        t.path = slash == std::string::npos ? "/" : address.substr(slash);
        address = address.substr(0, slash);
    }
    // A URL without a port means 80; a bare TCP target needs one.
    auto endpoint = text::parse_ip_endpoint(address, http ? text::PortRule::optional : text::PortRule::required, error);
    if (!endpoint) {
        *error = "bad address `" + text + "`: " + *error + " (readiness probes take numeric addresses or localhost)";
        return std::nullopt;
    }
    if (!endpoint->port) endpoint->port = 80;
    if (endpoint->port == 0) {
        *error = "bad address `" + text + "`: port 0 is no port to connect to";
        return std::nullopt;
    }
    t.endpoint = *endpoint;
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
    const sockaddr_storage addr = target.endpoint.socket_address();
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
        "GET " + target_.path + " HTTP/1.1\r\nHost: " + target_.endpoint.text() + "\r\nConnection: close\r\n\r\n";
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
