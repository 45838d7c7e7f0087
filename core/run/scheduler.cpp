#include "core/run/scheduler.hpp"

#include "core/jobfile/graph.hpp"
#include "core/run/backoff.hpp"
#include "core/run/verdict.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <unordered_map>

namespace gaia::run {

using jobfile::Job;

struct Scheduler::JobState {
    std::size_t index = 0;
    const Job* job = nullptr;
    KindRuntime* runtime = nullptr;
    std::vector<std::size_t> needs, dependents;
    std::uint64_t next = 0;   // next instance to launch
    std::uint64_t total = 0;  // one past the last instance to launch
    std::uint64_t fan_size = 0;  // instances of the whole fan-out (more than total under --shard)
    std::uint32_t in_flight = 0;
    std::optional<TokenBucket> bucket;
    // --resume-failed: only these instances run; next and total then count into it.
    std::vector<std::uint64_t> pick;
    bool picking = false;
    bool selected = true;
    bool active = false;
    bool expanding = false;    // its kind is finding its instances
    bool released = false;     // its runtime was told nothing needs it any more
    std::string lost_need;     // a service it needs went away: every instance fails with this
};

struct Scheduler::Attempt {
    Attempt(JobState& s, std::uint64_t i) : state(&s), index(i), ctx{*s.job, i, 1, {}, {}} {}
    JobState* state;
    std::uint64_t index;
    std::uint64_t seq = 0;               // its place in the run's launch order, from 1
    std::uint64_t first_started_ns = 0;  // its first attempt's start
    TaskContext ctx;
    std::unique_ptr<Task> task;
    loop::HandlePtr<loop::Timer> timer;  // attempt timeout, then retry backoff
    std::uint64_t started_ns = 0;
    std::uint32_t free_retries = 0;  // attempts retried because the subsystem failed under them
    std::vector<std::string> artifacts;  // paths written by its attempts, in order
    bool timed_out = false;
    bool stopped = false;        // cancelled by a stop of the run
    bool waiting_retry = false;
};

Scheduler::Scheduler(RunEnv& env, const jobfile::JobSet& set, RunOptions options, Runtimes runtimes,
                     RunMetrics& metrics)
    : env_(env), set_(set), options_(std::move(options)), runtimes_(std::move(runtimes)), metrics_(metrics) {
    auto needs = jobfile::need_indices(set_);
    order_ = jobfile::topological_order(needs);
    states_.resize(set_.jobs.size());
    results_.resize(set_.jobs.size());
    for (std::size_t i = 0; i < set_.jobs.size(); ++i) {
        auto& s = states_[i];
        s.index = i;
        s.job = &set_.jobs[i];
        s.needs = needs[i];
        s.selected = options_.selected.empty() || options_.selected[i];
        auto it = runtimes_.find(s.job->kind);
        s.runtime = it == runtimes_.end() ? nullptr : it->second;
        results_[i].job = s.job;
        job_index_.emplace(s.job->name, i);
        for (auto n : needs[i]) states_[n].dependents.push_back(i);
    }
    if (options_.concurrency == 0) options_.concurrency = 1;
    // One run per environment (gaia run) routes lost services here; an owner of several
    // runs (gaia serve) installs its own router before and calls service_lost() itself.
    if (!env_.service_lost) {
        env_.service_lost = [this](const Job& service, const std::string& reason) { service_lost(service, reason); };
        owns_service_lost_ = true;
    }
}

std::string new_run_id() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned> hex(0, 15);
    std::string id;
    for (int i = 0; i < 16; ++i) id += "0123456789abcdef"[hex(rd)];
    return id;
}

Scheduler::~Scheduler() {
    if (owns_service_lost_) env_.service_lost = nullptr;
}

bool Scheduler::selected(std::size_t job) const noexcept { return states_[job].selected; }

double Scheduler::elapsed_s() const noexcept {
    if (started_ns_ == 0) return 0;
    return static_cast<double>(env_.clock->monotonic_ns() - started_ns_) / 1e9;
}

void Scheduler::start(std::function<void()> on_finished) {
    on_finished_ = std::move(on_finished);
    started_ns_ = env_.clock->monotonic_ns();
    if (options_.timeout) {
        run_timer_ = loop::Timer::create(env_.loop);
        run_timer_->start(std::chrono::duration_cast<std::chrono::milliseconds>(*options_.timeout),
                          [this] { stop(StopCause::timeout); });
    }
    if (options_.resume) {
        for (auto i : order_) {
            const auto& earlier = options_.resume->jobs[i];
            if (states_[i].selected && earlier.mode == JobResume::Mode::none) restore_passed(states_[i], earlier);
        }
    }
    for (auto i : order_) {
        if (states_[i].selected) maybe_activate(states_[i]);
    }
    pump();
    // Even a run with nothing to do reports on a later turn, like every completion.
    env_.loop.post([this] { maybe_finish(); });
}

