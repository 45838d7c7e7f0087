#pragma once
// Running a job file written by a test and reading its JSON report.

#include "tests/support/subprocess.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace gaia::test {

// The relative error allowed when a test measures a rate. The plain build is held to the
// issue's 5%; under AddressSanitizer everything runs two to three times slower on two
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

// The report entry of one job; throws when there is none.
const nlohmann::json& job(const nlohmann::json& report, const std::string& name);

}  // namespace gaia::test
