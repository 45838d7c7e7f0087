#include "core/report/run_report.hpp"

#include <ctime>

namespace gaia::report {
namespace {

void scrub_strings(nlohmann::ordered_json& value, const text::Redactor& redactor) {
    if (redactor.empty()) return;
    if (value.is_string()) {
        value = redactor.scrub(value.get_ref<const std::string&>());
    } else if (value.is_array() || value.is_object()) {
        for (auto& el : value) scrub_strings(el, redactor);
    }
}

}  // namespace

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
    const auto seconds = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

nlohmann::ordered_json to_json(const RunReport& report, const text::Redactor& redactor) {
    nlohmann::ordered_json jobs = nlohmann::ordered_json::array();
    for (const auto* r : report.jobs) {
        const auto latency = r->latency();
        std::uint64_t skipped = r->cancelled;
        if (r->status == run::JobStatus::skipped && r->instances_known) skipped += r->instances;
        nlohmann::ordered_json job = {
            {"name", r->job->name},
            {"kind", r->job->kind},
            {"status", std::string(run::to_string(r->status))},
            {"instances", r->instances},
            {"passed", r->passed},
            {"failed", r->failed},
            {"skipped", skipped},
            {"attempts", r->attempts},
            {"latency_s", {{"p50", latency.p50}, {"p95", latency.p95}, {"p99", latency.p99}, {"max", latency.max}}},
            {"bytes", r->bytes},
            {"cpu_s", r->cpu_s},
            {"peak_rss_bytes", r->peak_rss_bytes},
            {"first_error", r->first_error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r->first_error)},
            {"captures", nlohmann::ordered_json::parse(r->captures.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))},
            {"allow_failure", r->job->allow_failure},
            {"duration_s", r->finished_s > r->started_s ? r->finished_s - r->started_s : 0.0},
        };
        // Secret captures are masked whole, numbers too (the redactor sees only strings).
        for (const auto& name : r->job->secret_captures) {
            auto it = job["captures"].find(name);
            if (it == job["captures"].end()) continue;
            if (it->is_array()) {
                for (auto& value : *it) value = value.is_null() ? value : nlohmann::ordered_json(text::Redactor::kMask);
            } else if (!it->is_null()) {
                *it = text::Redactor::kMask;
            }
        }
        if (!r->details.empty()) {
            job["details"] = nlohmann::ordered_json::parse(r->details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        }
        jobs.push_back(std::move(job));
    }
    nlohmann::ordered_json out = {
        {"run",
         {{"name", report.name},
          {"id", report.id},
          {"started", iso8601_utc(report.started)},
          {"duration_s", report.duration_s},
          {"status", report.status},
          {"loop_lag_max_s", report.loop_lag_max_s},
          {"files", report.files}}},
        {"jobs", std::move(jobs)},
    };
    if (!report.subsystems.empty()) {
        out["subsystems"] = nlohmann::ordered_json::parse(report.subsystems.dump());
    }
    scrub_strings(out, redactor);
    return out;
}

std::string to_json_text(const RunReport& report, const text::Redactor& redactor) {
    return to_json(report, redactor).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace gaia::report
