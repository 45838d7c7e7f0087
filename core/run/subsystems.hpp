#pragma once
// The subsystems one job set runs on: the network coordinator and one runtime per
// registered kind, each built from the set's tables. This is gaia's one composition root:
// `gaia run` (with or without --listen) makes one for its run, `gaia serve` one per loaded
// job set (a generation), shared by every run of it. It owns their drain, close and kill.

#include "core/run/kinds.hpp"
#include "core/run/scheduler.hpp"
#include "core/run/task.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::net {
class Network;
}

namespace gaia::run {

class Subsystems {
public:
    // `shared` is what outlives them: the loop, the child watcher, the metrics, the redactor
    // and the output. Its network is replaced by the coordinator these subsystems own.
    Subsystems(const RunEnv& shared, const Kinds& kinds, const jobfile::JobSet& set);
    ~Subsystems();
    Subsystems(const Subsystems&) = delete;
    Subsystems& operator=(const Subsystems&) = delete;

    // What their tasks see; a caller that shares them among several runs sets service_lost.
    RunEnv& env() noexcept { return *env_; }
    const Scheduler::Runtimes& by_kind() const noexcept { return by_kind_; }

    // Why a subsystem cannot work at all (no Chromium found), for /health; empty when it can.
    std::string unavailable(std::string_view subsystem) const;
    // What each subsystem adds to the JSON report, by subsystem name.
    nlohmann::json report() const;

    // Every runtime stops what it keeps between tasks (browsers), then `done` comes, on a
    // later loop turn. Once, after the last task of the last run.
    void drain(std::function<void()> done);
    // Releases every handle: the runtimes', then the network's. Idempotent.
    void close();
    // gaia must die now (a second SIGINT): everything stops synchronously, no grace.
    void kill_now() noexcept;

private:
    struct Entry {
        std::string subsystem;
        std::unique_ptr<KindRuntime> runtime;
    };

    std::unique_ptr<net::Network> network_;
    std::unique_ptr<RunEnv> env_;
    std::vector<Entry> runtimes_;  // in registry order
    Scheduler::Runtimes by_kind_;
    bool closed_ = false;
};

}  // namespace gaia::run
