// The scheduler on a real loop, with a small job kind of the test's own whose tasks are
// timers: each behaviour is checked without depending on processes or the network.

#include "core/jobfile/loader.hpp"
#include "core/loop/timer.hpp"
#include "core/run/scheduler.hpp"

#include <doctest/doctest.h>

#include <sstream>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia;
using namespace std::chrono_literals;

namespace {

struct TimerJobConfig final : jobfile::KindConfig {
    jobfile::Duration delay{1ms};
    std::uint32_t fail_attempts = 0;  // the first N attempts fail
    bool fail_odd = false;            // odd instances fail
};

struct Counters {
    std::uint32_t running = 0, max_running = 0, started = 0, cancelled = 0;
    // With a manual clock, each task moves it on by its delay as it ends: durations are
    // then exact, and the test waits 1 ms of real time per task.
    loop::ManualClock* clock = nullptr;
};

class TimerTask final : public run::Task {
public:
    TimerTask(loop::Loop& loop, const TimerJobConfig& config, Counters& counters)
        : loop_(loop), config_(config), counters_(counters) {}
    void start(const run::TaskContext& ctx, run::Completion done) override {
        done_ = std::move(done);
        ++counters_.started;
        counters_.max_running = std::max(counters_.max_running, ++counters_.running);
        const bool fail = ctx.attempt <= config_.fail_attempts || (config_.fail_odd && ctx.index % 2 == 1);
        timer_ = loop::Timer::create(loop_);
        // On the test's own clock a task takes its delay on that clock, and 1 ms of real time.
        const auto real = counters_.clock ? std::chrono::milliseconds(1)
                                          : std::chrono::duration_cast<std::chrono::milliseconds>(config_.delay);
        timer_->start(real, [this, fail, &ctx] {
            if (counters_.clock) counters_.clock->advance(config_.delay);
            run::TaskOutcome o;
            o.status = fail ? run::TaskStatus::failed : run::TaskStatus::passed;
            o.error = fail ? "planned failure" : "";
            o.captures["index"] = ctx.index;
            finish(std::move(o));
        });
    }
    void cancel() override {
        ++counters_.cancelled;
        timer_->stop();
        loop_.post([this] {
            run::TaskOutcome o;
            o.status = run::TaskStatus::cancelled;
            finish(std::move(o));
        });
    }

private:
    void finish(run::TaskOutcome o) {
        --counters_.running;
        auto done = std::move(done_);
        if (done) done(std::move(o));
    }
    loop::Loop& loop_;
    const TimerJobConfig& config_;
    Counters& counters_;
    loop::HandlePtr<loop::Timer> timer_;
    run::Completion done_;
};

class TimerRuntime final : public run::KindRuntime {
public:
    TimerRuntime(loop::Loop& loop, Counters& counters, std::uint32_t capacity)
        : loop_(loop), counters_(counters), capacity_(capacity) {}
    std::unique_ptr<run::Task> make_task(const jobfile::Job& job) override {
        return std::make_unique<TimerTask>(loop_, static_cast<const TimerJobConfig&>(*job.config), counters_);
    }
    std::uint32_t capacity() const override { return capacity_; }

private:
    loop::Loop& loop_;
    Counters& counters_;
    std::uint32_t capacity_;
};

class TimerKind final : public jobfile::KindCompiler {
public:
    const jobfile::KindSchema& schema() const override {
        static const jobfile::KindSchema s{"timer", "timer", {"delay", "fail_attempts", "fail_odd"}, {}, {}, {}, {}};
        return s;
    }
    std::shared_ptr<const jobfile::KindConfig> compile_job(const toml::table& job,
                                                           jobfile::CompileContext& ctx) const override {
        auto c = std::make_shared<TimerJobConfig>();
        if (const auto* n = job.get("delay")) c->delay = ctx.duration(*n, "delay").value_or(c->delay);
        if (const auto* n = job.get("fail_attempts")) c->fail_attempts = static_cast<std::uint32_t>(ctx.integer(*n, "fail_attempts", 0, 100).value_or(0));
        if (const auto* n = job.get("fail_odd")) c->fail_odd = ctx.boolean(*n, "fail_odd").value_or(false);
        return c;
    }
    std::optional<std::string> check_capture(std::string_view) const override { return std::nullopt; }
    std::shared_ptr<const jobfile::KindConfig> compile_subsystem(const std::vector<const toml::table*>&,
                                                                 jobfile::CompileContext&) const override {
        return nullptr;
    }
};

class OutputToNowhere final : public run::OutputSink {
public:
    void write_line(bool, std::string_view, std::string_view) override {}
};

struct Harness {
    explicit Harness(const std::string& text, std::uint32_t capacity = 0) {
        std::istringstream in(text);
        jobfile::LoadOptions options;
        options.files = {"-"};
        options.standard_input = &in;
        options.kinds = {&kind};
        set = jobfile::load_job_files(options, diags);
        REQUIRE(set);
        runtime = std::make_unique<TimerRuntime>(loop, counters, capacity);
    }
    void run(run::RunOptions options = {}, std::function<void(run::Scheduler&)> during = nullptr) {
        loop::ChildWatcher children(loop);
        run::RunEnv env{loop, children, registry, redactor, sink, nullptr};
        if (counters.clock) env.clock = counters.clock;
        run::RunMetrics metrics(registry);
        scheduler = std::make_unique<run::Scheduler>(env, *set, options, run::Scheduler::Runtimes{{"timer", runtime.get()}},
                                                     metrics);
        bool finished = false;
        scheduler->start([&] { finished = true; });
        if (during) during(*scheduler);
        loop.run();
        CHECK(finished);
        results = scheduler->results();
        scheduler.reset();
        runtime.reset();
        children.close();
        CHECK(loop.close() == 0);  // every handle closed: nothing leaked
    }
    const run::JobResult& result(const std::string& name) const {
        for (const auto& r : results) {
            if (r.job->name == name) return r;
        }
        throw std::runtime_error("no job " + name);
    }

