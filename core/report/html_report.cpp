#include "core/report/html_report.hpp"
#include "core/jobfile/values.hpp"
#include "core/report/html_page.hpp"
#include "core/report/html_text.hpp"
#include "core/report/svg_charts.hpp"
#include "core/text/message_shape.hpp"
#include "core/text/tail.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gaia::report {
namespace {

using nlohmann::json;
using namespace html;

constexpr std::size_t kMaxGroups = 200;        // failure messages shown
constexpr std::size_t kMaxKeys = 12;           // instances named per message
constexpr std::size_t kMaxArtifactLinks = 8;   // artifact links per message
constexpr std::size_t kMaxCaptureBytes = 4096; // of a job's captures, as JSON
constexpr std::size_t kMaxSubsystemRows = 400; // per subsystem
constexpr std::size_t kMaxNesting = 64;        // levels of a value the page shows

// A report read defensively: it may come from another gaia or another hand.
const json& member(const json& o, std::string_view key) {
    static const json null;
    if (!o.is_object()) return null;
    const auto it = o.find(key);
    return it == o.end() ? null : *it;
}
std::string str(const json& o, std::string_view key) {
    const auto& v = member(o, key);
    return v.is_string() ? v.get<std::string>() : std::string();
}
std::optional<double> opt_num(const json& o, std::string_view key) {
    const auto& v = member(o, key);
    if (!v.is_number()) return std::nullopt;
    const double d = v.get<double>();
    return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
}
double num(const json& o, std::string_view key) { return opt_num(o, key).value_or(0); }
std::uint64_t count(const json& o, std::string_view key) {
    const auto& v = member(o, key);
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_number() && v.get<double>() > 0) return static_cast<std::uint64_t>(v.get<double>());
    return 0;
}

// Whether `value` nests more than `limit` levels. A report of another hand may nest without
// end, and dumping or walking such a value by recursion would overflow the stack; this
// walks it with a stack of its own.
bool nested_deeper_than(const json& value, std::size_t limit) {
    std::vector<std::pair<const json*, std::size_t>> stack{{&value, 0}};
    while (!stack.empty()) {
        const auto [v, depth] = stack.back();
        stack.pop_back();
        if (!v->is_structured()) continue;
        if (depth >= limit) return true;
        for (const auto& child : *v) stack.emplace_back(&child, depth + 1);
    }
    return false;
}

constexpr std::string_view kTooDeep = "(nested more than 64 levels deep: see the JSON report)";
static_assert(kMaxNesting == 64, "kTooDeep names the limit");

