// The composition root: one runtime per registered kind, built from the job set's tables,
// drained, closed and killed as one; and the stop signals every command shares.

#include "core/jobfile/loader.hpp"
#include "core/loop/timer.hpp"
#include "core/run/stop_signals.hpp"
#include "core/run/subsystems.hpp"
#include "core/text/redactor.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <sstream>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia;

namespace {

// What a test kind's runtime was asked, in order.
struct Calls {
    std::vector<std::string> log;
    const jobfile::KindConfig* subsystem = nullptr;
    net::Network* network = nullptr;
};

struct TableConfig final : jobfile::KindConfig {};

class RecordingRuntime final : public run::KindRuntime {
public:
    RecordingRuntime(run::RunEnv& env, std::string name, Calls& calls) : env_(env), name_(std::move(name)), calls_(calls) {}
    std::unique_ptr<run::Task> make_task(const jobfile::Job&) override { return nullptr; }
    std::uint32_t capacity() const override { return 0; }
    void prepare(const jobfile::JobSet&) override { calls_.log.push_back(name_ + " prepare"); }
    std::string unavailable() const override { return name_ == "b" ? "b has no engine" : ""; }
    nlohmann::json report() const override { return name_ == "a" ? nlohmann::json{{"ops", 3}} : nullptr; }
    void drain(std::function<void()> done) override {
        calls_.log.push_back(name_ + " drain");
        // A runtime that needs a loop turn to drain (a browser closing).
        env_.loop.post(std::move(done));
    }
    void close() override { calls_.log.push_back(name_ + " close"); }
    void kill_now() noexcept override { calls_.log.push_back(name_ + " kill"); }

private:
    run::RunEnv& env_;
    std::string name_;
    Calls& calls_;
};

class RecordingKind final : public run::JobKind {
public:
    RecordingKind(std::string_view name, Calls& calls) : schema_{name, name, {}, {}, {"size"}, {}, {}}, calls_(calls) {}
    const jobfile::KindSchema& schema() const override { return schema_; }
    std::shared_ptr<const jobfile::KindConfig> compile_job(const toml::table&, jobfile::CompileContext&) const override {
        return std::make_shared<TableConfig>();
    }
    std::optional<std::string> check_capture(std::string_view) const override { return std::nullopt; }
    std::shared_ptr<const jobfile::KindConfig> compile_subsystem(const std::vector<const toml::table*>& fragments,
                                                                 jobfile::CompileContext&) const override {
        return fragments.empty() ? nullptr : std::make_shared<TableConfig>();
    }
    std::unique_ptr<run::KindRuntime> make_runtime(run::RunEnv& env, const jobfile::KindConfig* subsystem) const override {
        if (schema_.kind == "a") {
            calls_.subsystem = subsystem;
            calls_.network = env.network;
        }
        return std::make_unique<RecordingRuntime>(env, std::string(schema_.kind), calls_);
    }

private:
    jobfile::KindSchema schema_;
    Calls& calls_;
};

class Nowhere final : public run::OutputSink {
public:
    void write_line(bool, std::string_view, std::string_view) override {}
};

}  // namespace

TEST_CASE("subsystems: one runtime per kind from the set's tables, drained, closed and killed together") {
    Calls calls;
    RecordingKind a("a", calls), b("b", calls);
    std::istringstream in("[a]\nsize = 1\n[jobs.x]\nkind = \"b\"\n");
    jobfile::LoadOptions options;
    options.files = {"-"};
    options.standard_input = &in;
    options.kinds = {&a, &b};
    jobfile::Diagnostics diags;
    auto set = jobfile::load_job_files(options, diags);
    REQUIRE(set);

    loop::Loop loop;
    loop::ChildWatcher children(loop);
    metrics::Registry registry;
    text::Redactor redactor;
    Nowhere output;
    {
        run::Subsystems subsystems(run::RunEnv{loop, children, registry, redactor, output, nullptr, nullptr}, {&a, &b},
                                   *set);
        CHECK(calls.log == std::vector<std::string>{"a prepare", "b prepare"});
        CHECK(calls.subsystem == set->subsystems.at("a").get());  // its [a] table
        CHECK(calls.network != nullptr);                          // the coordinator it owns
        CHECK(subsystems.env().network == calls.network);
        CHECK(subsystems.by_kind().size() == 2);
        CHECK(subsystems.unavailable("b") == "b has no engine");
        CHECK(subsystems.unavailable("a").empty());
        CHECK(subsystems.report() == nlohmann::json{{"a", {{"ops", 3}}}});

        int drained = 0;
        subsystems.drain([&] { ++drained; });
        CHECK(drained == 0);  // never from inside drain()
        loop.run();
        CHECK(drained == 1);
        subsystems.kill_now();
        subsystems.close();
        subsystems.close();  // idempotent
        CHECK(calls.log == std::vector<std::string>{"a prepare", "b prepare", "a drain", "b drain", "a kill", "b kill",
                                                    "a close", "b close"});
    }
    children.close();
    CHECK(loop.close() == 0);
}

TEST_CASE("stop signals: each SIGTERM and a first SIGINT ask to stop, a second SIGINT kills") {
    loop::Loop loop;
    std::vector<int> stops;
    int kills = 0;
    run::StopSignals signals(loop, [&](int s) { stops.push_back(s); }, [&] { ++kills; });
    auto timer = loop::Timer::create(loop);
    int step = 0;
    // One signal per turn, so that each is delivered before the next is raised.
    timer->start_repeating(std::chrono::milliseconds(5), [&] {
        const int order[] = {SIGTERM, SIGINT, SIGTERM, SIGINT};
        if (step < 4) {
            std::raise(order[step++]);
            return;
        }
        signals.close();
        timer->stop();
    });
    loop.run();
    CHECK(stops == std::vector<int>{SIGTERM, SIGINT, SIGTERM});
    CHECK(kills == 1);
    timer.reset();
    CHECK(loop.close() == 0);
}

TEST_SUITE_END();
