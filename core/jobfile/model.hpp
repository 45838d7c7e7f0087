#pragma once
// The job model: what a set of job files means once it is loaded and checked.

#include "core/jobfile/condition.hpp"
#include "core/jobfile/diagnostics.hpp"
#include "core/jobfile/template.hpp"
#include "core/jobfile/network_settings.hpp"
#include "core/jobfile/values.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobfile {

using namespace std::chrono_literals;

// What a job kind compiled from its own keys (or from its subsystem table); core never
// looks inside.
class KindConfig {
public:
    virtual ~KindConfig() = default;
    // True when the kind finds this job's instances itself as the job starts (a file
    // job's glob: one instance per match, `{{ item }}` the match). Such a job fans out
    // and takes neither `repeat` nor `for_each`.
    virtual bool expands() const { return false; }
};

struct RetryPolicy {
    std::uint32_t attempts = 0;  // extra attempts after the first
    Duration backoff = 200ms;
    Duration max_backoff = 10s;
};

struct Thresholds {
    double success_rate = 1.0;
    std::optional<Duration> p50, p95, p99, max;
};

struct ForEach {
    std::vector<nlohmann::json> items;  // a list written in the file
    std::string from_job;               // or a capture known only at run time
    std::string from_capture;
    bool dynamic() const noexcept { return !from_job.empty(); }
};

// How `gaia serve` runs a job (gaia-jobs(5), SCHEDULING): what happens when it is due while
// a run of it is still going, what a restart or a suspended machine missed, and whether its
// schedule fires at all.
struct SchedulePolicy {
    enum class Overlap { skip, queue, replace };
    Overlap overlap = Overlap::skip;
    std::optional<Duration> catchup;  // a fire time missed within this window runs once, late
    std::optional<Duration> jitter;   // every fire comes this much later at most, fixed per job
    std::string timezone;             // IANA zone the cron line is read in; empty: local
    bool paused = false;              // the schedule does not fire (a run on request still does)
};
std::string_view to_string(SchedulePolicy::Overlap overlap);

struct Job {
    std::string name;
    std::string kind;
    SourcePos pos;
    std::size_t file_index = 0;  // into JobSet::files
    std::vector<std::string> needs;
    SourcePos needs_pos;
    bool fan_out = false;        // has repeat or for_each: captures become arrays
    std::uint64_t repeat = 1;
    std::optional<ForEach> for_each;
    std::uint32_t concurrency = 0;  // 0: bounded only by the run and the subsystem
    std::optional<Rate> rate;
    std::optional<Duration> timeout;
    RetryPolicy retries;
    Thresholds thresholds;
    bool allow_failure = false;
    std::vector<std::string> tags;
    std::string schedule;
    SchedulePolicy scheduling;  // how gaia serve runs it on its schedule and on request
    // Under --shard, a job that is not a fan-out runs in every shard (the default: services
    // and setup the fan-outs need must be there in each) or, with `shard = "first"`, in
    // the first only (a notification, an upload of the results).
    bool first_shard_only = false;
    SourcePos shard_pos;
    // `if`: run only when it holds, once the jobs it needs have ended; else skipped.
    std::shared_ptr<const Condition> condition;
    // Jobs to run once the run has ended, if this one failed (or was cancelled) / passed.
    std::vector<std::string> on_failure, on_success;
    // Named in an on_failure or on_success list: it runs only as a hook, never in the run.
    bool hook = false;
    std::vector<std::string> captures;  // declared capture names, in file order
    // Captures written { from = "…", secret = true }: their values are masked in every
    // output once captured; templates still get them as they are.
    std::vector<std::string> secret_captures;
    // export = { "metric" = "CAPTURE" }: a gauge metric{job="NAME"} set from the capture
    // each time the job ends, in file order.
    std::vector<std::pair<std::string, std::string>> exports;
    std::shared_ptr<const KindConfig> config;
};

// One objective a subsystem's `[slo.NAME]` table may set, as the subsystem declares it
// (a kind in its KindSchema, the network coordinator in network_table.hpp).
struct SloKey {
    enum class Unit { ratio, duration, count, size };
    std::string_view name;
    Unit unit = Unit::count;
    // Its value when the table leaves it out (seconds for a duration, bytes for a size);
    // none: the objective is not judged unless set.
    std::optional<double> fallback;
};

// One subsystem's objectives from `[slo.NAME]`, by key: a ratio, seconds, a count or
// bytes. Keys left out take their SloKey's default, which gaia serve's health applies.
struct SloSettings {
    std::map<std::string, double, std::less<>> values;
};

struct Settings {
    std::uint32_t concurrency = 256;
    bool fail_fast = false;
    std::optional<Duration> timeout;
    std::string lock;                  // gaia run holds this file locked (relative paths: to the job file)
    std::optional<Duration> lock_wait;  // how long a run waits for it
    // Jobs to run once the run has ended, if it did not pass / if it passed.
    std::vector<std::string> on_failure, on_success;
    // How long without a passing run is too long (gaia_run_stale_after_seconds, for alerts).
    std::optional<Duration> stale_after;
};

// [serve]: what gaia serve keeps of past runs in its state database.
struct ServeSettings {
    std::uint64_t history_runs = 1000;  // the newest this many runs of each job
    double history_days = 30;           // and none older
};

struct JobSet {
    std::string name;
    std::vector<std::string> files;  // as given, then includes as resolved
    Settings settings;
    ServeSettings serve;
    Vars vars;
    std::vector<Job> jobs;  // in file order
    std::map<std::string, std::shared_ptr<const KindConfig>, std::less<>> subsystems;  // by subsystem name
    NetworkSettings network;
    std::map<std::string, SloSettings, std::less<>> slo;  // by subsystem name
    std::vector<std::string> secret_env;  // env.* names referenced: their values are redacted
    // "sha256:…" of what was loaded: every file's text in the order read (includes too),
    // then the --var overrides. The same on every machine that loads the same files the
    // same way, whatever their paths: shards' reports carry it, so that reports of
    // different job files are not merged.
    std::string digest;

    const Job* find(std::string_view job_name) const;
    std::size_t index_of(std::string_view job_name) const;  // jobs.size() when absent
};

}  // namespace gaia::jobfile
