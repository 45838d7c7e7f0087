#include "core/jobfile/values.hpp"
#include "core/report/instance_rows.hpp"
#include "core/report/redact.hpp"
#include "core/run/latency_histogram.hpp"
#include "core/report/run_report.hpp"
#include "core/text/signal_names.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace gaia::report {
namespace {

nlohmann::ordered_json copy(const nlohmann::json& value) {
    // Through text, so invalid UTF-8 in captured output is replaced, not thrown on.
    return nlohmann::ordered_json::parse(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// Seconds as the report prints them: to the microsecond, not float noise.
double micros(double seconds) { return std::round(seconds * 1e6) / 1e6; }

// One line of "instances": what one instance ended with, its item and its captures.
nlohmann::ordered_json instance_json(const run::JobResult& r, const InstanceRow& row) {
    const auto& job = *r.job;
    nlohmann::ordered_json o = {{"job", job.name}, {"index", row.index}};
    if (const auto* item = item_of(r, row.index)) o["item"] = copy(*item);
    o["status"] = std::string(run::to_string(row.status));
    o["attempts"] = row.attempts;
    if (row.attempts > 0) {
        o["started_s"] = micros(row.started_s);
        o["duration_s"] = micros(row.seconds);
    }
    if (row.code_kind == run::CodeKind::exit_code) o["exit_code"] = row.code;
    if (row.code_kind == run::CodeKind::http_status) o["http_status"] = row.code;
    if (row.signal != 0) o["signal"] = text::signal_name(row.signal);
    o["error"] = row.error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(row.error);
    if (row.artifacts) o["artifacts"] = *row.artifacts;
    if (row.attempts > 0 && !job.captures.empty()) {
        nlohmann::ordered_json captures = nlohmann::ordered_json::object();
        for (const auto& name : job.captures) {
            const auto it = r.captures.find(name);
            if (it == r.captures.end()) continue;
            const nlohmann::json* value = &*it;
            if (job.fan_out) value = it->is_array() && row.index < it->size() ? &(*it)[row.index] : nullptr;
            if (!value || value->is_null()) continue;
            auto& slot = captures[name] = copy(*value);
            const auto& secret = job.secret_captures;
            if (std::find(secret.begin(), secret.end(), name) != secret.end()) mask_whole(slot);
        }
        if (!captures.empty()) o["captures"] = std::move(captures);
    }
    return o;
}

// Text indented one level deeper, to sit inside the top-level object.
std::string indented(std::string text) {
    std::string out;
    out.reserve(text.size() + 64);
    for (char c : text) {
        out += c;
        if (c == '\n') out += "  ";
    }
    return out;
}

std::string dump(const nlohmann::ordered_json& value, int indent) {
    return value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
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

std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(std::string_view text) {
    std::tm tm{};
    const std::string copy(text);
    const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    // Years 1970 to 2261: a time a run can have started, and one the clock's nanoseconds hold.
    if (!end || *end != '\0' || tm.tm_year < 70 || tm.tm_year > 2261 - 1900) return std::nullopt;
    return std::chrono::system_clock::from_time_t(::timegm(&tm));
}

namespace {

// What `gaia report merge` needs to judge the job again over every shard's instances.
nlohmann::ordered_json thresholds_json(const jobfile::Thresholds& t) {
    nlohmann::ordered_json o = {{"success_rate", t.success_rate}};
    auto limit = [&o](const char* name, const std::optional<jobfile::Duration>& d) {
        if (d) o[name] = jobfile::format_duration(*d);
    };
    limit("p50", t.p50);
    limit("p95", t.p95);
    limit("p99", t.p99);
    limit("max", t.max);
    return o;
}

nlohmann::ordered_json head_json(const RunReport& report) {
    nlohmann::ordered_json jobs = nlohmann::ordered_json::array();
    for (const auto* r : report.jobs) {
        const auto latency = r->latency();
        std::uint64_t skipped = r->cancelled;
        if (r->status == run::JobStatus::skipped && r->instances_known) skipped += r->instances;
        nlohmann::ordered_json job = {
            {"name", r->job->name},
            {"kind", r->job->kind},
            {"fan_out", r->job->fan_out},
            {"needs", r->job->needs},
            {"status", std::string(run::to_string(r->status))},
            {"instances", r->instances},
            {"passed", r->passed},
            {"failed", r->failed},
            {"skipped", skipped},
            {"attempts", r->attempts},
            {"latency_s", {{"p50", latency.p50}, {"p95", latency.p95}, {"p99", latency.p99}, {"max", latency.max}}},
            {"latency_histogram", run::LatencyHistogram::of(r->durations).to_json()},
            {"bytes", r->bytes},
            {"cpu_s", r->cpu_s},
            {"peak_rss_bytes", r->peak_rss_bytes},
            {"first_error", r->first_error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r->first_error)},
            {"captures", copy(r->captures)},
            {"allow_failure", r->job->allow_failure},
            {"thresholds", thresholds_json(r->job->thresholds)},
            {"shard", r->job->first_shard_only ? "first" : "all"},
            {"file", r->job->file_index < report.files.size() ? report.files[r->job->file_index] : ""},
            {"duration_s", r->finished_s > r->started_s ? r->finished_s - r->started_s : 0.0},
        };
        // When it ran, as offsets from the run's start, and its instances over that time: the
        // HTML report's timeline, drawable from this report alone.
        const bool ran = r->status != run::JobStatus::skipped && r->status != run::JobStatus::pending;
        job["started_s"] = ran ? nlohmann::ordered_json(micros(r->started_s)) : nlohmann::ordered_json(nullptr);
        job["finished_s"] = ran ? nlohmann::ordered_json(micros(std::max(r->finished_s, r->started_s))) : nlohmann::ordered_json(nullptr);
        job["activity"] = r->activity.to_json();
        for (const auto& name : r->job->secret_captures) {
            auto it = job["captures"].find(name);
            if (it != job["captures"].end()) mask_whole(*it);
        }
        if (!r->details.empty()) job["details"] = copy(r->details);
        if (r->job->hook) job["hook"] = true;
        if (!report.resumed_report.empty()) {
            job["passed_before"] = r->passed_before;
            job["restored"] = r->restored;
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
          {"files", report.files},
          {"job_set_digest", report.job_set_digest},
          {"stale_after_s", report.stale_after_s ? nlohmann::ordered_json(*report.stale_after_s) : nlohmann::ordered_json(nullptr)},
          {"instances_listed", report.instances == run::InstanceScope::all ? "all" : "failed"},
          {"shard", report.shard.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(report.shard)}}},
        {"jobs", std::move(jobs)},
    };
    if (!report.resumed_report.empty()) {
        out["run"]["resumed_from"] = {{"report", report.resumed_report}, {"run_id", report.resumed_run_id}};
    }
    return out;
}

}  // namespace

void write_json_frame(const nlohmann::ordered_json& head, const std::function<void(const ReportOut&)>& instances,
                      const nlohmann::ordered_json& tail, const ReportOut& out) {
    std::string text = dump(head, 2);
    text.resize(text.size() - 2);  // "\n}": the object goes on
    text += ",\n  \"instances\": [";
    out(text);
    const char* separator = "\n    ";
    instances([&](std::string_view elements) {
        out(separator);
        out(elements);
        separator = ",\n    ";
    });
    out(separator[0] == ',' ? "\n  ]" : "]");
    for (const auto& [key, value] : tail.items()) out(",\n  " + dump(key, -1) + ": " + indented(dump(value, 2)));
    out("\n}\n");
}

void write_json(const RunReport& report, const text::Redactor& redactor, const ReportOut& out) {
    auto head = head_json(report);
    scrub_strings(head, redactor);
    nlohmann::ordered_json tail = nlohmann::ordered_json::object();
    if (!report.subsystems.empty()) {
        tail["subsystems"] = copy(report.subsystems);
        scrub_strings(tail, redactor);
    }
    write_json_frame(
        head,
        [&](const ReportOut& element) {
            for (const auto* r : report.jobs) {
                for_each_instance(*r, report.instances, [&](const InstanceRow& row) {
                    auto line = instance_json(*r, row);
                    scrub_strings(line, redactor);
                    element(dump(line, -1));
                });
            }
        },
        tail, out);
}

std::string to_json_text(const RunReport& report, const text::Redactor& redactor) {
    std::string text;
    write_json(report, redactor, [&text](std::string_view piece) { text += piece; });
    return text;
}

}  // namespace gaia::report
