#include "tests/support/report_helpers.hpp"

#include <stdexcept>

namespace gaia::test {

nlohmann::json run_report(const TempDir& dir, const std::string& text, Output* output) {
    auto file = dir.file("jobs.toml", text);
    const auto report = (dir.path() / "report.json").string();
    auto out = run_gaia({"run", file, "--report-json", report});
    if (output) *output = out;
    return nlohmann::json::parse(read_file(report));
}

RunResult run_with_metrics(const TempDir& dir, const std::string& text, const std::vector<std::string>& args,
                           const std::vector<std::string>& env) {
    auto file = dir.file("jobs.toml", text);
    const auto report = (dir.path() / "report.json").string();
    const auto metrics = (dir.path() / "metrics.prom").string();
    std::vector<std::string> argv{"run", file};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--report-json", report, "--metrics-file", metrics});
    RunResult r;
    r.out = run_gaia(argv, "", env);
    r.report = nlohmann::json::parse(read_file(report));
    r.metrics = read_file(metrics);
    return r;
}

double metric_value(const std::string& exposition, const std::string& series) {
    const auto at = exposition.find("\n" + series + " ");
    if (at == std::string::npos) throw std::runtime_error("no sample " + series + " in the metrics");
    return std::stod(exposition.substr(at + series.size() + 2));
}

const nlohmann::json& job(const nlohmann::json& report, const std::string& name) {
    for (const auto& j : report["jobs"]) {
        if (j["name"] == name) return j;
    }
    throw std::runtime_error("no job " + name + " in the report");
}

}  // namespace gaia::test
