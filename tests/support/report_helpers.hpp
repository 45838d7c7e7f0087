#pragma once
// Running a job file written by a test and reading its JSON report.

#include "tests/support/subprocess.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace gaia::test {

// The relative error allowed when a test measures a rate. The plain build is held to
// 5%; under AddressSanitizer everything runs two to three times slower on two
// shared cores, so there a measured rate only has to be roughly right — the sanitizer
// build is for memory errors, and the plain build proves the precision.
#ifdef GAIA_SANITIZED
inline constexpr double kRateTolerance = 0.25;
#else
inline constexpr double kRateTolerance = 0.05;
#endif

// Writes `text` as jobs.toml in dir, runs gaia on it with --report-json and returns the
// report; *output, when given, gets what gaia printed and its exit code.
nlohmann::json run_report(const TempDir& dir, const std::string& text, Output* output = nullptr);

// What run_with_metrics gives back: gaia's output and exit code, the JSON report and the
// --metrics-file text.
struct RunResult {
    Output out;
    nlohmann::json report;
    std::string metrics;
};

// Writes `text` as jobs.toml in dir and runs `gaia run` on it with --report-json and
// --metrics-file, the extra arguments (after the file) and environment entries.
RunResult run_with_metrics(const TempDir& dir, const std::string& text, const std::vector<std::string>& args = {},
                           const std::vector<std::string>& env = {});

// The value of the sample whose line starts with `series` (name and labels) in a
// Prometheus text exposition; fails the test when there is none.
double metric_value(const std::string& exposition, const std::string& series);

// The report entry of one job; throws when there is none.
const nlohmann::json& job(const nlohmann::json& report, const std::string& name);

}  // namespace gaia::test
