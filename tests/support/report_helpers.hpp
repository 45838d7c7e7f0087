#pragma once
// Running a job file written by a test and reading its JSON report.

#include "tests/support/subprocess.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace gaia::test {

// Writes `text` as jobs.toml in dir, runs gaia on it with --report-json and returns the
// report; *output, when given, gets what gaia printed and its exit code.
nlohmann::json run_report(const TempDir& dir, const std::string& text, Output* output = nullptr);

// The report entry of one job; throws when there is none.
const nlohmann::json& job(const nlohmann::json& report, const std::string& name);

}  // namespace gaia::test