// A value as JSON text, unless it nests too deep to write.
std::string dump_shallow(const json& value, int indent) {
    if (nested_deeper_than(value, kMaxNesting)) return std::string(kTooDeep);
    return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

// The exit status gaia gives a run that ended so (gaia-run(1), EXIT STATUS).
int exit_status(const std::string& status) {
    if (status == "passed") return 0;
    if (status == "interrupted") return 130;
    if (status == "terminated") return 143;
    return 1;
}

std::string status_span(const std::string& status) {
    return "<span class=\"s-" + esc(status) + "\">" + esc(status.empty() ? "unknown" : status) + "</span>";
}

std::string fact(const std::string& value, const std::string& what) {
    return "<li><b>" + esc(value) + "</b><span>" + esc(what) + "</span></li>";
}

// A cell with a number to sort by.
std::string num_cell(double sort_value, const std::string& text) {
    char v[40];
    std::snprintf(v, sizeof v, "%.9g", std::isfinite(sort_value) ? sort_value : 0.0);
    return "<td class=\"n\" data-v=\"" + std::string(v) + "\">" + esc(text) + "</td>";
}

std::string sort_header(const std::vector<std::pair<std::string, bool>>& columns) {
    std::string out = "<thead><tr>";
    for (const auto& [name, numeric] : columns) {
        out += std::string("<th scope=\"col\"") + (numeric ? " class=\"n\"" : "") + "><button type=\"button\">" + esc(name) +
               "</button></th>";
    }
    return out + "</tr></thead>";
}

// One job as the page draws it.
struct JobView {
    const json* j = nullptr;
    std::size_t index = 0;  // in the report's "jobs"
    std::string name, status;
    std::size_t stage = 0;
    std::optional<run::LatencyHistogram> latency;
    run::ActivityTimeline activity;  // empty for a report without one
    std::uint64_t retries = 0;       // attempts after an instance's first
    struct Threshold {
        std::string what, limit, measured;
        bool held = true;
    };
    std::vector<Threshold> thresholds;
    bool thresholds_held = true;
};

// How many jobs deep each job is in the needs graph (jobs it needs first): the longest
// path to it, in one pass over the graph in dependency order (Kahn's). A report's needs
// cannot loop (the loader refuses cycles), but one from elsewhere might: the jobs on a
// cycle, and those after them, keep the depth their other needs gave them.
void assign_stages(std::vector<JobView>& jobs) {
    std::unordered_map<std::string_view, std::size_t> by_name;
    for (std::size_t i = 0; i < jobs.size(); ++i) by_name.emplace(jobs[i].name, i);
    std::vector<std::vector<std::size_t>> dependents(jobs.size());
    std::vector<std::size_t> waiting(jobs.size(), 0), ready;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const auto& needs = member(*jobs[i].j, "needs");
        if (!needs.is_array()) continue;
        for (const auto& need : needs) {
            if (!need.is_string()) continue;
            const auto it = by_name.find(need.get_ref<const std::string&>());
            if (it == by_name.end() || it->second == i) continue;
            dependents[it->second].push_back(i);
            ++waiting[i];
        }
    }
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (waiting[i] == 0) ready.push_back(i);
    }
    while (!ready.empty()) {
        const auto i = ready.back();
        ready.pop_back();
        for (const auto d : dependents[i]) {
            jobs[d].stage = std::max(jobs[d].stage, jobs[i].stage + 1);
            if (--waiting[d] == 0) ready.push_back(d);
        }
    }
}

void judge_thresholds(JobView& view) {
    const auto& j = *view.j;
    const auto& t = member(j, "thresholds");
    if (!t.is_object()) return;
    const auto passed = count(j, "passed"), failed = count(j, "failed");
    const bool fan_out = member(j, "fan_out").is_boolean() && member(j, "fan_out").get<bool>();
    if (const auto rate = opt_num(t, "success_rate"); rate && (fan_out || *rate < 1) && passed + failed > 0) {
        const double measured = static_cast<double>(passed) / static_cast<double>(passed + failed);
        view.thresholds.push_back({"success rate", "≥ " + percent_label(*rate), percent_label(measured), measured >= *rate});
    }
    const auto& latency = member(j, "latency_s");
    for (const char* key : {"p50", "p95", "p99", "max"}) {
        const auto& limit = member(t, key);
        if (!limit.is_string()) continue;
        std::string problem;
        const auto d = jobfile::parse_duration(limit.get<std::string>(), &problem);
        if (!d) continue;
        const double limit_s = std::chrono::duration<double>(*d).count();
        const double measured = num(latency, key);
        view.thresholds.push_back({std::string(key) + " latency", "≤ " + limit.get<std::string>(), duration_label(measured),
                                   measured <= limit_s});
    }
    for (const auto& th : view.thresholds) view.thresholds_held = view.thresholds_held && th.held;
}

std::vector<JobView> job_views(const json& jobs) {
    std::vector<JobView> views;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        JobView v;
        v.j = &jobs[i];
        v.index = i;
        v.name = str(jobs[i], "name");
        v.status = str(jobs[i], "status");
        std::string ignored;
        v.latency = run::LatencyHistogram::from_json(member(jobs[i], "latency_histogram"), &ignored);
        // Retries are the attempts beyond each started instance's first. The activity counts
        // the instances that started, a cancelled one too; without it, the passed and the
        // failed are the instances known to have started.
        const auto attempts = count(jobs[i], "attempts");
        std::uint64_t started = count(jobs[i], "passed") + count(jobs[i], "failed");
        if (auto activity = run::ActivityTimeline::from_json(member(jobs[i], "activity"), &ignored)) {
            v.activity = std::move(*activity);
            started = 0;
            for (const auto& b : v.activity.bins()) started += b.started;
        }
        v.retries = attempts > started ? attempts - started : 0;
        judge_thresholds(v);
        views.push_back(std::move(v));
    }
    assign_stages(views);
    return views;
}

