#pragma once
// The machine-readable reports of a run (gaia-run(1), REPORTS): JSON and JUnit XML. Both pass every
// string through the redactor.

#include "core/text/redactor.hpp"
#include "core/run/results.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::report {

struct RunReport {
    std::string name;
    std::string id;
    std::chrono::system_clock::time_point started;
    double duration_s = 0;
    std::string status;               // passed, failed, interrupted, terminated, timeout
    std::vector<std::string> files;   // job files, in order
    std::string job_set_digest;       // JobSet::digest
    std::optional<double> stale_after_s;  // [settings].stale_after
    double loop_lag_max_s = 0;        // the event loop's worst lateness during the run
    std::vector<const run::JobResult*> jobs;  // the selected jobs, in file order
    nlohmann::json subsystems = nlohmann::json::object();  // what each subsystem adds (per-op latency…)
    run::InstanceScope instances = run::InstanceScope::failed;  // what the JSON report's "instances" lists
    bool junit_instances = false;  // JUnit: a testcase per instance as well as per job
    std::string shard;             // "K/N" under --shard
    // --resume-failed: the report this run resumed, and that run's id.
    std::string resumed_report, resumed_run_id;
};

// Where a report's text goes, piece by piece (a file, a string).
using ReportOut = std::function<void(std::string_view)>;

// JSON that never throws on invalid UTF-8 in captured output (it is replaced): the run,
// its jobs, then one line per listed instance.
void write_json(const RunReport& report, const text::Redactor& redactor, const ReportOut& out);
// A JSON report's text: `head` (run, jobs), then "instances" — each piece `instances` hands
// on is whole elements, with commas between them if several —, then the members of `tail`.
void write_json_frame(const nlohmann::ordered_json& head, const std::function<void(const ReportOut&)>& instances,
                      const nlohmann::ordered_json& tail, const ReportOut& out);
void write_junit(const RunReport& report, const text::Redactor& redactor, const ReportOut& out);
std::string to_json_text(const RunReport& report, const text::Redactor& redactor);
std::string to_junit(const RunReport& report, const text::Redactor& redactor);

std::string iso8601_utc(std::chrono::system_clock::time_point t);
// Reads what iso8601_utc writes ("2026-12-01T08:00:00Z"); nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(std::string_view text);
// Escapes text for XML 1.0 and drops what XML cannot carry (control characters, invalid UTF-8).
std::string xml_escape(std::string_view text);

}  // namespace gaia::report