const nlohmann::json* Scheduler::capture_of(std::string_view job, std::string_view capture) const {
    // Called for every {{ jobs.J.X }} of every instance: a map, not a scan of the jobs.
    auto found = job_index_.find(job);
    if (found == job_index_.end()) return nullptr;
    const auto& captures = results_[found->second].captures;
    auto it = captures.find(capture);
    return it == captures.end() ? nullptr : &*it;
}

jobfile::RenderScope Scheduler::job_scope() const {
    jobfile::RenderScope scope;
    scope.vars = &set_.vars;
    scope.capture = [this](std::string_view job, std::string_view capture) { return capture_of(job, capture); };
    scope.run_name = set_.name;
    scope.run_id = options_.run_id;
    scope.shard_index = options_.shard_index;
    scope.shard_count = options_.shard_count;
    scope.outcome = options_.outcome;
    return scope;
}

void Scheduler::activate(JobState& s) {
    auto& r = results_[s.index];
    s.active = true;
    r.status = JobStatus::running;
    r.started_s = elapsed_s();
    const Job& job = *s.job;
    if (!s.runtime) {
        // The loader only accepts registered kinds; a missing runtime is a wiring bug.
        fail_before_instances(s, "no runtime for kind `" + job.kind + "`");
        return;
    }
    if (job.config && job.config->expands()) {
        // The kind finds the instances (a glob walks the file system on the thread pool).
        s.expanding = true;
        s.runtime->expand(job, job_scope(), [this, &s](Expansion found) {
            s.expanding = false;
            if (stopping_) {
                cancel_before_instances(s);
            } else if (!found.error.empty()) {
                fail_before_instances(s, std::move(found.error));
            } else {
                auto& items = results_[s.index].items;
                items = std::move(found.items);
                s.total = items.size();
                begin_instances(s);
            }
            pump();
            maybe_finish();
        });
        return;
    }
    if (job.for_each && job.for_each->dynamic()) {
        const auto* value = capture_of(job.for_each->from_job, job.for_each->from_capture);
        nlohmann::json list;
        if (value && value->is_string()) {
            list = nlohmann::json::parse(value->get<std::string>(), nullptr, false);
        } else if (value) {
            list = *value;
        }
        if (!list.is_array()) {
            fail_before_instances(s, "for_each: `jobs." + job.for_each->from_job + "." + job.for_each->from_capture +
                                         "` is not a JSON array");
            return;
        }
        auto& items = results_[s.index].items;
        items.assign(list.begin(), list.end());
        s.total = items.size();
    } else if (job.for_each) {
        auto& items = results_[s.index].items;
        items = job.for_each->items;
        s.total = items.size();
    } else {
        s.total = job.repeat;
    }
    begin_instances(s);
}

void Scheduler::begin_instances(JobState& s) {
    auto& r = results_[s.index];
    const Job& job = *s.job;
    s.fan_size = s.total;
    if (job.fan_out && options_.shard_count > 1) {
        // --shard K/N: this machine runs the K-th of N equal slices; `index` keeps its
        // place in the whole fan-out.
        const auto k = options_.shard_index, n = options_.shard_count, all = s.total;
        s.next = all * (k - 1) / n;
        s.total = all * k / n;
    }
    r.instances = s.total - s.next;
    r.instances_known = true;
    if (job.fan_out) {
        for (const auto& name : job.captures) r.captures[name] = nlohmann::json::array();
    }
    if (options_.resume && options_.resume->jobs[s.index].mode == JobResume::Mode::some) {
        pick_instances(s, options_.resume->jobs[s.index]);
    }
    if (job.rate) s.bucket.emplace(job.rate->per_second, 1.0, kTimerCatchUpNs);
    check_job_done(s);
}

// A job that passed in the run being resumed: it passes again without running, with what
// it captured then, so that the jobs that need it find its captures.
void Scheduler::restore_passed(JobState& s, const JobResume& earlier) {
    auto& r = results_[s.index];
    r.status = JobStatus::passed;
    r.restored = true;
    r.instances = earlier.instances_before;
    r.instances_known = true;
    r.passed = r.passed_before = earlier.passed;
    r.attempts = earlier.attempts;
    r.bytes = earlier.bytes;
    r.cpu_s = earlier.cpu_s;
    r.captures = earlier.captures;
    publish_exports(*s.job, r);
    if (on_job_finished) on_job_finished(r);
    on_job_terminal(s);
}