std::string header(const json& report, const std::vector<JobView>& jobs) {
    const auto& run = member(report, "run");
    const auto status = str(run, "status");
    std::uint64_t instances = 0, failed = 0, skipped = 0, retries = 0, jobs_passed = 0, jobs_failed = 0, jobs_cancelled = 0;
    for (const auto& v : jobs) {
        instances += count(*v.j, "instances");
        failed += count(*v.j, "failed");
        skipped += count(*v.j, "skipped");
        retries += v.retries;
        jobs_passed += v.status == "passed";
        jobs_failed += v.status == "failed";
        jobs_cancelled += v.status == "cancelled";
    }
    std::string out = "<header>\n<h1><span class=\"verdict " + esc(status) + "\">" + esc(status.empty() ? "unknown" : status) +
                      "</span> " + esc(str(run, "name")) + "</h1>\n<p class=\"muted\">run " + esc(str(run, "id")) +
                      ", started " + esc(str(run, "started"));
    const auto& files = member(run, "files");
    if (files.is_array() && !files.empty()) {
        out += ", from ";
        for (std::size_t i = 0; i < files.size() && i < 5; ++i) out += (i ? ", " : "") + esc(files[i].is_string() ? files[i].get<std::string>() : "");
        if (files.size() > 5) out += " and " + count_label(files.size() - 5) + " more";
    }
    if (const auto shard = str(run, "shard"); !shard.empty()) out += "; shard " + esc(shard);
    if (const auto& from = member(run, "merged_from"); from.is_array()) out += "; merged from " + count_of(from.size(), "shard", "shards");
    out += "</p>\n<ul class=\"facts\">";
    out += fact("exit " + std::to_string(exit_status(status)), "exit status");
    out += fact(duration_label(num(run, "duration_s")), "duration");
    out += fact(count_label(jobs_passed) + " of " + count_label(jobs.size()), "jobs passed");
    if (jobs_failed) out += fact(count_label(jobs_failed), "jobs failed");
    if (jobs_cancelled) out += fact(count_label(jobs_cancelled), "jobs cancelled");
    out += fact(count_label(instances), "instances");
    out += fact(count_label(failed), "instances failed");
    if (skipped) out += fact(count_label(skipped), "instances skipped");
    if (retries) out += fact(count_label(retries), "retries");
    if (const auto lag = opt_num(run, "loop_lag_max_s")) out += fact(duration_label(*lag), "worst loop lag");
    out += "</ul>\n</header>\n";
    return out;
}

std::string lane_summary(const JobView& v) {
    const auto& j = *v.j;
    std::string s = v.name + ": " + (v.status.empty() ? "unknown" : v.status);
    if (const auto started = opt_num(j, "started_s")) {
        s += ", from " + duration_label(*started) + " to " + duration_label(num(j, "finished_s"));
    } else {
        s += ", did not run";
    }
    s += ", " + count_of(count(j, "instances"), "instance", "instances");
    if (const auto f = count(j, "failed")) s += ", " + count_label(f) + " failed";
    if (v.retries) s += ", " + count_of(v.retries, "retry", "retries");
    return s;
}

std::string timeline_section(const json& report, const std::vector<JobView>& jobs) {
    std::vector<const JobView*> order;
    for (const auto& v : jobs) order.push_back(&v);
    std::stable_sort(order.begin(), order.end(), [](const JobView* a, const JobView* b) { return a->stage < b->stage; });
    std::vector<TimelineLane> lanes;
    double end = num(member(report, "run"), "duration_s");
    for (const auto* v : order) {
        TimelineLane lane;
        lane.label = v->name;
        lane.href = "#" + anchor("job", v->index);
        lane.status = v->status;
        lane.start_s = opt_num(*v->j, "started_s");
        lane.end_s = opt_num(*v->j, "finished_s");
        if (lane.end_s) end = std::max(end, *lane.end_s);
        lane.activity = v->activity;
        lane.stage = v->stage;
        lane.summary = lane_summary(*v);
        lanes.push_back(std::move(lane));
    }
    return "<section id=\"timeline\" aria-labelledby=\"timeline-h\">\n<h2 id=\"timeline-h\">Timeline</h2>\n"
           "<p class=\"muted\">A lane per job, grouped by how deep it is in its <code>needs</code>; the shade inside is "
           "how many of its instances ran at once, red lines are failures, amber marks retries. Each lane links to its "
           "job.</p>\n" +
           timeline_svg(lanes, end) + "\n</section>\n";
}

