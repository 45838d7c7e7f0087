#include "core/run/subsystems.hpp"

#include "core/net/network.hpp"

#include <spdlog/spdlog.h>

namespace gaia::run {

Subsystems::Subsystems(const RunEnv& shared, const Kinds& kinds, const jobfile::JobSet& set)
    : network_(std::make_unique<net::Network>(shared.loop, shared.metrics, set.network)),
      env_(std::make_unique<RunEnv>(shared)) {
    env_->network = network_.get();
    if (set.network.insecure) {
        spdlog::warn("[network].insecure: TLS certificates are not verified for any HTTPS request");
    }
    for (const auto* kind : kinds) {
        const auto subsystem = kind->schema().subsystem;
        const auto table = set.subsystems.find(subsystem);
        auto runtime = kind->make_runtime(*env_, table == set.subsystems.end() ? nullptr : table->second.get());
        runtime->prepare(set);
        by_kind_.emplace(std::string(kind->schema().kind), runtime.get());
        runtimes_.push_back({std::string(subsystem), std::move(runtime)});
    }
}

Subsystems::~Subsystems() { close(); }

std::string Subsystems::unavailable(std::string_view subsystem) const {
    for (const auto& entry : runtimes_) {
        if (entry.subsystem == subsystem) return entry.runtime->unavailable();
    }
    return {};
}

nlohmann::json Subsystems::report() const {
    nlohmann::json sections = nlohmann::json::object();
    for (const auto& entry : runtimes_) {
        if (auto section = entry.runtime->report(); !section.is_null()) sections[entry.subsystem] = std::move(section);
    }
    return sections;
}

void Subsystems::drain(std::function<void()> done) {
    auto remaining = std::make_shared<std::size_t>(runtimes_.size() + 1);
    auto drained = [loop = &env_->loop, remaining, done = std::move(done)] {
        if (--*remaining == 0) loop->post(done);
    };
    for (auto& entry : runtimes_) entry.runtime->drain(drained);
    drained();
}

void Subsystems::close() {
    if (closed_) return;
    closed_ = true;
    for (auto& entry : runtimes_) entry.runtime->close();
    network_->close();
}

void Subsystems::kill_now() noexcept {
    for (auto& entry : runtimes_) entry.runtime->kill_now();
}

}  // namespace gaia::run
