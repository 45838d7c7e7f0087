#include "core/serve/job_runner.hpp"

#include "core/serve/job_json.hpp"
#include "core/report/run_report.hpp"
#include "core/run/scheduler.hpp"
#include "core/run/selection.hpp"
#include "core/run/subsystems.hpp"

#include <spdlog/spdlog.h>

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
    std::string trigger;  // "schedule" or "api"
    std::string id;
    WallClock::time_point started;
    std::unique_ptr<run::Scheduler> scheduler;
};

namespace {

// A wall-clock wait is re-checked at least this often, so that a clock that is set or a
// machine that slept does not make a scheduled run late by the whole gap.
constexpr auto kMaxTimerWait = std::chrono::seconds(60);

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

    // Jobs gone from the files go. One whose run is still going stays until that run ends
    // (on_run_finished removes it), but is due no more.
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
            ++it;
        }
    }
    const auto now = env_.clock->wall();
    for (const auto& job : current_->set->jobs) {
        auto& state = jobs_[job.name];
        state.job = &job;
        const std::string old_text = state.schedule ? state.schedule->text() : std::string();
        if (job.schedule.empty()) {
            state.schedule.reset();
            state.next_run.reset();
        } else if (job.schedule != old_text || !state.next_run) {
            std::string error;
            state.schedule = jobfile::Schedule::parse(job.schedule, &error);  // the loader checked it
            state.next_run = state.schedule ? state.schedule->next_after(now) : std::nullopt;
        }
        arm(job.name, state);
    }
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
    if (!state.next_run || !state.schedule || !state.job) return;
    const auto now = env_.clock->wall();
    const auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - state.armed_wall).count();
    const auto mono_ms = static_cast<std::int64_t>(env_.clock->monotonic_ns() / 1'000'000 - state.armed_ms);
    if (wall_ms + 1000 < mono_ms) {
        // The wall clock was set back (by hand, NTP, a restored VM): plan again from the new
        // time. Otherwise an `@every 1s` job set back an hour would wait that hour.
        spdlog::info("job `{}`: the clock went back {:.0f} s: its next run is planned from the new time", name,
                     static_cast<double>(mono_ms - wall_ms) / 1000.0);
        state.next_run = state.schedule->next_after(now);
        arm(name, state);
        return;
    }
    if (now + std::chrono::milliseconds(2) < *state.next_run) {
        arm(name, state);  // a capped wait
        return;
    }
    if (state.running) {
        ++state.skipped;
        env_.metrics.schedule_skipped.with({name}).inc();
        spdlog::warn("job `{}`: due, but its run {} is still going: skipped", name, state.running->id);
    } else if (state.job) {
        start_run(state, "schedule");
    }
    // The next time after the one just due; if gaia fell behind (a stalled machine), the
    // next one after now: missed runs are not made up in a burst.
    auto next = state.schedule->next_after(*state.next_run);
    if (next && *next <= now) next = state.schedule->next_after(now);
    state.next_run = next;
    arm(name, state);
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
    run->scheduler->on_instance_finished = [this](const jobfile::Job& j, const run::InstanceEnd& end) {
        env_.health.on_task_finished(j, end.status, end.seconds);
    };

    Run* raw = run.get();
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
    if (auto it = jobs_.find(run->job); it != jobs_.end()) {
        if (it->second.running == run) it->second.running = nullptr;
        it->second.last = std::move(last);
        if (!current_ || !current_->set->find(run->job)) jobs_.erase(it);  // removed by a reload meanwhile
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
    if (it->second.running) {
        if (run_id) *run_id = it->second.running->id;
        return Trigger::already_running;
    }
    Run* run = start_run(it->second, "api");
    if (run_id) *run_id = run->id;
    return Trigger::started;
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
        jobs.push_back(job_json(job, {state.next_run, state.running != nullptr, state.runs, state.skipped, state.last}));
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