std::string jobs_section(const std::vector<JobView>& jobs) {
    std::string out = "<section id=\"jobs\" aria-labelledby=\"jobs-h\">\n<h2 id=\"jobs-h\">Jobs</h2>\n<div class=\"wide\"><table class=\"sortable jobs\">";
    out += sort_header({{"job", false}, {"kind", false}, {"status", false}, {"instances", true}, {"failed", true},
                        {"attempts", true}, {"p50", true}, {"p95", true}, {"p99", true}, {"max", true}, {"started", true},
                        {"duration", true}, {"thresholds", false}});
    out += "<tbody>";
    for (const auto& v : jobs) {
        const auto& j = *v.j;
        const auto& latency = member(j, "latency_s");
        const bool ran = v.latency && v.latency->count() > 0;
        auto lat = [&](const char* key) { return ran ? num_cell(num(latency, key), duration_label(num(latency, key))) : num_cell(-1, "-"); };
        std::string status = v.status;
        if (status == "failed" && member(j, "allow_failure").is_boolean() && member(j, "allow_failure").get<bool>()) status += " (allowed)";
        const auto started = opt_num(j, "started_s");
        out += "<tr><td><a href=\"#" + anchor("job", v.index) + "\">" + esc(v.name) + "</a></td><td>" + esc(str(j, "kind")) +
               "</td><td>" + status_span(status) + "</td>" +
               num_cell(static_cast<double>(count(j, "instances")), count_label(count(j, "instances"))) +
               num_cell(static_cast<double>(count(j, "failed")), count_label(count(j, "failed"))) +
               num_cell(static_cast<double>(count(j, "attempts")), count_label(count(j, "attempts"))) + lat("p50") + lat("p95") +
               lat("p99") + lat("max") + (started ? num_cell(*started, duration_label(*started)) : num_cell(-1, "-")) +
               num_cell(num(j, "duration_s"), duration_label(num(j, "duration_s")));
        if (v.thresholds.empty()) out += "<td class=\"muted\">-</td>";
        else if (v.thresholds_held) out += "<td class=\"held\">held</td>";
        else out += "<td class=\"broke\">broken</td>";
        out += "</tr>\n";
    }
    out += "</tbody></table></div>\n</section>\n";
    return out;
}

// A link to an artifact, relative to the page when both are on this machine.
std::string artifact_link(const std::string& path, const HtmlOptions& options) {
    std::filesystem::path p(path);
    if (p.is_relative()) p = options.run_dir / p;
    std::error_code ec;
    auto relative = std::filesystem::proximate(p.lexically_normal(), options.page_dir, ec);
    const auto href = ec ? p.string() : relative.generic_string();
    return "<a href=\"" + esc(url_path(href)) + "\">" + esc(std::filesystem::path(path).filename().string()) + "</a>";
}

std::string instance_key(const json& instance) {
    std::string key = "#" + std::to_string(count(instance, "index"));
    const auto& item = member(instance, "item");
    if (!item.is_null()) {
        const auto text = item.is_string() ? item.get<std::string>() : dump_shallow(item, -1);
        key += " " + (text.size() > 60 ? std::string(text::head_of(text, 57)) + "…" : text);
    }
    return key;
}

