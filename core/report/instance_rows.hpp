#pragma once
// The instances a report lists for a job, in index order: those the run recorded, then the
// span a stop left unlaunched — one row at a time, so a million cost no more memory than one.

#include "core/run/results.hpp"

#include <functional>
#include <string>

namespace gaia::report {

struct InstanceRow {
    std::uint64_t index = 0;
    run::TaskStatus status = run::TaskStatus::failed;
    std::uint32_t attempts = 0;  // 0: never launched
    double started_s = 0, seconds = 0;
    run::CodeKind code_kind = run::CodeKind::none;
    std::int32_t code = 0;
    int signal = 0;
    bool killed = false;
    std::string_view error;
    const std::vector<std::string>* artifacts = nullptr;  // paths its attempts left, if any
};

void for_each_instance(const run::JobResult& r, run::InstanceScope scope, const std::function<void(const InstanceRow&)>& fn);

// The instance's {{ item }}, or null when the job has no items.
const nlohmann::json* item_of(const run::JobResult& r, std::uint64_t index);

}  // namespace gaia::report
