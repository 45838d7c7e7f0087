#include "core/serve/job_runner.hpp"

#include "core/serve/job_json.hpp"
#include "core/serve/run_record.hpp"
#include "core/jobfile/values.hpp"
#include "core/report/run_report.hpp"
#include "core/run/scheduler.hpp"
#include "core/run/selection.hpp"
#include "core/run/subsystems.hpp"

#include <spdlog/spdlog.h>

#include <uv.h>

#include <algorithm>

namespace gaia::serve {

using WallClock = std::chrono::system_clock;

// One loaded job set and the subsystems its runs share.
struct JobRunner::Generation {
    std::unique_ptr<jobfile::JobSet> set;
    std::unique_ptr<run::Subsystems> subsystems;
    std::size_t runs = 0;
    bool draining = false;
};

struct JobRunner::Run {
    Generation* gen = nullptr;
    std::string job;
    std::string trigger;  // schedule, api, catch-up
    std::string id;
    WallClock::time_point started;
    std::unique_ptr<run::Scheduler> scheduler;
    RunRecord record;  // what did not pass, for the history
};

namespace {

// A wall-clock wait is re-checked at least this often, so that a clock that is set or a
// machine that slept does not make a scheduled run late by the whole gap.
constexpr auto kMaxTimerWait = std::chrono::seconds(60);

// A fire time found this late was missed (gaia was not running, the machine slept, the loop
// stalled): it runs only within the job's catchup window. Longer than kMaxTimerWait, which
// a due time may legitimately be late by after a resume.
constexpr auto kMissedAfter = std::chrono::seconds(90);

// `jitter`'s fixed delay: the same for a job on a host across restarts (systemd's
// FixedRandomDelay), different between jobs and hosts, so that runs spread out but stay
// evenly spaced. FNV-1a over the host and job names.
std::chrono::microseconds jitter_of(const jobfile::Job& job) {
    if (!job.scheduling.jitter || job.scheduling.jitter->count() <= 0) return std::chrono::microseconds(0);
    char host[256] = {};
    std::size_t size = sizeof host;
    if (uv_os_gethostname(host, &size) != 0) host[0] = '\0';
    std::uint64_t hash = 14695981039346656037ULL;
    for (std::string_view part : {std::string_view(host), std::string_view("/"), std::string_view(job.name)}) {
        for (unsigned char c : part) hash = (hash ^ c) * 1099511628211ULL;
    }
    const auto span = static_cast<std::uint64_t>(job.scheduling.jitter->count());
    return std::chrono::microseconds(static_cast<std::int64_t>(hash % span));
}

// What a saved next run belongs to: the cron line and the zone it is read in.
std::string schedule_key(const jobfile::Schedule& schedule) {
    return schedule.zone_name().empty() ? schedule.text() : schedule.text() + " TZ=" + schedule.zone_name();
}

double unix_seconds(WallClock::time_point t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

WallClock::time_point from_unix_seconds(double s) {
    return WallClock::time_point(std::chrono::duration_cast<WallClock::duration>(std::chrono::duration<double>(s)));
}

std::string seconds_text(WallClock::duration d) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
    if (s < 120) return std::to_string(s) + " s";
    if (s < 7200) return std::to_string(s / 60) + " min";
    return std::to_string(s / 3600) + " h";
}

}  // namespace

JobRunner::JobRunner(RunnerEnv env) : env_(std::move(env)) {}

JobRunner::~JobRunner() {
    // shutdown() has ended every run and closed every generation; this is for a caller that
    // could not wait: nothing may outlive the loop's handles.
    for (auto& [raw, run] : runs_) run->scheduler.reset();
    if (current_) current_->subsystems->close();
    for (auto& gen : retiring_) gen->subsystems->close();
}

std::unique_ptr<JobRunner::Generation> JobRunner::make_generation(std::unique_ptr<jobfile::JobSet> set) {
    auto gen = std::make_unique<Generation>();
    gen->set = std::move(set);
    gen->subsystems = std::make_unique<run::Subsystems>(
        run::RunEnv{env_.loop, env_.children, env_.registry, env_.redactor, env_.output, nullptr, nullptr, env_.clock},
        env_.kinds,
        *gen->set);
    // Several runs share the subsystems: a lost service fails what needs it in each of them.
    Generation* raw = gen.get();
    gen->subsystems->env().service_lost = [this, raw](const jobfile::Job& service, const std::string& reason) {
        for (auto& [run, owned] : runs_) {
            if (run->gen == raw) run->scheduler->service_lost(service, reason);
        }
    };
    return gen;
}

void JobRunner::load(std::unique_ptr<jobfile::JobSet> set) {
    if (current_) {
        Generation* old = current_.get();
        retiring_.push_back(std::move(current_));
        retire_if_idle(old);
    }
    current_ = make_generation(std::move(set));
    env_.health.set_objectives(current_->set->slo);
    if (env_.history) env_.history->set_retention({current_->set->serve.history_runs, current_->set->serve.history_days});

    // Jobs gone from the files go (their history stays in the database until retention drops
    // it). One whose run is still going stays until that run ends (on_run_finished removes
    // it), but is due no more.
    for (auto it = jobs_.begin(); it != jobs_.end();) {
        if (current_->set->find(it->first)) {
            ++it;
        } else if (!it->second.running) {
            it = jobs_.erase(it);
        } else {
            it->second.job = nullptr;
            it->second.schedule.reset();
            it->second.next_run.reset();
            it->second.timer.reset();
            it->second.waiting = nullptr;
            ++it;
        }
    }
    // The first load goes on from what the state database kept.
    std::map<std::string_view, const StoredJob*> saved;
    if (env_.history && !restored_) {
        for (const auto& job : env_.history->restored().jobs) saved[job.name] = &job;
    }
    restored_ = true;
    const auto now = env_.clock->wall();
    for (const auto& job : current_->set->jobs) {
        auto [it, fresh] = jobs_.try_emplace(job.name);
        auto& state = it->second;
        state.job = &job;
        const StoredJob* kept = nullptr;
        if (auto found = saved.find(job.name); fresh && found != saved.end()) {
            kept = found->second;
            state.runs = kept->runs;
            state.skipped = kept->skipped;
            state.paused = kept->paused;
            state.file_paused = kept->file_paused;
            const auto& last = env_.history->restored().last_run;
            if (auto l = last.find(job.name); l != last.end()) {
                state.last = nlohmann::json::parse(l->second, nullptr, false);
                if (state.last.is_discarded()) state.last = nullptr;
            }
        } else if (fresh) {
            state.file_paused = job.scheduling.paused;
            state.paused = job.scheduling.paused;
        }
        // The job file's `paused` wins when it changed since it was last read; otherwise
        // what the API set holds.
        if (job.scheduling.paused != state.file_paused) state.paused = job.scheduling.paused;
        state.file_paused = job.scheduling.paused;
        plan(state, now, kept);
        arm(job.name, state);
        save(job.name, state);
    }
}

void JobRunner::plan(JobState& state, TimePoint now, const StoredJob* saved) {
    const auto& job = *state.job;
    const auto jitter = jitter_of(job);
    if (job.schedule.empty()) {
        state.schedule.reset();
        state.next_run.reset();
        return;
    }
    const bool changed = !state.schedule || state.schedule->text() != job.schedule ||
                         state.schedule->zone_name() != job.scheduling.timezone || state.jitter != jitter;
    if (changed) {
        std::string error;
        state.schedule = jobfile::Schedule::parse(job.schedule, &error);  // the loader checked both
        if (state.schedule && !job.scheduling.timezone.empty()) state.schedule->set_zone(job.scheduling.timezone, &error);
        state.jitter = jitter;
    }
    if (state.paused) {
        state.next_run.reset();
        return;
    }
    if (saved && saved->next_run && saved->schedule == schedule_key(*state.schedule)) {
        // gaia was waiting for this fire time when it stopped.
        const auto due = from_unix_seconds(*saved->next_run);
        if (due > now) {
            state.next_run = due;
            return;
        }
        // Missed while gaia was not running: if a fire time falls in the catchup window, one
        // run makes up for all of them now.
        const auto window = job.scheduling.catchup
                                ? std::chrono::duration_cast<WallClock::duration>(*job.scheduling.catchup)
                                : WallClock::duration::zero();
        std::optional<TimePoint> in_window;
        if (const auto interval = state.schedule->interval()) {
            // due, due + D, due + 2D…: the latest of them is in the window or none is.
            const auto step = std::chrono::duration_cast<WallClock::duration>(*interval);
            const auto latest = due + (now - due) / step * step;
            if (now - latest <= window) in_window = latest;
        } else {
            const auto from = std::max(due, now - window);
            auto first = from == due ? std::optional<TimePoint>(due) : next_fire(state, from - std::chrono::microseconds(1));
            if (first && *first <= now) in_window = first;
        }
        const bool caught = window > WallClock::duration::zero() && in_window;
        catch_up_or_miss(state, now - (caught ? *in_window : due), caught, "while gaia was not running");
        state.next_run = next_fire(state, now);
        return;
    }
    if (changed || !state.next_run) state.next_run = next_fire(state, now);
}

std::optional<JobRunner::TimePoint> JobRunner::next_fire(const JobState& state, TimePoint after, bool after_due) const {
    if (!state.schedule) return std::nullopt;
    const auto jitter = std::chrono::duration_cast<WallClock::duration>(state.jitter);
    // An interval counts from `after`: jitter shifts its phase once, when it is planned
    // from now; from a due time, which has it, the interval alone follows.
    if (state.schedule->interval()) return state.schedule->next_after(after_due ? after : after + jitter);
    auto next = state.schedule->next_after(after - jitter);
    if (!next) return std::nullopt;
    return *next + jitter;
}

void JobRunner::save(const std::string& name, const JobState& state) {
    if (!env_.history) return;
    StoredJob job;
    job.name = name;
    job.paused = state.paused;
    job.file_paused = state.file_paused;
    job.schedule = state.schedule ? schedule_key(*state.schedule) : std::string();
    if (state.next_run) job.next_run = unix_seconds(*state.next_run);
    job.runs = state.runs;
    job.skipped = state.skipped;
    env_.history->save_job(std::move(job));
}

void JobRunner::arm(const std::string& name, JobState& state) {
    if (!state.next_run || stopping_) {
        if (state.timer) state.timer->stop();
        return;
    }
    if (!state.timer) state.timer = loop::Timer::create(env_.loop);
    state.armed_wall = env_.clock->wall();
    state.armed_ms = env_.clock->monotonic_ns() / 1'000'000;
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*state.next_run - state.armed_wall);
    wait = std::clamp<std::chrono::milliseconds>(wait, std::chrono::milliseconds(0), kMaxTimerWait);
    state.timer->start(wait, [this, name] { on_due(name); });
}