std::string failures_section(const json& report, const std::vector<JobView>& jobs, const HtmlOptions& options,
                             std::size_t* shown_count) {
    struct Group {
        std::size_t job = 0;
        std::string message;
        std::uint64_t count = 0;
        std::vector<std::string> keys, artifacts;
        bool verdict = false;  // the job's own reason (thresholds, a failure before its instances)
        bool varied = false;   // its instances' messages differ in the numbers that name them
    };
    std::vector<Group> groups;
    std::map<std::pair<std::size_t, std::string>, std::size_t> index;
    std::unordered_map<std::string, std::size_t> job_of;
    for (const auto& v : jobs) job_of.emplace(v.name, v.index);
    // The jobs' own reasons, where they are not an instance's error.
    for (const auto& v : jobs) {
        if (v.status != "failed" && v.status != "cancelled") continue;
        const auto error = str(*v.j, "first_error");
        if (error.empty() || error.rfind("instance ", 0) == 0) continue;
        groups.push_back({v.index, error, 1, {}, {}, true, false});
    }
    const auto& instances = member(report, "instances");
    if (instances.is_array()) {
        for (const auto& instance : instances) {
            const auto status = str(instance, "status");
            if (status == "passed") continue;
            const auto job = job_of.find(str(instance, "job"));
            if (job == job_of.end()) continue;
            auto message = str(instance, "error");
            if (message.empty()) message = status;
            // By shape: "GET …/items/3: status 503" and "GET …/items/13: status 503" are one.
            const auto [it, fresh] = index.emplace(std::pair{job->second, text::message_shape(message)}, groups.size());
            if (fresh) groups.push_back({job->second, message, 0, {}, {}, false, false});
            auto& g = groups[it->second];
            g.varied = g.varied || message != g.message;
            ++g.count;
            if (g.keys.size() < kMaxKeys) g.keys.push_back(instance_key(instance));
            const auto& artifacts = member(instance, "artifacts");
            if (artifacts.is_array()) {
                for (const auto& a : artifacts) {
                    if (a.is_string() && g.artifacts.size() < kMaxArtifactLinks) g.artifacts.push_back(artifact_link(a.get<std::string>(), options));
                }
            }
        }
    }
    std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
        return a.verdict != b.verdict ? a.verdict : a.count > b.count;
    });
    *shown_count = groups.size();
    std::string out = "<section id=\"failures\" aria-labelledby=\"failures-h\">\n<h2 id=\"failures-h\">Failures</h2>\n";
    if (groups.empty()) return out + "<p>None: every instance that ran passed.</p>\n</section>\n";
    out += "<table class=\"sortable\">" + sort_header({{"job", false}, {"message", false}, {"count", true}, {"instances", false},
                                                       {"artifacts", false}}) + "<tbody>";
    for (std::size_t i = 0; i < groups.size() && i < kMaxGroups; ++i) {
        const auto& g = groups[i];
        out += "<tr><td><a href=\"#" + anchor("job", g.job) + "\">" + esc(jobs[g.job].name) + "</a></td><td><code>" +
               esc(clip(g.message, 1024)) + "</code>" + (g.verdict ? " <span class=\"muted\">(the job's verdict)</span>" : "") +
               (g.varied ? " <span class=\"muted\">(and messages like it that differ in the numbers of a path or a name)</span>" : "") +
               "</td>" + num_cell(static_cast<double>(g.count), count_label(g.count)) + "<td>";
        for (std::size_t k = 0; k < g.keys.size(); ++k) out += (k ? ", " : "") + esc(g.keys[k]);
        if (g.count > g.keys.size() && !g.keys.empty()) out += " and " + count_label(g.count - g.keys.size()) + " more";
        out += "</td><td>";
        for (std::size_t k = 0; k < g.artifacts.size(); ++k) out += (k ? " " : "") + g.artifacts[k];
        out += "</td></tr>\n";
    }
    out += "</tbody></table>\n";
    if (groups.size() > kMaxGroups) {
        out += "<p class=\"muted\">" + count_label(groups.size() - kMaxGroups) +
               " more messages are not shown here; the JSON report lists every failed instance.</p>\n";
    }
    if (const auto listed = str(member(report, "run"), "instances_listed"); listed == "failed" || listed == "all") {
        out += "<p class=\"muted\">From the instances the JSON report lists (" + esc(listed) + ").</p>\n";
    }
    return out + "</section>\n";
}

