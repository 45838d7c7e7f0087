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

const nlohmann::json& job(const nlohmann::json& report, const std::string& name) {
    for (const auto& j : report["jobs"]) {
        if (j["name"] == name) return j;
    }
    throw std::runtime_error("no job " + name + " in the report");
}

}  // namespace gaia::test