void JobRunner::on_due(const std::string& name) {
    auto it = jobs_.find(name);
    if (it == jobs_.end() || stopping_) return;
    auto& state = it->second;
    if (!state.next_run || !state.schedule || !state.job || state.paused) return;
    const auto now = env_.clock->wall();
    const auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - state.armed_wall).count();
    const auto mono_ms = static_cast<std::int64_t>(env_.clock->monotonic_ns() / 1'000'000 - state.armed_ms);
    if (wall_ms + 1000 < mono_ms) {
        // The wall clock was set back (by hand, NTP, a restored VM): plan again from the new
        // time. Otherwise an `@every 1s` job set back an hour would wait that hour.
        spdlog::info("job `{}`: the clock went back {:.0f} s: its next run is planned from the new time", name,
                     static_cast<double>(mono_ms - wall_ms) / 1000.0);
        state.next_run = next_fire(state, now);
        arm(name, state);
        save(name, state);
        return;
    }
    if (now + std::chrono::milliseconds(2) < *state.next_run) {
        arm(name, state);  // a capped wait
        return;
    }
    const auto due = *state.next_run;
    const auto late = now - due;
    const auto& policy = state.job->scheduling;
    if (late < kMissedAfter) {
        due_now(state, "schedule");
    } else {
        catch_up_or_miss(state, late, policy.catchup && late <= *policy.catchup, "(the machine slept or gaia stalled)");
    }
    // The next time after the one just due; if gaia fell behind, the next one after now:
    // missed runs are not made up in a burst.
    auto next = next_fire(state, due, true);
    if (next && *next <= now) next = next_fire(state, now);
    state.next_run = next;
    arm(name, state);
    save(name, state);
}