std::string json_block(const json& value, std::size_t max_bytes) {
    return "<pre>" + esc(clip(dump_shallow(value, 1), max_bytes)) + "</pre>";
}

std::string job_section(const JobView& v) {
    const auto& j = *v.j;
    std::string out = "<section class=\"job\" id=\"" + anchor("job", v.index) + "\" aria-labelledby=\"" + anchor("job-h", v.index) +
                      "\">\n<h3 id=\"" + anchor("job-h", v.index) + "\">" + esc(v.name) + " " + status_span(v.status) + "</h3>\n";
    out += "<p class=\"muted\">" + esc(str(j, "kind"));
    if (const auto file = str(j, "file"); !file.empty()) out += " · " + esc(file);
    if (const auto& needs = member(j, "needs"); needs.is_array() && !needs.empty()) {
        out += " · needs ";
        for (std::size_t i = 0; i < needs.size(); ++i) out += (i ? ", " : "") + esc(needs[i].is_string() ? needs[i].get<std::string>() : "");
    }
    if (const auto started = opt_num(j, "started_s")) {
        out += " · from " + duration_label(*started) + " to " + duration_label(num(j, "finished_s"));
    }
    out += "</p>\n<ul class=\"facts\">";
    out += fact(count_label(count(j, "instances")), "instances");
    out += fact(count_label(count(j, "passed")), "passed");
    out += fact(count_label(count(j, "failed")), "failed");
    if (const auto s = count(j, "skipped")) out += fact(count_label(s), "skipped");
    out += fact(count_label(count(j, "attempts")), "attempts");
    if (const auto b = count(j, "bytes")) out += fact(bytes_label(static_cast<double>(b)), "bytes");
    if (const auto cpu = num(j, "cpu_s"); cpu > 0) out += fact(duration_label(cpu), "CPU");
    if (const auto rss = count(j, "peak_rss_bytes")) out += fact(bytes_label(static_cast<double>(rss)), "peak RSS");
    out += "</ul>\n";
    if (!v.thresholds.empty()) {
        out += "<table><thead><tr><th scope=\"col\">threshold</th><th scope=\"col\">limit</th><th scope=\"col\">measured</th>"
               "<th scope=\"col\">held</th></tr></thead><tbody>";
        for (const auto& t : v.thresholds) {
            out += "<tr><td>" + esc(t.what) + "</td><td>" + esc(t.limit) + "</td><td>" + esc(t.measured) + "</td><td class=\"" +
                   (t.held ? "held\">yes" : "broke\">no") + "</td></tr>";
        }
        out += "</tbody></table>\n";
    }
    if (v.latency && v.latency->count() > 0) {
        const auto& latency = member(j, "latency_s");
        std::vector<ChartMark> marks, limits;
        if (v.latency->count() > 1) {
            for (const char* key : {"p50", "p95", "p99"}) marks.push_back({key, num(latency, key)});
        }
        const auto& t = member(j, "thresholds");
        for (const char* key : {"p50", "p95", "p99", "max"}) {
            const auto& limit = member(t, key);
            std::string problem;
            if (!limit.is_string()) continue;
            if (const auto d = jobfile::parse_duration(limit.get<std::string>(), &problem)) {
                limits.push_back({std::string(key) + " limit", std::chrono::duration<double>(*d).count()});
            }
        }
        const auto title = "Latency of " + v.name + ": " + count_of(v.latency->count(), "instance", "instances") + ", p50 " +
                           duration_label(num(latency, "p50")) + ", p95 " + duration_label(num(latency, "p95")) + ", p99 " +
                           duration_label(num(latency, "p99")) + ", max " + duration_label(num(latency, "max"));
        out += "<figure><figcaption class=\"muted\">" + esc(title) + "</figcaption>" +
               histogram_svg(*v.latency, marks, limits, title) + "</figure>\n";
    }
    if (const auto error = str(j, "first_error"); !error.empty()) out += "<p>First error:</p><pre>" + esc(clip(error, 4096)) + "</pre>\n";
    if (const auto& captures = member(j, "captures"); captures.is_object() && !captures.empty()) {
        out += "<details><summary>Captures</summary>" + json_block(captures, kMaxCaptureBytes) + "</details>\n";
    }
    if (const auto& details = member(j, "details"); details.is_object() && !details.empty()) {
        const bool failed = count(j, "failed") > 0;
        out += std::string("<details><summary>") + (failed ? "Details of the first failed instance" : "Details") + "</summary>" +
               json_block(details, kMaxCaptureBytes) + "</details>\n";
    }
    return out + "</section>\n";
}