    TimerKind kind;
    jobfile::Diagnostics diags;
    std::unique_ptr<jobfile::JobSet> set;
    loop::Loop loop;
    metrics::Registry registry;
    text::Redactor redactor;
    OutputToNowhere sink;
    Counters counters;
    std::unique_ptr<TimerRuntime> runtime;
    std::unique_ptr<run::Scheduler> scheduler;
    std::vector<run::JobResult> results;
};

}  // namespace

TEST_CASE("needs order jobs and a failed need skips its dependents") {
    Harness h(R"T(
[jobs.a]
kind = "timer"
[jobs.b]
kind = "timer"
needs = ["a"]
fail_attempts = 1
[jobs.c]
kind = "timer"
needs = ["b"]
[jobs.d]
kind = "timer"
needs = ["a"]
)T");
    h.run();
    CHECK(h.result("a").status == run::JobStatus::passed);
    CHECK(h.result("b").status == run::JobStatus::failed);
    CHECK(h.result("c").status == run::JobStatus::skipped);
    CHECK(h.result("c").first_error == "needs `b`, which failed");
    CHECK(h.result("d").status == run::JobStatus::passed);
}

TEST_CASE("fan-out respects job, global and subsystem concurrency") {
    Harness h(R"T(
[jobs.many]
kind = "timer"
repeat = 40
concurrency = 5
delay = "2ms"
)T");
    h.run();
    CHECK(h.result("many").passed == 40);
    CHECK(h.counters.max_running == 5);

    Harness global("[jobs.many]\nkind = \"timer\"\nrepeat = 30\ndelay = \"2ms\"\n");
    run::RunOptions options;
    options.concurrency = 3;
    global.run(options);
    CHECK(global.counters.max_running == 3);

    Harness capped("[jobs.many]\nkind = \"timer\"\nrepeat = 30\ndelay = \"2ms\"\n", 4);
    capped.run();
    CHECK(capped.counters.max_running == 4);
}

TEST_CASE("retries run extra attempts until one passes") {
    Harness h("[jobs.flaky]\nkind = \"timer\"\nfail_attempts = 2\nretries = { attempts = 3, backoff = \"1ms\" }\n");
    h.run();
    CHECK(h.result("flaky").status == run::JobStatus::passed);
    CHECK(h.result("flaky").attempts == 3);
}