// Only the instances that did not pass in the run being resumed (within this shard); the
// others count as passed, with the values they captured then.
void Scheduler::pick_instances(JobState& s, const JobResume& earlier) {
    auto& r = results_[s.index];
    const Job& job = *s.job;
    std::vector<std::uint64_t> pick;
    if (items_found_at_start(job)) {
        // The items are known only now: the same values again, each as often as it was listed.
        // Counted by their JSON text: one pass over a glob of a million matches, not a
        // search of the wanted list for each.
        std::unordered_map<std::string, std::size_t> wanted;
        for (const auto& item : earlier.items) ++wanted[jobfile::json_dump(item)];
        std::size_t left = earlier.items.size();
        for (auto i = s.next; i < s.total && left > 0; ++i) {
            const auto found = wanted.find(jobfile::json_dump(r.items[i]));
            if (found == wanted.end() || found->second == 0) continue;
            --found->second;
            --left;
            pick.push_back(i);
        }
        if (left > 0) {
            const auto example = std::find_if(wanted.begin(), wanted.end(), [](const auto& w) { return w.second > 0; });
            spdlog::warn("job {}: {} instance(s) to run again are no longer among its items, e.g. {}", job.name, left,
                         env_.redactor.scrub(example->first.substr(0, 200)));
        }
    } else {
        for (auto i : earlier.indices) {
            if (i >= s.next && i < s.total) pick.push_back(i);
        }
    }
    if (job.fan_out) {
        for (const auto& name : job.captures) {
            auto list = nlohmann::json::array();
            const auto before = earlier.captures.find(name);
            for (std::uint64_t i = 0; i < s.fan_size; ++i) {
                const bool kept = before != earlier.captures.end() && before->is_array() && i < before->size() &&
                                  !std::binary_search(pick.begin(), pick.end(), i);
                list.push_back(kept ? (*before)[i] : nlohmann::json(nullptr));
            }
            r.captures[name] = std::move(list);
        }
    }
    r.passed = r.passed_before = r.instances - pick.size();
    s.pick = std::move(pick);
    s.picking = true;
    s.next = 0;
    s.total = s.pick.size();
}

void Scheduler::fail_before_instances(JobState& s, std::string error) {
    auto& r = results_[s.index];
    const Job& job = *s.job;
    s.active = false;
    r.status = JobStatus::failed;
    r.first_error = std::move(error);
    r.instances_known = true;
    r.finished_s = elapsed_s();
    metrics_.job_runs.with({job.name, job.kind, "failed"}).inc();
    if (on_job_finished) on_job_finished(r);
    on_job_terminal(s);
    if (!job.allow_failure && options_.fail_fast) stop(StopCause::fail_fast);
    release_dependents(s);
}

void Scheduler::cancel_before_instances(JobState& s) {
    auto& r = results_[s.index];
    s.active = false;
    r.status = JobStatus::cancelled;
    r.first_error = stop_reason();
    r.instances_known = true;
    r.finished_s = elapsed_s();
    metrics_.job_runs.with({s.job->name, s.job->kind, "cancelled"}).inc();
    if (on_job_finished) on_job_finished(r);
    on_job_terminal(s);
}

void Scheduler::skip(JobState& s, std::string reason) {
    auto& r = results_[s.index];
    r.status = JobStatus::skipped;
    r.first_error = std::move(reason);
    metrics_.job_runs.with({s.job->name, s.job->kind, "skipped"}).inc();
    if (on_job_finished) on_job_finished(r);
    on_job_terminal(s);
    release_dependents(s);
}