void JobRunner::catch_up_or_miss(JobState& state, WallClock::duration late, bool in_window, const char* cause) {
    const auto& job = *state.job;
    if (in_window) {
        spdlog::info("job `{}`: its run due {} ago was missed {}: it runs now (catchup {})", job.name,
                     seconds_text(late), cause, jobfile::format_duration(*job.scheduling.catchup));
        due_now(state, "catch-up");
        return;
    }
    env_.metrics.schedule_missed.with({job.name}).inc();
    spdlog::warn("job `{}`: its run due {} ago was missed {}{}", job.name, seconds_text(late), cause,
                 job.scheduling.catchup ? " and is outside its catchup window" : " (set `catchup` to make it up)");
}

JobRunner::Trigger JobRunner::due_now(JobState& state, const char* why) {
    const auto& job = *state.job;
    if (!state.running) {
        start_run(state, why);
        return Trigger::started;
    }
    const auto& going = state.running->id;
    switch (job.scheduling.overlap) {
    case jobfile::SchedulePolicy::Overlap::skip:
        break;
    case jobfile::SchedulePolicy::Overlap::queue:
        if (state.waiting) break;
        state.waiting = why;
        spdlog::info("job `{}`: due ({}) while its run {} goes on: it runs once that one has ended", job.name, why, going);
        return Trigger::queued;
    case jobfile::SchedulePolicy::Overlap::replace:
        if (!state.waiting) {
            spdlog::info("job `{}`: due ({}) while its run {} goes on: that run is cancelled and a new one starts", job.name,
                         why, going);
            state.running->scheduler->stop(run::StopCause::replaced);
        }
        state.waiting = why;
        return Trigger::replacing;
    }
    ++state.skipped;
    env_.metrics.schedule_skipped.with({job.name}).inc();
    spdlog::warn("job `{}`: due ({}), but its run {} is still going{}: skipped", job.name, why, going,
                 state.waiting ? " and another waits" : "");
    return state.waiting ? Trigger::already_queued : Trigger::already_running;
}