TEST_CASE("thresholds decide a fan-out's status") {
    Harness h(R"T(
[jobs.half]
kind = "timer"
repeat = 10
fail_odd = true
thresholds = { success_rate = 0.5 }
[jobs.strict]
kind = "timer"
repeat = 10
fail_odd = true
[jobs.slow]
kind = "timer"
delay = "30ms"
thresholds = { p95 = "5ms" }
)T");
    h.run();
    CHECK(h.result("half").status == run::JobStatus::passed);
    CHECK(h.result("half").failed == 5);
    CHECK(h.result("strict").status == run::JobStatus::failed);
    CHECK(h.result("strict").first_error.find("5 of 10 instances failed") == 0);
    CHECK(h.result("slow").status == run::JobStatus::failed);
    CHECK(h.result("slow").first_error.find("p95 latency") == 0);
    CHECK(h.result("half").captures["index"].size() == 10);
}

TEST_CASE("an attempt timeout fails the attempt and cancels the task") {
    Harness h("[jobs.late]\nkind = \"timer\"\ndelay = \"5s\"\ntimeout = \"20ms\"\n");
    h.run();
    CHECK(h.result("late").status == run::JobStatus::failed);
    CHECK(h.result("late").first_error == "timed out after 20ms");
    CHECK(h.counters.cancelled == 1);
}

TEST_CASE("fail_fast cancels what runs and what waits") {
    Harness h(R"T(
[jobs.bad]
kind = "timer"
fail_attempts = 1
[jobs.long]
kind = "timer"
delay = "10s"
[jobs.after]
kind = "timer"
needs = ["long"]
)T");
    run::RunOptions options;
    options.fail_fast = true;
    h.run(options);
    CHECK(h.result("bad").status == run::JobStatus::failed);
    CHECK(h.result("long").status == run::JobStatus::cancelled);
    CHECK(h.result("after").status == run::JobStatus::cancelled);
}

TEST_CASE("the run timeout stops everything") {
    Harness h("[jobs.long]\nkind = \"timer\"\ndelay = \"10s\"\nrepeat = 3\n");
    run::RunOptions options;
    options.timeout = jobfile::Duration(30ms);
    h.run(options);
    CHECK(h.result("long").status == run::JobStatus::cancelled);
    CHECK(h.result("long").first_error.find("run timeout") != std::string::npos);
}

TEST_CASE("rate limits instance starts") {
    Harness h("[jobs.paced]\nkind = \"timer\"\nrepeat = 6\nrate = \"100/s\"\n");
    const auto start = loop::Loop::hrtime_ns();
    h.run();
    const double seconds = static_cast<double>(loop::Loop::hrtime_ns() - start) / 1e9;
    // Burst 1, then one every 10 ms: at least 50 ms for 6 starts.
    CHECK(seconds >= 0.045);
    CHECK(h.result("paced").passed == 6);
}

TEST_CASE("for_each from a capture fans out at run time") {
    Harness h(R"T(
[jobs.list]
kind = "timer"
repeat = 3
capture.index = "x"
[jobs.each]
kind = "timer"
needs = ["list"]
for_each = "{{ jobs.list.index }}"
)T");
    h.run();
    CHECK(h.result("each").instances == 3);
    CHECK(h.result("each").status == run::JobStatus::passed);
}

TEST_CASE("the scheduler reads the clock it is given: durations and the run's time without waiting for them") {
    // Three instances of a job whose tasks "take" 20 minutes each on the test's clock (and
    // 1 ms of real time), one at a time.
    Harness h("[jobs.slow]\nkind = \"timer\"\ndelay = \"20m\"\nrepeat = 3\nconcurrency = 1\n");
    loop::ManualClock clock;
    h.counters.clock = &clock;
    h.run();
    const auto& r = h.result("slow");
    CHECK(r.status == run::JobStatus::passed);
    REQUIRE(r.durations.size() == 3);
    for (float d : r.durations) CHECK(d == doctest::Approx(1200.0));
    CHECK(r.latency().p99 == doctest::Approx(1200.0));
    CHECK(r.finished_s - r.started_s == doctest::Approx(3600.0));
}

TEST_SUITE_END();
