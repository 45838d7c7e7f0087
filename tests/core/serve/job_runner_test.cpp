// gaia serve's job runner on the clock it is given: when a scheduled job runs next and when
// a run started are the test's times, with no waiting for them.

#include "core/jobfile/loader.hpp"
#include "core/loop/clock.hpp"
#include "core/serve/job_runner.hpp"
#include "core/text/redactor.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <sstream>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia;

namespace {

struct Nothing final : jobfile::KindConfig {};

// A task that passes on the next loop turn.
class InstantTask final : public run::Task {
public:
    explicit InstantTask(loop::Loop& loop) : loop_(loop) {}
    void start(const run::TaskContext&, run::Completion done) override {
        loop_.post([done = std::move(done)] {
            run::TaskOutcome o;
            o.status = run::TaskStatus::passed;
            done(std::move(o));
        });
    }
    void cancel() override {}

private:
    loop::Loop& loop_;
};

class InstantRuntime final : public run::KindRuntime {
public:
    explicit InstantRuntime(loop::Loop& loop) : loop_(loop) {}
    std::unique_ptr<run::Task> make_task(const jobfile::Job&) override { return std::make_unique<InstantTask>(loop_); }
    std::uint32_t capacity() const override { return 0; }

private:
    loop::Loop& loop_;
};

class InstantKind final : public run::JobKind {
public:
    const jobfile::KindSchema& schema() const override {
        static const jobfile::KindSchema s{"instant", "instant", {}, {}, {}, {}, {}};
        return s;
    }
    std::shared_ptr<const jobfile::KindConfig> compile_job(const toml::table&, jobfile::CompileContext&) const override {
        return std::make_shared<Nothing>();
    }
    std::optional<std::string> check_capture(std::string_view) const override { return std::nullopt; }
    std::shared_ptr<const jobfile::KindConfig> compile_subsystem(const std::vector<const toml::table*>&,
                                                                 jobfile::CompileContext&) const override {
        return nullptr;
    }
    std::unique_ptr<run::KindRuntime> make_runtime(run::RunEnv& env, const jobfile::KindConfig*) const override {
        return std::make_unique<InstantRuntime>(env.loop);
    }
};

class Nowhere final : public run::OutputSink {
public:
    void write_line(bool, std::string_view, std::string_view) override {}
};

// What a JobRunner needs, on a test clock that starts at 2026-01-01T00:00:00Z whatever the
// machine's says.
struct World {
    InstantKind kind;
    loop::ManualClock clock{std::chrono::system_clock::from_time_t(1767225600)};
    loop::Loop loop;
    loop::ChildWatcher children{loop};
    metrics::Registry registry;
    text::Redactor redactor;
    Nowhere output;
    run::RunMetrics run_metrics{registry};
    serve::Health health{registry, {&kind}};

    std::unique_ptr<jobfile::JobSet> load(const std::string& text) {
        std::istringstream in(text);
        jobfile::LoadOptions options;
        options.files = {"-"};
        options.standard_input = &in;
        options.kinds = {&kind};
        jobfile::Diagnostics diags;
        return jobfile::load_job_files(options, diags);
    }
    serve::RunnerEnv env() { return {loop, children, registry, redactor, output, run_metrics, health, {&kind}, &clock}; }
    ~World() {
        children.close();
        CHECK(loop.close() == 0);
    }
};

}  // namespace

TEST_CASE("job runner: next runs and run times come from the clock it is given") {
    World w;
    auto& clock = w.clock;
    auto& loop = w.loop;
    auto set = w.load("[jobs.hourly]\nkind = \"instant\"\nschedule = \"@every 1h\"\n[jobs.manual]\nkind = \"instant\"\n");
    REQUIRE(set);
    serve::JobRunner runner(w.env());
    runner.load(std::move(set));

    auto jobs = runner.jobs_json()["jobs"];
    CHECK(jobs[0]["name"] == "hourly");
    CHECK(jobs[0]["next_run"] == "2026-01-01T01:00:00Z");
    CHECK(jobs[1]["next_run"].is_null());

    // A run asked for at 00:30 (on the test's clock) starts then.
    clock.advance(std::chrono::minutes(30));
    std::string run_id;
    REQUIRE(runner.trigger("manual", &run_id) == serve::JobRunner::Trigger::started);
    bool stopped = false;
    // The run passes on one of the next turns; once it has, the runner shuts down.
    std::function<void()> when_done = [&] {
        if (runner.runs_in_flight() != 0) return loop.post(when_done);
        jobs = runner.jobs_json()["jobs"];
        runner.shutdown(std::chrono::milliseconds(0), [&] { stopped = true; });
    };
    loop.post(when_done);
    loop.run();
    CHECK(stopped);
    CHECK(jobs[1]["last"]["status"] == "passed");
    CHECK(jobs[1]["last"]["started"] == "2026-01-01T00:30:00Z");
    CHECK(jobs[1]["last"]["run_id"] == run_id);
}

TEST_CASE("job runner: jitter delays every fire time by the same amount, below the jitter, on every load") {
    World w;
    auto next_runs = [&] {
        serve::JobRunner runner(w.env());
        auto set = w.load("[jobs.hourly]\nkind = \"instant\"\nschedule = \"@every 1h\"\njitter = \"10m\"\n"
                          "[jobs.other]\nkind = \"instant\"\nschedule = \"@every 1h\"\njitter = \"10m\"\n");
        REQUIRE(set);
        runner.load(std::move(set));
        auto jobs = runner.jobs_json()["jobs"];
        return std::pair{jobs[0]["next_run"].get<std::string>(), jobs[1]["next_run"].get<std::string>()};
    };
    const auto first = next_runs();
    // 01:00 plus a delay under ten minutes, the same on the next load (a restart).
    CHECK(first.first >= "2026-01-01T01:00:00Z");
    CHECK(first.first < "2026-01-01T01:10:00Z");
    CHECK(next_runs() == first);
    // Jobs due at the same time spread out (with the odds of a tie at one second in 600).
    CHECK(first.first != first.second);
}

TEST_SUITE_END();
