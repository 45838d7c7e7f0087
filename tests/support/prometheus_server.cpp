#include "tests/support/prometheus_server.hpp"

#include "jobs/http/http_task.hpp"
#include "tests/support/curl.hpp"
#include "tests/support/file_server.hpp"

#include <signal.h>

#include <fstream>

namespace gaia::test {
namespace {

std::vector<std::string> prometheus_argv(const std::filesystem::path& dir, const std::string& target, int port) {
    const auto config = dir / "prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                             "scrape_configs:\n  - job_name: gaia\n    honor_labels: true\n"
                             "    static_configs:\n      - targets: ['" << target << "']\n";
    return {"prometheus", "--config.file=" + config.string(), "--storage.tsdb.path=" + (dir / "tsdb").string(),
            "--web.listen-address=127.0.0.1:" + std::to_string(port)};
}

}  // namespace

PrometheusServer::PrometheusServer(const std::filesystem::path& dir, const std::string& target)
    : port_(free_port()), process_(prometheus_argv(dir, target, port_), dir, "prometheus") {}

nlohmann::json PrometheusServer::query(const std::string& promql) const {
    return get_json("http://127.0.0.1:" + std::to_string(port_) + "/api/v1/query?query=" + jobs::http::url_encode(promql));
}

bool PrometheusServer::has_data(const std::string& promql) const {
    const auto r = query(promql);
    return r.is_object() && r["status"] == "success" && !r["data"]["result"].empty();
}

double PrometheusServer::scalar(const std::string& promql) const {
    const auto r = query(promql);
    if (!r.is_object() || r["status"] != "success" || r["data"]["result"].empty()) return -1;
    return std::stod(r["data"]["result"][0]["value"][1].get<std::string>());
}

int PrometheusServer::stop() {
    process_.signal(SIGTERM);
    return process_.wait(20);
}

}  // namespace gaia::test
