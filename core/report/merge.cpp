#include "core/report/merge.hpp"
#include "core/jobfile/values.hpp"
#include "core/report/junit_xml.hpp"
#include "core/run/activity_timeline.hpp"
#include "core/run/run_metrics.hpp"
#include "core/run/scheduler.hpp"
#include "core/run/verdict.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

namespace gaia::report {
namespace {

std::optional<run::JobStatus> job_status(std::string_view text) {
    for (auto s : {run::JobStatus::pending, run::JobStatus::running, run::JobStatus::passed, run::JobStatus::failed,
                   run::JobStatus::skipped, run::JobStatus::cancelled}) {
        if (run::to_string(s) == text) return s;
    }
    return std::nullopt;
}

// Adds an instance line's artifact paths to `to`; whether it named any.
bool attach_artifacts(const nlohmann::json& line, std::vector<std::string>& to) {
    const auto paths = line.find("artifacts");
    if (paths == line.end() || !paths->is_array()) return false;
    bool any = false;
    for (const auto& path : *paths) {
        if (!path.is_string()) continue;
        to.push_back(path.get<std::string>());
        any = true;
    }
    return any;
}

std::optional<run::TaskStatus> task_status(std::string_view text) {
    for (auto s : {run::TaskStatus::passed, run::TaskStatus::failed, run::TaskStatus::cancelled}) {
        if (run::to_string(s) == text) return s;
    }
    return std::nullopt;
}

// How bad a job's end is, for choosing the run of it that went worst.
int badness(run::JobStatus s) {
    switch (s) {
    case run::JobStatus::passed: return 0;
    case run::JobStatus::skipped: return 1;
    case run::JobStatus::pending: return 2;
    case run::JobStatus::running: return 3;
    case run::JobStatus::failed: return 4;
    case run::JobStatus::cancelled: return 5;
    }
    return 0;
}

std::uint64_t count(const nlohmann::ordered_json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

double number(const nlohmann::ordered_json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string text_of(const nlohmann::ordered_json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The non-hook jobs' names, in order: what every shard must have run alike.
std::vector<std::string> job_names(ShardReport& shard) {
    std::vector<std::string> names;
    for (const auto& job : shard.jobs()) {
        if (!job.value("hook", false)) names.push_back(job["name"].get<std::string>());
    }
    return names;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "none" : out;
}

std::optional<jobfile::Thresholds> thresholds_of(const nlohmann::ordered_json& job, std::string* error) {
    const auto it = job.find("thresholds");
    if (it == job.end() || !it->is_object() || !it->contains("success_rate") || !(*it)["success_rate"].is_number()) {
        *error = "job `" + text_of(job, "name") + "` has no thresholds: the report was written by an older gaia";
        return std::nullopt;
    }
    jobfile::Thresholds t;
    t.success_rate = (*it)["success_rate"].get<double>();
    for (auto [key, slot] : {std::pair{"p50", &t.p50}, {"p95", &t.p95}, {"p99", &t.p99}, {"max", &t.max}}) {
        const auto limit = it->find(key);
        if (limit == it->end()) continue;
        std::string problem;
        if (limit->is_string()) *slot = jobfile::parse_duration(limit->get<std::string>(), &problem);
        if (!*slot) {
            *error = "job `" + text_of(job, "name") + "`: thresholds." + key + " is not a duration";
            return std::nullopt;
        }
    }
    return t;
}

}  // namespace

std::string ReportMerge::check_alike(ShardReport& next) {
    auto& first = shards_.front();
    const std::string a = first.path() + " (shard " + first.shard_text() + ")";
    const std::string b = next.path() + " (shard " + next.shard_text() + ")";
    if (next.shard_count() != first.shard_count()) {
        return b + " is one of " + std::to_string(next.shard_count()) + " shards, " + a + " one of " +
               std::to_string(first.shard_count()) + ": they are not shards of one run";
    }
    for (const auto& existing : shards_) {
        if (existing.shard_index() == next.shard_index()) {
            return "shard " + next.shard_text() + " twice: " + existing.path() + " and " + next.path();
        }
    }
    const auto digest_a = text_of(first.run(), "job_set_digest"), digest_b = text_of(next.run(), "job_set_digest");
    if (digest_a != digest_b) {
        return b + " ran another job set than " + a + " (job_set_digest " + digest_b.substr(0, 12) + "… and " +
               digest_a.substr(0, 12) + "…): run every shard on the same job files and --var values";
    }
    if (text_of(first.run(), "instances_listed") != text_of(next.run(), "instances_listed")) {
        return b + " lists " + text_of(next.run(), "instances_listed") + " instances and " + a + " " +
               text_of(first.run(), "instances_listed") + ": run every shard with the same --report-instances";
    }
    if (job_names(first) != job_names(next)) {
        return b + " ran the jobs " + joined(job_names(next)) + "; " + a + " ran " + joined(job_names(first)) +
               ": run every shard with the same --only";
    }
    return {};
}

std::string ReportMerge::add(ShardReport shard) {
    if (!shards_.empty()) {
        if (auto problem = check_alike(shard); !problem.empty()) return problem;
    }
    // A fan-out's capture holds this shard's values and nulls where other shards ran the
    // instance: the values are put together now, and the shard's copy let go.
    for (auto& job : shard.jobs()) {
        if (!job.value("fan_out", false) || !job.contains("captures") || !job["captures"].is_object()) continue;
        const auto name = job["name"].get<std::string>();
        for (auto& [capture, values] : job["captures"].items()) {
            if (!values.is_array()) continue;  // masked whole (a secret): the same text in every shard
            auto& merged = captures_[name][capture];
            if (merged.is_null()) {
                merged = nlohmann::json(values);
            } else if (merged.size() != values.size()) {
                return shard.path() + ": job `" + name + "`'s capture `" + capture + "` has " +
                       std::to_string(values.size()) + " values, the other shards' " + std::to_string(merged.size());
            } else {
                for (std::size_t i = 0; i < values.size(); ++i) {
                    if (values[i].is_null()) continue;
                    if (!merged[i].is_null()) {
                        return shard.path() + ": job `" + name + "`'s capture `" + capture + "` has a value for instance " +
                               std::to_string(i) + ", which another shard ran";
                    }
                    merged[i] = nlohmann::json(values[i]);
                }
            }
            values = nullptr;
        }
    }
    shards_.push_back(std::move(shard));
    return {};
}

std::string ReportMerge::finish() {
    if (shards_.empty()) return "no shard reports to merge";
    const auto n = shards_.front().shard_count();
    std::sort(shards_.begin(), shards_.end(), [](const auto& a, const auto& b) { return a.shard_index() < b.shard_index(); });
    if (shards_.size() != n) {
        std::vector<std::string> missing, have;
        std::size_t at = 0;
        for (std::uint64_t k = 1; k <= n; ++k) {
            const std::string text = std::to_string(k) + "/" + std::to_string(n);
            if (at < shards_.size() && shards_[at].shard_index() == k) {
                have.push_back(text);
                ++at;
            } else {
                missing.push_back(text);
            }
        }
        if (missing.size() > 10) {
            missing.resize(10);
            missing.push_back("…");
        }
        return std::string(missing.size() == 1 ? "shard " : "shards ") + joined(missing) +
               (missing.size() == 1 ? " is" : " are") + " missing (have " + joined(have) + ")";
    }

    // The jobs of shard 1, then hooks as they first appear (a hook runs in the shards whose
    // outcome called for it).
    std::vector<std::string> order = job_names(shards_.front());
    for (auto& shard : shards_) {
        for (const auto& job : shard.jobs()) {
            const auto name = job["name"].get<std::string>();
            if (job.value("hook", false) && std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
        }
    }
    std::optional<double> earliest;
    for (auto& shard : shards_) {
        const auto start = parse_iso8601_utc(text_of(shard.run(), "started"));
        offsets_s_.push_back(start ? std::chrono::duration<double>(start->time_since_epoch()).count() : 0);
        if (start && (!earliest || offsets_s_.back() < *earliest)) earliest = offsets_s_.back();
    }
    for (auto& offset : offsets_s_) offset = earliest && offset > 0 ? offset - *earliest : 0;

    for (const auto& name : order) {
        Job job;
        job.name = name;
        for (std::size_t s = 0; s < shards_.size(); ++s) {
            auto& jobs = shards_[s].jobs();
            for (std::size_t j = 0; j < jobs.size(); ++j) {
                if (jobs[j]["name"] == name) job.runs.emplace_back(s, j);
            }
        }
        const auto& first = job_in(job.runs.front());
        job.kind = text_of(first, "kind");
        job.fan_out = first.value("fan_out", false);
        job.allow_failure = first.value("allow_failure", false);
        for (const auto& run : job.runs) {
            if (!job_status(text_of(job_in(run), "status"))) {
                return shards_[run.first].path() + ": job `" + name + "` has the status `" + text_of(job_in(run), "status") + "`";
            }
        }
        if (job.fan_out && !first.value("hook", false)) {
            if (auto problem = merge_fan_out(job); !problem.empty()) return problem;
        } else {
            merge_single(job);
        }
        if (auto problem = place_in_time(job); !problem.empty()) return problem;
        jobs_.push_back(std::move(job));
    }
    merge_run();
    return {};
}

const nlohmann::ordered_json& ReportMerge::job_in(std::pair<std::size_t, std::size_t> run) const {
    return const_cast<ShardReport&>(shards_[run.first]).jobs()[run.second];
}

void ReportMerge::merge_single(Job& job) {
    auto status_of = [this](std::pair<std::size_t, std::size_t> run) { return *job_status(text_of(job_in(run), "status")); };
    // shard = "first": shard 1's run of it (the others skip it). Otherwise the run that
    // went worst, the first of those if several.
    auto chosen = job.runs.front();
    for (const auto& run : job.runs) {
        if (text_of(job_in(run), "shard") == "first") {
            if (shards_[run.first].shard_index() == 1) {
                chosen = run;
                break;
            }
        } else if (badness(status_of(run)) > badness(status_of(chosen))) {
            chosen = run;
        }
    }
    job.json = job_in(chosen);
    job.status = status_of(chosen);
    job.runs = {chosen};
}

std::string ReportMerge::merge_fan_out(Job& job) {
    auto status_of = [this](std::pair<std::size_t, std::size_t> run) { return *job_status(text_of(job_in(run), "status")); };
    auto error_of = [this](std::pair<std::size_t, std::size_t> run) { return text_of(job_in(run), "first_error"); };
    job.json = job_in(job.runs.front());
    auto& out = job.json;
    std::uint64_t instances = 0, passed = 0, failed = 0, skipped = 0, attempts = 0, bytes = 0, peak_rss = 0;
    std::uint64_t passed_before = 0;
    bool restored = true;
    double cpu_s = 0, duration_s = 0;
    // What ended the job in some shard before its instances could be judged together: a
    // stop (cancelled, or still pending or running when a second interrupt killed the
    // shard), a skip, or a failure before any instance (a for_each that was not a list).
    std::optional<std::pair<std::size_t, std::size_t>> stopped, skipped_in, failed_early, first_failure;
    std::string first_error;
    const ListedInstances* previous = nullptr;
    std::string previous_shard;
    for (const auto& run : job.runs) {
        auto& shard = shards_[run.first];
        const auto& each = job_in(run);
        std::string problem;
        const auto histogram = run::LatencyHistogram::from_json(each.value("latency_histogram", nlohmann::json()), &problem);
        if (!histogram) return shard.path() + ": job `" + job.name + "`: " + problem;
        job.latency.merge(*histogram);
        instances += count(each, "instances");
        passed += count(each, "passed");
        failed += count(each, "failed");
        skipped += count(each, "skipped");
        attempts += count(each, "attempts");
        bytes += count(each, "bytes");
        peak_rss = std::max(peak_rss, count(each, "peak_rss_bytes"));
        cpu_s += number(each, "cpu_s");
        duration_s = std::max(duration_s, number(each, "duration_s"));
        passed_before += count(each, "passed_before");
        restored = restored && each.value("restored", false);

        const auto status = status_of(run);
        const bool stopped_here = status == run::JobStatus::cancelled || status == run::JobStatus::running ||
                                  status == run::JobStatus::pending;
        if (stopped_here && (!stopped || badness(status) > badness(status_of(*stopped)))) stopped = run;
        if (status == run::JobStatus::skipped && !skipped_in) skipped_in = run;
        if (status == run::JobStatus::failed && count(each, "instances") == 0 && !failed_early) failed_early = run;
        if (count(each, "failed") > 0 && !first_failure) first_failure = run;

        const auto& listed = shard.listed(run.second);
        if (listed.first_failed && first_error.empty()) {
            first_error = "instance " + std::to_string(*listed.first_failed) + ": " + listed.first_failed_error;
        }
        if (listed.count > 0) {
            if (previous && listed.first_index <= previous->last_index) {
                return "shards " + previous_shard + " and " + shard.shard_text() + " both list instance " +
                       std::to_string(listed.first_index) + " of job `" + job.name + "`";
            }
            previous = &listed;
            previous_shard = shard.shard_text();
        }
    }
    // A failure not among the listed lines: a shard's own words for it.
    for (const auto& run : job.runs) {
        if (!first_error.empty()) break;
        if (status_of(run) == run::JobStatus::passed) first_error = error_of(run);
    }

    const auto latency = job.latency.summary();
    if (stopped) {
        job.status = status_of(*stopped);
        first_error = error_of(*stopped);
    } else if (skipped_in) {
        job.status = run::JobStatus::skipped;
        first_error = error_of(*skipped_in);
    } else if (failed_early) {
        job.status = run::JobStatus::failed;
        first_error = error_of(*failed_early);
    } else {
        std::string problem;
        const auto thresholds = thresholds_of(out, &problem);
        if (!thresholds) return shards_.front().path() + ": " + problem;
        problem = run::judge(*thresholds, true, {instances, passed, failed}, latency, first_error);
        job.status = problem.empty() ? run::JobStatus::passed : run::JobStatus::failed;
        if (!problem.empty()) first_error = problem;
    }

    out["status"] = std::string(run::to_string(job.status));
    out["instances"] = instances;
    out["passed"] = passed;
    out["failed"] = failed;
    out["skipped"] = skipped;
    out["attempts"] = attempts;
    out["latency_s"] = {{"p50", latency.p50}, {"p95", latency.p95}, {"p99", latency.p99}, {"max", latency.max}};
    out["latency_histogram"] = job.latency.to_json();
    out["bytes"] = bytes;
    out["cpu_s"] = cpu_s;
    out["peak_rss_bytes"] = peak_rss;
    out["first_error"] = first_error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(first_error);
    if (const auto merged = captures_.find(job.name); merged != captures_.end() && out.contains("captures")) {
        for (auto& [capture, values] : merged->second) out["captures"][capture] = nlohmann::ordered_json(values);
    }
    out["duration_s"] = duration_s;
    // The first failure's details (a response's headers…), else shard 1's.
    if (first_failure && job_in(*first_failure).contains("details")) out["details"] = job_in(*first_failure)["details"];
    if (out.contains("passed_before")) {
        out["passed_before"] = passed_before;
        out["restored"] = restored;
    }
    return {};
}

std::string ReportMerge::place_in_time(Job& job) {
    std::optional<double> started, finished;
    run::ActivityTimeline activity;
    for (const auto& run : job.runs) {
        const auto& each = job_in(run);
        const double offset = offsets_s_[run.first];
        if (each.contains("started_s") && each["started_s"].is_number()) {
            const double s = offset + each["started_s"].get<double>();
            started = started ? std::min(*started, s) : s;
        }
        if (each.contains("finished_s") && each["finished_s"].is_number()) {
            const double f = offset + each["finished_s"].get<double>();
            finished = finished ? std::max(*finished, f) : f;
        }
        if (!each.contains("activity")) continue;  // a report from before gaia kept it
        std::string problem;
        const auto timeline = run::ActivityTimeline::from_json(each["activity"], &problem);
        if (!timeline) return shards_[run.first].path() + ": job `" + job.name + "`: " + problem;
        activity.merge(*timeline, offset);
    }
    auto& out = job.json;
    out["started_s"] = started ? nlohmann::ordered_json(*started) : nlohmann::ordered_json(nullptr);
    out["finished_s"] = finished ? nlohmann::ordered_json(*finished) : nlohmann::ordered_json(nullptr);
    out["activity"] = activity.to_json();
    return {};
}

void ReportMerge::merge_run() {
    auto& first = shards_.front().run();
    std::optional<std::chrono::system_clock::time_point> started;
    double ended = 0, lag = 0;
    std::string stop;  // the gravest way a shard's run was stopped
    const std::vector<std::string> stops = {"timeout", "terminated", "interrupted"};
    nlohmann::ordered_json from = nlohmann::ordered_json::array();
    for (auto& shard : shards_) {
        const auto& run = shard.run();
        const auto start = parse_iso8601_utc(text_of(run, "started"));
        if (start && (!started || *start < *started)) started = start;
        if (start) {
            ended = std::max(ended, std::chrono::duration<double>(start->time_since_epoch()).count() + number(run, "duration_s"));
        }
        lag = std::max(lag, number(run, "loop_lag_max_s"));
        const auto status = text_of(run, "status");
        const auto grave = std::find(stops.begin(), stops.end(), status);
        if (grave != stops.end() && (stop.empty() || grave > std::find(stops.begin(), stops.end(), stop))) stop = status;
        nlohmann::ordered_json entry = {{"shard", shard.shard_text()},
                                        {"report", shard.path()},
                                        {"id", run.value("id", nlohmann::ordered_json(nullptr))},
                                        {"started", run.value("started", nlohmann::ordered_json(nullptr))},
                                        {"duration_s", number(run, "duration_s")},
                                        {"status", status}};
        if (!shard.subsystems().is_null()) entry["subsystems"] = shard.subsystems();
        from.push_back(std::move(entry));
    }
    bool failed = false;
    for (const auto& job : jobs_) {
        const bool bad = (job.status == run::JobStatus::failed && !job.allow_failure) || job.status == run::JobStatus::cancelled;
        const bool hook = job.json.value("hook", false);
        if (hook) {
            hook_failed_ = hook_failed_ || job.status == run::JobStatus::failed || job.status == run::JobStatus::cancelled;
        } else {
            failed = failed || bad;
        }
    }
    status_ = !stop.empty() ? stop : failed ? "failed" : "passed";
    ended_ = ended;
    const auto start_s = started ? std::chrono::duration<double>(started->time_since_epoch()).count() : ended;
    run_ = {{"name", first.value("name", "")},
            {"id", run::new_run_id()},
            {"started", started ? iso8601_utc(*started) : text_of(first, "started")},
            {"duration_s", std::max(0.0, ended - start_s)},
            {"status", status_},
            {"loop_lag_max_s", lag},
            {"files", first.value("files", nlohmann::ordered_json::array())},
            {"job_set_digest", first["job_set_digest"]},
            {"stale_after_s", first.value("stale_after_s", nlohmann::ordered_json(nullptr))},
            {"instances_listed", first["instances_listed"]},
            {"shard", nullptr},
            {"merged_from", std::move(from)}};
}

std::vector<ReportMerge::JobLine> ReportMerge::summary() const {
    std::vector<JobLine> lines;
    for (const auto& job : jobs_) {
        JobLine line;
        line.name = job.name;
        line.kind = job.kind;
        line.status = job.status;
        line.allow_failure = job.allow_failure;
        line.first_error = text_of(job.json, "first_error");
        line.instances = count(job.json, "instances");
        line.failed = count(job.json, "failed");
        if (const auto latency = job.json.find("latency_s"); latency != job.json.end() && latency->is_object()) {
            line.latency = {number(*latency, "p50"), number(*latency, "p95"), number(*latency, "p99"), number(*latency, "max")};
        }
        line.duration_s = number(job.json, "duration_s");
        lines.push_back(std::move(line));
    }
    return lines;
}

std::string ReportMerge::write_json(const ReportOut& out) {
    nlohmann::ordered_json head = {{"run", run_}, {"jobs", nlohmann::ordered_json::array()}};
    for (const auto& job : jobs_) head["jobs"].push_back(job.json);
    std::string problem;
    write_json_frame(
        head,
        [&](const ReportOut& elements) {
            std::string text;
            for (const auto& job : jobs_) {
                for (const auto& run : job.runs) {
                    if (!problem.empty()) break;
                    auto& shard = shards_[run.first];
                    for (const auto& range : shard.listed(run.second).ranges) {
                        text.clear();
                        problem = shard.copy(range, [&text](std::string_view piece) { text += piece; });
                        if (!problem.empty()) break;
                        elements(text);
                    }
                }
            }
        },
        nlohmann::ordered_json::object(), out);
    return problem;
}

std::string ReportMerge::write_junit(bool instances, const text::Redactor& redactor, const ReportOut& out) {
    if (instances && !lists_every_instance()) {
        return "--junit-instances needs every instance in the shard reports: run the shards with --report-instances all";
    }
    std::vector<std::string> files;
    for (const auto& job : jobs_) {
        const auto file = text_of(job.json, "file");
        if (std::find(files.begin(), files.end(), file) == files.end()) files.push_back(file);
    }
    std::string problem;
    TestSuites suites{text_of(run_, "name"), number(run_, "duration_s"),
                      parse_iso8601_utc(text_of(run_, "started")).value_or(std::chrono::system_clock::time_point{}), {}};
    for (const auto& file : files) {
        TestSuite suite;
        suite.file = file;
        for (const auto& job : jobs_) {
            if (text_of(job.json, "file") == file) suite.time += number(job.json, "duration_s");
        }
        suite.cases = [this, file, instances, &problem](const CaseSink& sink) {
            for (const auto& job : jobs_) {
                if (text_of(job.json, "file") != file) continue;
                if (instances && job.fan_out) {
                    for (const auto& run : job.runs) {
                        if (!problem.empty()) break;
                        problem = shards_[run.first].for_each_listed(run.second, [&](const nlohmann::json& line) {
                            const auto index = line.value("index", std::uint64_t{0});
                            const auto item = line.find("item");
                            const auto error = line.value("error", nlohmann::json(nullptr));
                            auto c = instance_case(instance_case_name(job.name, index, item == line.end() ? nullptr : &*item),
                                                   task_status(line.value("status", "")).value_or(run::TaskStatus::failed),
                                                   error.is_string() ? error.get<std::string>() : std::string(),
                                                   line.value("duration_s", 0.0), job.status, job.allow_failure);
                            attach_artifacts(line, c.attachments);
                            sink(c);
                        });
                    }
                }
                auto c = job_case(job.name, job.status, job.allow_failure, text_of(job.json, "first_error"),
                                  number(job.json, "duration_s"));
                std::size_t attached = 0;
                for (const auto& run : job.runs) {
                    if (!problem.empty()) break;
                    problem = shards_[run.first].for_each_listed(run.second, [&](const nlohmann::json& line) {
                        if (attached < kMaxAttachedInstances && attach_artifacts(line, c.attachments)) ++attached;
                    });
                }
                sink(c);
            }
        };
        suites.suites.push_back(std::move(suite));
    }
    write_testsuites(suites, redactor, out);
    return problem;
}

std::string ReportMerge::metrics_text(const PreviousSuccesses& previous) const {
    metrics::Registry registry;
    run::RunMetrics m(registry);
    const std::string name = text_of(run_, "name");
    m.run_last.with({name}).set(ended_);
    if (status_ == "passed") {
        m.run_last_success.with({name}).set(ended_);
    } else if (previous.run) {
        m.run_last_success.with({name}).set(*previous.run);
    }
    if (const auto stale = run_.find("stale_after_s"); stale != run_.end() && stale->is_number()) {
        m.run_stale_after.with({name}).set(stale->get<double>());
    }
    for (const auto& job : jobs_) {
        m.job_runs.with({job.name, job.kind, std::string(run::to_string(job.status))}).inc();
        const auto passed = count(job.json, "passed"), failed = count(job.json, "failed");
        const auto cancelled = job.status == run::JobStatus::skipped ? 0 : count(job.json, "skipped");
        if (passed) m.tasks.with({job.name, job.kind, "passed"}).inc(static_cast<double>(passed));
        if (failed) m.tasks.with({job.name, job.kind, "failed"}).inc(static_cast<double>(failed));
        if (cancelled) m.tasks.with({job.name, job.kind, "cancelled"}).inc(static_cast<double>(cancelled));
        std::string ignored;
        auto latency = job.fan_out ? std::optional(job.latency)
                                   : run::LatencyHistogram::from_json(job.json.value("latency_histogram", nlohmann::json()), &ignored);
        if (latency && latency->count() > 0) {
            auto& histogram = m.task_duration.with({job.name, job.kind});
            latency->for_each_bucket([&histogram](double seconds, std::uint64_t n) { histogram.observe(seconds, n); });
        }
        if (job.status == run::JobStatus::passed) {
            m.job_last_success.with({job.name}).set(ended_);
        } else if (const auto before = previous.jobs.find(job.name); before != previous.jobs.end()) {
            m.job_last_success.with({job.name}).set(before->second);
        }
    }
    return registry.expose();
}

}  // namespace gaia::report