// A subsystem's figures as rows: nested keys joined with dots, percentiles on one row,
// seconds and bytes in their units.
void flatten(const json& value, const std::string& key, std::vector<std::pair<std::string, std::string>>& rows,
             std::size_t depth = 0) {
    if (rows.size() >= kMaxSubsystemRows) return;
    if (depth > kMaxNesting) {
        rows.emplace_back(key, std::string(kTooDeep));
        return;
    }
    if (value.is_object()) {
        if (value.contains("p50") && value.contains("p99") && value["p50"].is_number()) {
            std::string text;
            for (const char* p : {"p50", "p95", "p99", "max"}) {
                if (value.contains(p) && value[p].is_number()) text += (text.empty() ? "" : " · ") + std::string(p) + " " + duration_label(value[p].get<double>());
            }
            rows.emplace_back(key, text);
            return;
        }
        for (const auto& [k, v] : value.items()) flatten(v, key.empty() ? k : key + "." + k, rows, depth + 1);
        return;
    }
    if (value.is_array()) {
        bool scalars = true;
        for (const auto& v : value) scalars = scalars && !v.is_structured();
        if (scalars) {
            rows.emplace_back(key, clip(value.dump(-1, ' ', false, json::error_handler_t::replace), 512));
            return;
        }
        for (std::size_t i = 0; i < value.size(); ++i) flatten(value[i], key + "[" + std::to_string(i) + "]", rows, depth + 1);
        return;
    }
    std::string text;
    const auto ends_with = [&key](std::string_view suffix) {
        return key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (value.is_number()) {
        const double d = value.get<double>();
        if (ends_with("bytes")) text = bytes_label(d);
        else if (ends_with("_s") || ends_with("seconds")) text = duration_label(d);
        else if (value.is_number_integer() || value.is_number_unsigned()) text = d < 0 ? std::to_string(value.get<std::int64_t>()) : count_label(value.get<std::uint64_t>());
        else {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.4g", d);
            text = buf;
        }
    } else if (value.is_string()) {
        text = clip(value.get<std::string>(), 512);
    } else {
        text = value.dump();
    }
    rows.emplace_back(key, text);
}

// The API client pool's requests by host: their count and status codes (0: no response).
std::string hosts_table(const json& hosts) {
    std::string out = "<table class=\"sortable\">" + sort_header({{"host", false}, {"requests", true}, {"status codes", false}}) +
                      "<tbody>";
    std::size_t shown = 0;
    for (const auto& [host, figures] : hosts.items()) {
        if (++shown > kMaxSubsystemRows) break;
        std::string codes;
        if (const auto& by_code = member(figures, "codes"); by_code.is_object()) {
            for (const auto& [code, n] : by_code.items()) {
                codes += (codes.empty() ? "" : " · ") + (code == "0" ? std::string("no response") : code) + " × " +
                         count_label(n.is_number_unsigned() ? n.get<std::uint64_t>() : 0);
            }
        }
        const auto requests = count(figures, "requests");
        out += "<tr><td>" + esc(host) + "</td>" + num_cell(static_cast<double>(requests), count_label(requests)) + "<td>" +
               esc(codes) + "</td></tr>\n";
    }
    out += "</tbody></table>\n";
    if (shown > kMaxSubsystemRows) out += "<p class=\"muted\">More hosts are in the JSON report.</p>\n";
    return out;
}

std::string subsystem_table(const std::string& name, const json& figures) {
    std::vector<std::pair<std::string, std::string>> rows;
    std::string out = "<h3>" + esc(name) + "</h3>\n";
    if (const auto& hosts = member(figures, "hosts"); hosts.is_object()) {
        out += hosts_table(hosts);
        json rest = figures;
        rest.erase("hosts");
        flatten(rest, "", rows);
    } else {
        flatten(figures, "", rows);
    }
    if (rows.empty()) return out;
    out += "<table><tbody>";
    for (const auto& [k, v] : rows) out += "<tr><th scope=\"row\">" + esc(k) + "</th><td>" + esc(v) + "</td></tr>";
    out += "</tbody></table>\n";
    if (rows.size() >= kMaxSubsystemRows) out += "<p class=\"muted\">More figures are in the JSON report.</p>\n";
    return out;
}

std::string subsystems_section(const json& report) {
    std::string out = "<section id=\"subsystems\" aria-labelledby=\"subsystems-h\">\n<h2 id=\"subsystems-h\">Subsystems</h2>\n";
    const auto& subsystems = member(report, "subsystems");
    bool any = false;
    if (subsystems.is_object()) {
        for (const auto& [name, figures] : subsystems.items()) {
            out += subsystem_table(name, figures);
            any = true;
        }
    }
    // A merged report keeps each shard's (its own machine's DNS cache, pool, network).
    if (const auto& from = member(member(report, "run"), "merged_from"); from.is_array()) {
        for (const auto& shard : from) {
            const auto& figures = member(shard, "subsystems");
            if (!figures.is_object() || figures.empty()) continue;
            out += "<details><summary>Shard " + esc(str(shard, "shard")) + "</summary>";
            for (const auto& [name, each] : figures.items()) out += subsystem_table(name, each);
            out += "</details>\n";
            any = true;
        }
    }
    if (!any) out += "<p class=\"muted\">The run's jobs used no subsystem that keeps figures.</p>\n";
    return out + "</section>\n";
}

}  // namespace