JobRunner::Run* JobRunner::start_run(JobState& state, const char* why) {
    Generation* gen = current_.get();
    const auto& job = *state.job;
    auto run = std::make_unique<Run>();
    run->gen = gen;
    run->job = job.name;
    run->trigger = why;
    run->id = run::new_run_id();
    run->started = env_.clock->wall();

    run::RunOptions options;
    options.concurrency = gen->set->settings.concurrency;
    options.fail_fast = gen->set->settings.fail_fast;
    options.timeout = gen->set->settings.timeout;
    options.selected = run::select_jobs(*gen->set, {job.name}, nullptr);
    options.run_id = run->id;
    // The subsystems (browsers) stay up between runs; the generation drains them once.
    run->scheduler = std::make_unique<run::Scheduler>(gen->subsystems->env(), *gen->set, options,
                                                      gen->subsystems->by_kind(), env_.metrics);
    Run* raw = run.get();
    run->scheduler->on_instance_finished = [this, raw](const jobfile::Job& j, const run::InstanceEnd& end) {
        env_.health.on_task_finished(j, end.status, end.seconds);
        if (env_.history) raw->record.add_instance(j, end);
    };

    runs_.emplace(raw, std::move(run));
    ++gen->runs;
    state.running = raw;
    ++state.runs;
    spdlog::debug("job `{}`: run {} started ({})", job.name, raw->id, why);
    raw->scheduler->start([this, raw] { on_run_finished(raw); });
    return raw;
}

void JobRunner::on_run_finished(Run* run) {
    auto owned = std::move(runs_.at(run));
    runs_.erase(run);
    const auto& set = *run->gen->set;
    const auto index = set.index_of(run->job);
    const auto& r = run->scheduler->results().at(index);
    nlohmann::json last = last_run_json(r, {run->id, run->trigger, run->started, run->scheduler->elapsed_s()}, env_.redactor);
    // Staleness, as gaia run's --metrics-file has it: here every job's run is a run of the set.
    const double now = std::chrono::duration<double>(env_.clock->wall().time_since_epoch()).count();
    env_.metrics.run_last.with({set.name}).set(now);
    if (r.status == run::JobStatus::passed) env_.metrics.run_last_success.with({set.name}).set(now);
    if (set.settings.stale_after) {
        env_.metrics.run_stale_after.with({set.name}).set(jobfile::to_seconds(*set.settings.stale_after));
    }
    if (r.status == run::JobStatus::failed) {
        spdlog::warn("job `{}`: run {} failed after {:.3f} s: {}", run->job, run->id, run->scheduler->elapsed_s(),
                     env_.redactor.scrub(r.first_error));
    } else {
        spdlog::info("job `{}`: run {} {} in {:.3f} s", run->job, run->id, run::to_string(r.status),
                     run->scheduler->elapsed_s());
    }
    if (env_.history) {
        env_.history->record(run->record.finish(
            {run->id, run->job, run->trigger, run->started, run->scheduler->elapsed_s()}, r, env_.redactor));
    }
    if (auto it = jobs_.find(run->job); it != jobs_.end()) {
        auto& state = it->second;
        if (state.running == run) state.running = nullptr;
        state.last = std::move(last);
        if (!current_ || !current_->set->find(run->job)) {
            jobs_.erase(it);  // removed by a reload meanwhile
        } else {
            // overlap queue or replace: the run that waited for this one starts now.
            if (const char* why = std::exchange(state.waiting, nullptr); why && !stopping_ && state.job) {
                start_run(state, why);
            }
            save(run->job, state);
        }
    }
    Generation* gen = run->gen;
    --gen->runs;
    // The scheduler is inside its own callback: it goes on a later turn.
    env_.loop.defer_delete(std::move(owned));
    if (gen != current_.get()) retire_if_idle(gen);
    maybe_shut_down();
}