void Scheduler::maybe_activate(JobState& s) {
    auto& r = results_[s.index];
    if (!s.selected || r.status != JobStatus::pending) return;
    if (s.job->first_shard_only && options_.shard_index != 1) {
        skip(s, "runs in shard 1 of " + std::to_string(options_.shard_count) + " only (shard = \"first\")");
        return;
    }
    for (auto n : s.needs) {
        auto status = results_[n].status;
        if (status == JobStatus::pending || status == JobStatus::running) return;
    }
    if (stopping_) return;  // stop() marks pending jobs cancelled
    std::string unmet;  // the first need that did not pass
    for (auto n : s.needs) {
        const auto& need = results_[n];
        const bool satisfied =
            need.status == JobStatus::passed || (need.status == JobStatus::failed && need.job->allow_failure);
        if (!satisfied && unmet.empty()) {
            unmet = "needs `" + need.job->name + "`, which " +
                    (need.status == JobStatus::failed ? std::string("failed") : std::string(to_string(need.status)));
        }
    }
    const auto* condition = s.job->condition.get();
    // As in GitHub Actions: a condition that asks for success(), failure() or always()
    // decides alone; any other also needs every need to have passed.
    if (!unmet.empty() && !(condition && condition->checks_status())) {
        skip(s, std::move(unmet));
        return;
    }
    if (condition) {
        jobfile::Condition::Scope scope;
        scope.vars = &set_.vars;
        scope.capture = [this](std::string_view job, std::string_view capture) { return capture_of(job, capture); };
        scope.needs_succeeded = unmet.empty();
        scope.needs_failed = upstream_failed(s);
        try {
            if (!condition->evaluate(scope)) {
                skip(s, "if: `" + condition->source() + "` is false");
                return;
            }
        } catch (const jobfile::ConditionEvalError& e) {
            results_[s.index].started_s = elapsed_s();
            fail_before_instances(s, std::string("if: ") + e.what());
            return;
        }
    }
    activate(s);
}

// failure(): a job this one needs failed, directly or further up.
bool Scheduler::upstream_failed(const JobState& s) const {
    std::vector<std::size_t> to_visit(s.needs.begin(), s.needs.end());
    std::vector<bool> seen(states_.size(), false);
    while (!to_visit.empty()) {
        const auto n = to_visit.back();
        to_visit.pop_back();
        if (seen[n]) continue;
        seen[n] = true;
        const auto& r = results_[n];
        if (r.status == JobStatus::failed && !r.job->allow_failure) return true;
        to_visit.insert(to_visit.end(), states_[n].needs.begin(), states_[n].needs.end());
    }
    return false;
}

void Scheduler::release_dependents(JobState& s) {
    for (auto d : s.dependents) maybe_activate(states_[d]);
}