std::string write_html(const json& report, const HtmlOptions& options, const ReportOut& out) {
    if (!report.is_object() || !member(report, "run").is_object() || !member(report, "jobs").is_array()) {
        return "not a gaia JSON report: it has no \"run\" object and \"jobs\" array";
    }
    for (const auto& job : report["jobs"]) {
        if (!job.is_object() || !member(job, "name").is_string()) return "not a gaia JSON report: a job without a name";
    }
    const auto& run = report["run"];
    const auto jobs = job_views(report["jobs"]);
    out(html::page_head("gaia: " + str(run, "name") + " " + str(run, "status")));
    out(header(report, jobs));
    std::size_t failure_groups = 0;
    const auto failures = failures_section(report, jobs, options, &failure_groups);
    out("<nav aria-label=\"Sections\"><ul><li><a href=\"#timeline\">Timeline</a></li><li><a href=\"#jobs\">Jobs</a></li>"
        "<li><a href=\"#failures\">Failures (" + count_label(failure_groups) + ")</a></li><li><a href=\"#details\">Each job</a>"
        "</li><li><a href=\"#subsystems\">Subsystems</a></li></ul></nav>\n<main>\n");
    out(timeline_section(report, jobs));
    out(jobs_section(jobs));
    out(failures);
    out("<section id=\"details\" aria-labelledby=\"details-h\">\n<h2 id=\"details-h\">Each job</h2>\n");
    for (const auto& v : jobs) out(job_section(v));
    out("</section>\n");
    out(subsystems_section(report));
    out("</main>\n<footer class=\"muted\"><p>Drawn by gaia from the JSON report of run " + esc(str(run, "id")) + ".</p></footer>\n");
    out(html::page_foot());
    return {};
}

std::string write_html_from_text(std::string_view report_text, const HtmlOptions& options, const ReportOut& out) {
    const auto report = json::parse(report_text, nullptr, false);
    if (report.is_discarded()) return "not a gaia JSON report: it is not JSON";
    return write_html(report, options, out);
}

HtmlOptions HtmlOptions::for_page(const std::string& page_path) {
    std::error_code ec;
    HtmlOptions o;
    o.run_dir = std::filesystem::current_path(ec);
    o.page_dir = std::filesystem::absolute(page_path, ec).parent_path();
    return o;
}

}  // namespace gaia::report
