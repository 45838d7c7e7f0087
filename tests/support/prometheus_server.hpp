#pragma once
// A real Prometheus for tests: it scrapes one gaia every second, as configs/prometheus.yml
// would (honor_labels: gaia's own `job` label stays; `up` has job="gaia"), its data in a
// scratch directory, and answers instant queries.

#include "tests/support/subprocess.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace gaia::test {

class PrometheusServer {
public:
    // Scrapes `target` ("127.0.0.1:PORT"); files go under `dir`.
    PrometheusServer(const std::filesystem::path& dir, const std::string& target);

    // GET /api/v1/query?query=PROMQL, parsed (null when it is not JSON).
    nlohmann::json query(const std::string& promql) const;
    // The query succeeded and returned at least one sample.
    bool has_data(const std::string& promql) const;
    // The value of the first sample, or -1 when there is none.
    double scalar(const std::string& promql) const;

    std::string err() const { return process_.err(); }
    // SIGTERM, then its exit code.
    int stop();

private:
    int port_;
    BackgroundProcess process_;
};

}  // namespace gaia::test