JobRunner::Trigger JobRunner::trigger(std::string_view job, std::string* run_id) {
    if (stopping_ || !current_) return Trigger::stopping;
    auto it = jobs_.find(job);
    if (it == jobs_.end() || !it->second.job || !current_->set->find(job)) return Trigger::unknown_job;
    auto& state = it->second;
    const auto result = due_now(state, "api");
    if (run_id && state.running) *run_id = state.running->id;
    if (result == Trigger::started) save(it->first, state);
    return result;
}

JobRunner::Pause JobRunner::set_paused(std::string_view job, bool paused) {
    auto it = jobs_.find(job);
    if (it == jobs_.end() || !it->second.job || !current_ || !current_->set->find(job)) return Pause::unknown_job;
    auto& state = it->second;
    if (!state.schedule) return Pause::no_schedule;
    if (state.paused != paused) {
        state.paused = paused;
        // Resumed: from now on, with no catch-up for the time it was paused.
        state.next_run = paused ? std::nullopt : next_fire(state, env_.clock->wall());
        arm(it->first, state);
        spdlog::info("job `{}`: {}", it->first, paused ? "paused: its schedule does not fire until it is resumed"
                                                       : "resumed: its schedule fires again");
    }
    save(it->first, state);
    return Pause::done;
}

void JobRunner::retire_if_idle(Generation* gen) {
    if (gen->runs != 0 || gen->draining) return;
    gen->draining = true;
    gen->subsystems->drain([this, gen] {
        gen->subsystems->close();
        auto it = std::find_if(retiring_.begin(), retiring_.end(), [gen](const auto& g) { return g.get() == gen; });
        if (it != retiring_.end()) {
            env_.loop.defer_delete(std::move(*it));
            retiring_.erase(it);
        }
        maybe_shut_down();
    });
}

bool JobRunner::knows(std::string_view job) const { return current_ && current_->set->find(job); }

std::string JobRunner::unavailable(std::string_view subsystem) const {
    return current_ ? current_->subsystems->unavailable(subsystem) : std::string();
}

nlohmann::json JobRunner::jobs_json() const {
    nlohmann::json jobs = nlohmann::json::array();
    if (!current_) return {{"jobs", jobs}};
    for (const auto& job : current_->set->jobs) {
        auto it = jobs_.find(job.name);
        if (it == jobs_.end()) continue;
        const auto& state = it->second;
        JobFacts facts{state.next_run, state.running != nullptr, state.runs, state.skipped, state.last};
        facts.paused = state.paused;
        facts.waiting = state.waiting != nullptr;
        jobs.push_back(job_json(job, facts));
    }
    return jobs_answer(*current_->set, std::move(jobs));
}

void JobRunner::shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
    if (stopping_) return;
    stopping_ = true;
    shut_down_ = std::move(done);
    for (auto& [name, state] : jobs_) state.timer.reset();
    if (!runs_.empty()) {
        spdlog::info("waiting up to {} ms for {} run(s) to end", grace.count(), runs_.size());
        grace_timer_ = loop::Timer::create(env_.loop);
        grace_timer_->start(grace, [this] {
            spdlog::warn("drain timeout: cancelling {} run(s)", runs_.size());
            for (auto& [run, owned] : runs_) run->scheduler->stop(run::StopCause::terminated);
        });
    }
    env_.loop.post([this] { maybe_shut_down(); });
}

void JobRunner::kill_now() noexcept {
    if (current_) current_->subsystems->kill_now();
    for (auto& gen : retiring_) gen->subsystems->kill_now();
}

void JobRunner::maybe_shut_down() {
    if (!stopping_ || !runs_.empty()) return;
    grace_timer_.reset();
    if (current_) {
        Generation* last = current_.get();
        retiring_.push_back(std::move(current_));
        retire_if_idle(last);
        return;  // comes back here once it is closed
    }
    if (!retiring_.empty() || !shut_down_) return;
    auto done = std::move(shut_down_);
    shut_down_ = nullptr;
    env_.loop.post(std::move(done));
}

}  // namespace gaia::serve
