#include "core/report/instance_rows.hpp"



namespace gaia::report {

void for_each_instance(const run::JobResult& r, run::InstanceScope scope, const std::function<void(const InstanceRow&)>& fn) {
    for (const auto& rec : r.instance_log.records()) {
        if (scope == run::InstanceScope::failed && rec.status == run::TaskStatus::passed) continue;
        InstanceRow row;
        row.index = rec.index;
        row.status = rec.status;
        row.attempts = rec.attempts;
        row.started_s = rec.started_s;
        row.seconds = rec.seconds;
        row.code_kind = rec.code_kind;
        row.code = rec.code;
        row.signal = rec.signal;
        row.killed = rec.killed;
        row.error = r.instance_log.error(rec);
        row.artifacts = r.instance_log.artifacts(rec.index);
        fn(row);
    }
    const auto& rest = r.not_launched;
    auto unlaunched = [&](std::uint64_t index) {
        InstanceRow row;
        row.index = index;
        row.status = rest.status;
        row.error = rest.reason;
        fn(row);
    };
    for (auto index = rest.from; index < rest.to; ++index) unlaunched(index);
    for (auto index : rest.indices) unlaunched(index);
}

const nlohmann::json* item_of(const run::JobResult& r, std::uint64_t index) {
    return index < r.items.size() ? &r.items[index] : nullptr;
}

}  // namespace gaia::report
