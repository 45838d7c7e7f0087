// ProcessTask on a real loop, without the CLI: every test ends with the loop closed
// cleanly, which proves that spawning, pipes, kill timers and group polling leak nothing.

#include "core/jobfile/loader.hpp"
#include "core/loop/timer.hpp"
#include "core/run/kinds.hpp"
#include "jobs/registry.hpp"

#include <doctest/doctest.h>

#include <sstream>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia;

namespace {

class Collect final : public run::OutputSink {
public:
    void write_line(bool to_stderr, std::string_view prefix, std::string_view line) override {
        lines.push_back(std::string(to_stderr ? "err " : "out ") + std::string(prefix) + ": " + std::string(line));
    }
    std::vector<std::string> lines;
};

struct Fixture {
    explicit Fixture(const std::string& text) {
        std::istringstream in(text);
        jobfile::LoadOptions options;
        options.files = {"-"};
        options.standard_input = &in;
        for (const auto* kind : jobs::all_kinds()) options.kinds.push_back(kind);
        set = jobfile::load_job_files(options, diags);
        REQUIRE(set);
    }

    // Runs one attempt of the first job; `after_start` may act on the running task.
    run::TaskOutcome run_one(std::function<void(run::Task&)> after_start = nullptr) {
        const auto* kind = run::find_kind(jobs::all_kinds(), "process");
        loop::ChildWatcher children(loop);
        run::RunEnv env{loop, children, registry, redactor, sink, nullptr};
        auto sub = set->subsystems.find("process");
        auto runtime = kind->make_runtime(env, sub == set->subsystems.end() ? nullptr : sub->second.get());
        const auto& job = set->jobs.front();
        auto task = runtime->make_task(job);
        run::TaskContext ctx{job, 0, 1, {}, {}};
        ctx.scope.vars = &set->vars;
        ctx.scope.index = 0;
        std::optional<run::TaskOutcome> outcome;
        bool completed_inside_start = false;
        bool in_start = true;
        task->start(ctx, [&](run::TaskOutcome o) {
            completed_inside_start = in_start;
            outcome = std::move(o);
        });
        in_start = false;
        if (after_start) after_start(*task);
        loop.run();
        CHECK_FALSE(completed_inside_start);  // never synchronously
        task.reset();
        runtime->close();
        runtime.reset();
        children.close();
        CHECK(loop.close() == 0);
        REQUIRE(outcome);
        return *outcome;
    }

    jobfile::Diagnostics diags;
    std::unique_ptr<jobfile::JobSet> set;
    loop::Loop loop;
    metrics::Registry registry;
    text::Redactor redactor;
    Collect sink;
};

}  // namespace

TEST_CASE("a process task captures output and exit code and closes every handle") {
    Fixture f("[jobs.a]\nkind = \"process\"\nshell = \"echo out; echo err >&2; exit 3\"\nexpect.exit_code = 3\n"
              "capture.o = \"stdout\"\ncapture.c = \"exit_code\"\n");
    auto o = f.run_one();
    CHECK(o.status == run::TaskStatus::passed);
    CHECK(o.captures["o"] == "out");
    CHECK(o.captures["c"] == 3);
    CHECK(o.details["exit_code"] == 3);
    CHECK(o.bytes == 8);
}

TEST_CASE("a failure to start is reported on a later loop turn") {
    Fixture f("[jobs.a]\nkind = \"process\"\ncommand = [\"/nonexistent/program\"]\n");
    auto o = f.run_one();
    CHECK(o.status == run::TaskStatus::failed);
    CHECK_FALSE(o.retryable);
    CHECK(o.error.find("ENOENT") != std::string::npos);
}

TEST_CASE("cancel signals the group, waits kill_grace, then kills") {
    Fixture f("[jobs.a]\nkind = \"process\"\nshell = \"trap '' TERM; sleep 30\"\nkill_grace = \"100ms\"\n");
    const auto start = loop::Loop::hrtime_ns();
    auto o = f.run_one([&](run::Task& task) {
        // Give the shell time to install its trap, then cancel. The timer closes itself
        // once fired, so the loop can still prove that nothing is left open.
        auto timer = loop::Timer::create(f.loop);
        auto* raw = timer.release();
        raw->start(std::chrono::milliseconds(100), [raw, &task] {
            task.cancel();
            raw->close();
        });
    });
    const double seconds = static_cast<double>(loop::Loop::hrtime_ns() - start) / 1e9;
    CHECK(o.status == run::TaskStatus::cancelled);
    CHECK(o.details["signal"] == "SIGKILL");
    CHECK(seconds >= 0.19);
    CHECK(seconds < 5);
}

TEST_CASE("a cancel that comes while the spawn is on the thread pool stops the process once it exists") {
    Fixture f("[jobs.a]\nkind = \"process\"\ncommand = [\"sleep\", \"30\"]\nkill_grace = \"100ms\"\n");
    const auto start = loop::Loop::hrtime_ns();
    // Right after start(): the spawn has not come back to the loop yet.
    auto o = f.run_one([](run::Task& task) { task.cancel(); });
    const double seconds = static_cast<double>(loop::Loop::hrtime_ns() - start) / 1e9;
    CHECK(o.status == run::TaskStatus::cancelled);
    CHECK(o.details["signal"] == "SIGTERM");
    CHECK(seconds < 5);
}

TEST_CASE("inherit sends prefixed lines to the output sink") {
    Fixture f("[jobs.talk]\nkind = \"process\"\nshell = \"echo one; echo two >&2\"\nstdout = \"inherit\"\nstderr = \"inherit\"\n");
    auto o = f.run_one();
    CHECK(o.status == run::TaskStatus::passed);
    std::sort(f.sink.lines.begin(), f.sink.lines.end());
    CHECK(f.sink.lines == std::vector<std::string>{"err talk: two", "out talk: one"});
}

TEST_SUITE_END();
