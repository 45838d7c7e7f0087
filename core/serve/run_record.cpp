#include "core/serve/run_record.hpp"

#include "core/report/redact.hpp"
#include "core/text/signal_names.hpp"
#include "core/text/tail.hpp"

namespace gaia::serve {

void RunRecord::add_instance(const jobfile::Job& job, const run::InstanceEnd& end) {
    if (end.status == run::TaskStatus::passed) return;
    if (instances_.size() >= kMaxInstances) {
        ++omitted_;
        return;
    }
    nlohmann::json o = {{"job", job.name}, {"index", end.index}};
    if (end.item) o["item"] = *end.item;
    o["status"] = std::string(run::to_string(end.status));
    o["attempts"] = end.attempts;
    o["duration_s"] = end.seconds;
    if (end.code_kind == run::CodeKind::exit_code) o["exit_code"] = end.code;
    if (end.code_kind == run::CodeKind::http_status) o["http_status"] = end.code;
    if (end.signal != 0) o["signal"] = text::signal_name(end.signal);
    o["error"] = end.error;
    // The output budget goes to the first failures: what went wrong first is what is read.
    for (const auto& [key, text] : {std::pair{"stderr_tail", end.stderr_tail}, std::pair{"stdout_tail", end.stdout_tail}}) {
        if (text.empty()) continue;
        const std::size_t room = kOutputBudget - output_bytes_;
        if (room == 0) {
            o["output_omitted"] = true;
            continue;
        }
        auto kept = text::tail_of(text, room);
        output_bytes_ += kept.size();
        o[key] = std::move(kept);
    }
    instances_.push_back(std::move(o));
}

StoredRun RunRecord::finish(const Facts& facts, const run::JobResult& result, const text::Redactor& redactor) const {
    StoredRun run;
    run.id = facts.id;
    run.job = facts.job;
    run.trigger = facts.trigger;
    run.status = std::string(run::to_string(result.status));
    run.started = std::chrono::duration<double>(facts.started.time_since_epoch()).count();
    run.duration_s = facts.duration_s;
    run.instances = result.instances;
    run.passed = result.passed;
    run.failed = result.failed;
    run.cancelled = result.cancelled;
    run.p95_s = result.latency().p95;
    run.error = redactor.scrub(result.first_error);
    const auto dump = [](const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
    run.captures = dump(report::shown_captures(result, redactor));
    auto instances = instances_;
    // Masked once, here: secrets captured after an instance ended are known by now.
    report::scrub_strings(instances, redactor);
    run.detail = dump({{"instances", std::move(instances)}, {"instances_omitted", omitted_}});
    return run;
}

}  // namespace gaia::serve