void Scheduler::arm_rate_timer(std::uint64_t wait_ns) {
    const std::uint64_t deadline = env_.clock->monotonic_ns() + wait_ns;
    if (!rate_timer_) rate_timer_ = loop::Timer::create(env_.loop);
    if (rate_timer_->active() && rate_deadline_ns_ <= deadline) return;
    rate_deadline_ns_ = deadline;
    // Round up: waking early would only find the bucket still empty.
    auto ms = std::chrono::milliseconds((wait_ns + 999'999) / 1'000'000);
    rate_timer_->start(ms, [this] { pump(); });
}

void Scheduler::pump() {
    if (stopping_ || pumping_) return;
    pumping_ = true;
    // Starting a task can be slow (a process spawn waits for the child's exec): a burst
    // of a thousand starts in one loop turn would hold up every timer and read. Each
    // start spends a share of this turn's budget that its kind names (starts_per_turn);
    // once it is spent, the rest continues on the next turn.
    constexpr std::uint64_t kTurnBudget = 1'000'000;
    std::uint64_t spent = 0;
    for (auto idx : order_) {
        auto& s = states_[idx];
        if (!s.active) continue;
        while (s.next < s.total) {
            if (in_flight_ >= options_.concurrency) {
                pumping_ = false;
                return;
            }
            if (s.job->concurrency != 0 && s.in_flight >= s.job->concurrency) break;
            const auto capacity = s.runtime->capacity();
            if (capacity != 0 && runtime_in_flight_[s.runtime] >= capacity) break;
            if (s.bucket) {
                const auto now = env_.clock->monotonic_ns();
                if (!s.bucket->try_take(now)) {
                    arm_rate_timer(s.bucket->wait_ns(now));
                    break;
                }
            }
            if (spent >= kTurnBudget) {
                if (!pump_posted_) {
                    pump_posted_ = true;
                    env_.loop.post([this] {
                        pump_posted_ = false;
                        pump();
                    });
                }
                pumping_ = false;
                return;
            }
            const auto position = s.next++;
            launch(s, s.picking ? s.pick[position] : position);
            spent += kTurnBudget / std::max(1u, s.runtime->starts_per_turn());
            if (stopping_) break;
        }
    }
    pumping_ = false;
}

void Scheduler::launch(JobState& s, std::uint64_t index) {
    auto owned = std::make_unique<Attempt>(s, index);
    Attempt* a = owned.get();
    a->seq = ++launched_;
    live_.emplace(a, std::move(owned));
    ++in_flight_;
    ++s.in_flight;
    ++runtime_in_flight_[s.runtime];
    metrics_.tasks_in_flight.with({s.job->kind}).inc();

    auto& scope = a->ctx.scope;
    scope = job_scope();
    scope.index = index;
    const auto& items = results_[s.index].items;
    scope.item = items.empty() ? nullptr : &items[index];
    a->ctx.artifacts = options_.artifacts_dir.empty() ? ArtifactMode::off : ArtifactMode::on_failure;
    begin_attempt(a);
}

void Scheduler::begin_attempt(Attempt* a) {
    auto& s = *a->state;
    ++results_[s.index].attempts;
    a->started_ns = env_.clock->monotonic_ns();
    if (a->first_started_ns == 0) a->first_started_ns = a->started_ns;
    a->timed_out = false;
    a->task = s.runtime->make_task(*s.job);
    a->ctx.start_deadline = nullptr;
    a->ctx.deadline_passed = false;
    if (s.job->timeout) {
        if (!a->timer) a->timer = loop::Timer::create(env_.loop);
        auto arm = [a, timeout = *s.job->timeout] {
            a->timer->start(std::chrono::duration_cast<std::chrono::milliseconds>(timeout), [a] {
                a->timed_out = true;
                a->ctx.deadline_passed = true;
                a->task->cancel();
            });
        };
        if (s.runtime->starts_deadline()) a->ctx.start_deadline = arm;
        else arm();
    }
    a->task->start(a->ctx, [this, a](TaskOutcome outcome) { on_attempt_done(a, std::move(outcome)); });
}

// Before anything prints the outcome: its own error may quote the value.
void Scheduler::protect_secret_captures(const jobfile::Job& job, const TaskOutcome& outcome) {
    for (const auto& name : job.secret_captures) {
        const auto it = outcome.captures.find(name);
        if (it == outcome.captures.end() || it->second.is_null()) continue;
        const std::string value = it->second.is_string() ? it->second.get<std::string>() : it->second.dump();
        if (value.empty()) continue;
        if (text::Redactor::is_short(value) && warned_short_.insert(job.name + "." + name).second) {
            spdlog::warn("job {}: secret capture `{}` is shorter than {} characters: it is masked only where it stands "
                         "alone, not inside other words",
                         job.name, name, text::Redactor::kMinSubstringSecret);
        }
        env_.redactor.add_secret(value);
    }
}

void Scheduler::on_attempt_done(Attempt* a, TaskOutcome outcome) {
    const double seconds =
        std::max(0.0, static_cast<double>(env_.clock->monotonic_ns() - a->started_ns) / 1e9 - outcome.artifacts_s);
    if (a->timer) a->timer->stop();
    // The task is inside its own callback: its runtime disposes of it later.
    auto& s = *a->state;
    s.runtime->retire(env_.loop, std::move(a->task));
    protect_secret_captures(*s.job, outcome);
    if (!s.lost_need.empty()) {
        outcome.status = TaskStatus::failed;
        outcome.error = s.lost_need;
        outcome.retryable = false;
    } else if (a->stopped) {
        outcome.status = TaskStatus::cancelled;
        outcome.error = stop_reason();
    } else if (a->timed_out) {
        outcome.status = TaskStatus::failed;
        outcome.error = "timed out after " + jobfile::format_duration(*s.job->timeout) +
                        (outcome.timed_out_in.empty() ? std::string() : " in " + outcome.timed_out_in);
        outcome.retryable = true;
        outcome.killed = true;
        if (outcome.details.is_object()) outcome.details["killed_by"] = "timeout";
    }
    if (!outcome.artifacts.empty()) return save_artifacts(a, std::move(outcome), seconds);
    after_attempt(a, std::move(outcome), seconds);
}

// The attempt's artifacts, written before anything else hears of its end: the reports
// name them, and a retry's attempt must not race its predecessor's directory.
void Scheduler::save_artifacts(Attempt* a, TaskOutcome outcome, double seconds) {
    auto files = std::move(outcome.artifacts);
    outcome.artifacts.clear();
    for (auto& file : files) {
        if (file.text) file.bytes = env_.redactor.scrub(file.bytes);
    }
    const std::string root = options_.artifacts_dir.empty() ? std::string(kDefaultArtifactRoot) : options_.artifacts_dir;
    const auto& job = *a->state->job;
    write_artifacts(env_.loop, artifact_dir(root, job.name, a->index, a->ctx.attempt), std::move(files),
                    life_.guard([this, a, outcome = std::move(outcome), seconds](std::vector<std::string> paths,
                                                                                  std::string error) mutable {
                        if (!error.empty()) {
                            spdlog::warn("{}#{} attempt {}: its artifacts were not written: {}", a->state->job->name,
                                         a->index, a->ctx.attempt, error);
                        }
                        for (auto& path : paths) a->artifacts.push_back(std::move(path));
                        after_attempt(a, std::move(outcome), seconds);
                    }));
}

void Scheduler::after_attempt(Attempt* a, TaskOutcome outcome, double seconds) {
    auto& s = *a->state;
    const auto& retries = s.job->retries;
    if (outcome.status == TaskStatus::failed && !stopping_ && !a->timed_out && a->free_retries < outcome.free_retries) {
        // Not the job's fault (its browser crashed): again at once, on what replaced it.
        ++a->free_retries;
        spdlog::warn("{}#{} attempt {} failed: {}; retrying", s.job->name, a->index, a->ctx.attempt,
                     env_.redactor.scrub(outcome.error));
        ++a->ctx.attempt;
        begin_attempt(a);
        return;
    }
    if (outcome.status == TaskStatus::failed && outcome.retryable && !stopping_ &&
        a->ctx.attempt - a->free_retries <= retries.attempts) {
        std::uniform_real_distribution<double> uniform(0.0, 1.0);
        auto delay = backoff_delay(retries, a->ctx.attempt, uniform(random_));
        if (outcome.retry_after_s) {
            const auto asked = std::chrono::duration_cast<jobfile::Duration>(
                std::chrono::duration<double>(std::max(0.0, *outcome.retry_after_s)));
            delay = std::min(asked, retries.max_backoff);
        }
        spdlog::debug("{}#{} attempt {} failed: {}; retrying in {}", s.job->name, a->index, a->ctx.attempt,
                      env_.redactor.scrub(outcome.error), jobfile::format_duration(delay));
        ++a->ctx.attempt;
        a->waiting_retry = true;
        if (!a->timer) a->timer = loop::Timer::create(env_.loop);
        a->timer->start(std::chrono::duration_cast<std::chrono::milliseconds>(delay), [this, a] {
            a->waiting_retry = false;
            begin_attempt(a);
        });
        return;
    }
    finish_instance(a, std::move(outcome), seconds);
}

void Scheduler::finish_instance(Attempt* a, TaskOutcome outcome, double seconds) {
    auto& s = *a->state;
    auto& r = results_[s.index];
    const Job& job = *s.job;
    const char* status = "passed";
    switch (outcome.status) {
    case TaskStatus::passed: ++r.passed; break;
    case TaskStatus::failed:
        ++r.failed;
        status = "failed";
        spdlog::debug("{}#{} failed: {}", job.name, a->index, env_.redactor.scrub(outcome.error));
        break;
    case TaskStatus::cancelled: ++r.cancelled; status = "cancelled"; break;
    }
    if (outcome.status != TaskStatus::cancelled) {
        r.durations.push_back(static_cast<float>(seconds));
        metrics_.task_duration.with({job.name, job.kind}).observe(seconds);
    }
    metrics_.tasks.with({job.name, job.kind, status}).inc();
    record_instance(*a, outcome, seconds);
    r.bytes += outcome.bytes;
    r.cpu_s += outcome.cpu_s;
    r.peak_rss_bytes = std::max(r.peak_rss_bytes, outcome.peak_rss_bytes);
    for (auto& [name, value] : outcome.captures) {
        if (job.fan_out) {
            auto& list = r.captures[name];
            if (list.size() <= a->index) {
                // Slots for every instance, so values line up with `index`.
                while (list.size() < s.fan_size) list.push_back(nullptr);
            }
            list[a->index] = std::move(value);
        } else {
            r.captures[name] = std::move(value);
        }
    }
    if (outcome.status == TaskStatus::failed && r.first_error.empty()) {
        r.first_error = job.fan_out ? "instance " + std::to_string(a->index) + ": " + outcome.error : outcome.error;
        r.details = std::move(outcome.details);
    } else if (!job.fan_out && r.details.empty()) {
        r.details = std::move(outcome.details);
    }

    --in_flight_;
    --s.in_flight;
    --runtime_in_flight_[s.runtime];
    metrics_.tasks_in_flight.with({job.kind}).dec();
    auto node = live_.extract(a);
    env_.loop.defer_delete(std::move(node.mapped()));

    check_job_done(s);
    pump();
    maybe_finish();
}

void Scheduler::record_instance(const Attempt& a, const TaskOutcome& outcome, double seconds) {
    auto& r = results_[a.state->index];
    InstanceEnd end;
    end.index = a.index;
    end.seq = a.seq;
    end.status = outcome.status;
    end.attempts = a.ctx.attempt;
    end.started_s = a.first_started_ns == 0 ? 0 : static_cast<double>(a.first_started_ns - started_ns_) / 1e9;
    end.seconds = seconds;
    end.code_kind = outcome.code_kind;
    end.code = outcome.code;
    end.signal = outcome.signal;
    end.killed = outcome.killed || a.stopped;
    end.bytes = outcome.bytes;
    if (outcome.status != TaskStatus::passed) end.error = outcome.error;
    end.stdout_tail = outcome.stdout_tail;
    end.stderr_tail = outcome.stderr_tail;
    end.item = a.ctx.scope.item;
    end.artifacts = &a.artifacts;
    if (outcome.status != TaskStatus::passed || options_.record_instances == InstanceScope::all) {
        r.instance_log.record(end);
    }
    if (a.first_started_ns != 0) {
        r.activity.add(end.started_s, elapsed_s(), outcome.status == TaskStatus::failed, end.attempts > 1);
    }
    if (on_instance_finished) on_instance_finished(*a.state->job, end);
}

void Scheduler::check_job_done(JobState& s) {
    if (!s.active || s.expanding || s.next < s.total || s.in_flight > 0) return;
    s.active = false;
    finalize_job(s);
}

void Scheduler::finalize_job(JobState& s) {
    auto& r = results_[s.index];
    const Job& job = *s.job;
    r.finished_s = elapsed_s();
    r.instance_log.sort();
    std::string problem;
    if (r.cancelled > 0) {
        r.status = JobStatus::cancelled;
        if (r.first_error.empty()) r.first_error = stop_reason();
    } else {
        problem = judge(job.thresholds, job.fan_out, {r.instances, r.passed, r.failed}, r.latency(), r.first_error);
        if (problem.empty()) {
            r.status = JobStatus::passed;
        } else {
            r.status = JobStatus::failed;
            r.first_error = problem;
        }
    }
    metrics_.job_runs.with({job.name, job.kind, std::string(to_string(r.status))}).inc();
    if (r.status == JobStatus::passed) {
        metrics_.job_last_success.with({job.name}).set(std::chrono::duration<double>(env_.clock->wall().time_since_epoch()).count());
    }
    publish_exports(job, r);
    if (on_job_finished) on_job_finished(r);
    on_job_terminal(s);
    if (r.status == JobStatus::failed && !job.allow_failure && options_.fail_fast) stop(StopCause::fail_fast);
    release_dependents(s);
}

namespace {

// A capture as a gauge value: a number, a boolean, or a string that is one number.
std::optional<double> gauge_value(const nlohmann::json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
    if (!v.is_string()) return std::nullopt;
    const auto& text = v.get_ref<const std::string&>();
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return std::nullopt;
    const char* begin = text.c_str() + first;
    char* end = nullptr;
    errno = 0;
    const double d = std::strtod(begin, &end);
    if (end == begin || errno == ERANGE || !std::isfinite(d)) return std::nullopt;
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') ++end;
    if (*end != '\0') return std::nullopt;
    return d;
}

}  // namespace

void Scheduler::publish_exports(const Job& job, const JobResult& r) {
    for (const auto& [metric, capture] : job.exports) {
        const auto it = r.captures.find(capture);
        // Nothing captured this time (the job failed first): the gauge keeps its last value.
        if (it == r.captures.end() || it->is_null()) continue;
        const auto value = gauge_value(*it);
        if (!value) {
            spdlog::warn("job `{}`: export `{}`: capture `{}` is not a number: {}", job.name, metric, capture,
                         env_.redactor.scrub(it->dump().substr(0, 200)));
            continue;
        }
        env_.metrics.gauge(metric, "Exported from a job's capture (`export` in the job file).", {"job"})
            .with({job.name})
            .set(*value);
    }
}

std::string Scheduler::stop_reason() const {
    switch (stop_cause_) {
    case StopCause::interrupted: return "cancelled: interrupted (SIGINT)";
    case StopCause::terminated: return "cancelled: terminated (SIGTERM)";
    case StopCause::timeout:
        return "cancelled: the run timeout (" + jobfile::format_duration(options_.timeout.value_or(jobfile::Duration{})) +
               ") was reached";
    case StopCause::fail_fast: return "cancelled: another job failed (fail_fast)";
    case StopCause::replaced: return "cancelled: a newer run replaced it (overlap = \"replace\")";
    case StopCause::none: break;
    }
    return "cancelled";
}

void Scheduler::stop(StopCause cause) {
    if (finished_ || stopping_) return;
    stop_cause_ = cause;
    stopping_ = true;
    if (rate_timer_) rate_timer_->stop();
    if (run_timer_) run_timer_->stop();
    // Instances not launched yet will never be.
    for (auto& s : states_) {
        if (s.active) leave_unlaunched(s, TaskStatus::cancelled, stop_reason());
    }
    std::vector<Attempt*> attempts;
    for (auto& [a, owned] : live_) attempts.push_back(a);
    for (auto* a : attempts) {
        a->stopped = true;
        if (a->waiting_retry) {
            a->timer->stop();
            TaskOutcome outcome;
            outcome.status = TaskStatus::cancelled;
            outcome.error = stop_reason();
            finish_instance(a, std::move(outcome), 0);
        } else if (a->task) {
            a->task->cancel();
        }
    }
    for (auto& s : states_) {
        auto& r = results_[s.index];
        if (s.selected && r.status == JobStatus::pending) {
            r.status = JobStatus::cancelled;
            r.first_error = stop_reason();
            metrics_.job_runs.with({s.job->name, s.job->kind, "cancelled"}).inc();
            if (on_job_finished) on_job_finished(r);
            on_job_terminal(s);
        }
        check_job_done(s);
    }
    maybe_finish();
}

// The instances not launched yet never will be: counted, and listed as one span.
void Scheduler::leave_unlaunched(JobState& s, TaskStatus status, const std::string& reason) {
    if (s.next >= s.total) return;
    auto& r = results_[s.index];
    (status == TaskStatus::failed ? r.failed : r.cancelled) += s.total - s.next;
    r.not_launched = {};
    if (s.picking) {
        r.not_launched.indices.assign(s.pick.begin() + static_cast<std::ptrdiff_t>(s.next), s.pick.end());
    } else {
        r.not_launched.from = s.next;
        r.not_launched.to = s.total;
    }
    r.not_launched.status = status;
    r.not_launched.reason = reason;
    s.next = s.total;
}

void Scheduler::maybe_finish() {
    if (finished_ || !live_.empty()) return;
    for (std::size_t i = 0; i < states_.size(); ++i) {
        if (!states_[i].selected) continue;
        auto status = results_[i].status;
        if (status == JobStatus::pending || status == JobStatus::running) return;
    }
    finished_ = true;
    for (auto& s : states_) {
        if (s.selected && !s.released && s.runtime) {
            s.released = true;
            s.runtime->release(*s.job);
        }
    }
    if (rate_timer_) rate_timer_->stop();
    if (run_timer_) run_timer_->stop();
    rate_timer_.reset();
    run_timer_.reset();
    // The subsystems outlive the run: their owner (run::Subsystems) drains them.
    env_.loop.post([this] {
        if (on_finished_) on_finished_();
    });
}

namespace {
bool terminal(JobStatus s) { return s != JobStatus::pending && s != JobStatus::running; }
}  // namespace

void Scheduler::on_job_terminal(JobState& s) {
    maybe_release(s);
    for (auto n : s.needs) maybe_release(states_[n]);
}

void Scheduler::maybe_release(JobState& s) {
    if (s.released || !s.runtime || !terminal(results_[s.index].status)) return;
    for (auto d : s.dependents) {
        if (states_[d].selected && !terminal(results_[d].status)) return;
    }
    s.released = true;
    s.runtime->release(*s.job);
}

void Scheduler::service_lost(const Job& service, const std::string& reason) {
    const auto found = job_index_.find(service.name);
    if (found == job_index_.end()) return;
    const auto index = found->second;
    for (auto d : states_[index].dependents) {
        auto& s = states_[d];
        auto& r = results_[d];
        if (!s.selected || terminal(r.status)) continue;
        s.lost_need = reason;
        if (r.status == JobStatus::pending) {
            r.status = JobStatus::failed;
            r.first_error = reason;
            metrics_.job_runs.with({s.job->name, s.job->kind, "failed"}).inc();
            if (on_job_finished) on_job_finished(r);
            on_job_terminal(s);
            if (!s.job->allow_failure && options_.fail_fast) stop(StopCause::fail_fast);
            release_dependents(s);
            continue;
        }
        // Running: what has not started fails, what runs is stopped and fails.
        leave_unlaunched(s, TaskStatus::failed, reason);
        if (r.first_error.empty()) r.first_error = reason;
        for (auto& [a, owned] : live_) {
            if (a->state != &s) continue;
            if (a->waiting_retry) a->timer->start(std::chrono::milliseconds(0), [this, a = a] {
                TaskOutcome outcome;
                outcome.status = TaskStatus::failed;
                outcome.error = a->state->lost_need;
                a->waiting_retry = false;
                finish_instance(a, std::move(outcome), 0);
            });
            else if (a->task) a->task->cancel();
        }
        check_job_done(s);
    }
    maybe_finish();
}

}  // namespace gaia::run
