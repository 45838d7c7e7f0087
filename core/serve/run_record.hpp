#pragma once
// What gaia serve keeps of one run for its history: the summary of the job the run was for,
// and, for every instance that did not pass (of that job or of one it needed), what it ended
// with and the tail of its output. Output is bounded per run (kOutputBudget), instances too
// (kMaxInstances): a fan-out of a million failures costs the database no more than a few.

#include "core/run/instance_log.hpp"
#include "core/run/results.hpp"
#include "core/serve/state_store.hpp"
#include "core/text/redactor.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace gaia::serve {

class RunRecord {
public:
    static constexpr std::size_t kOutputBudget = 64 * 1024;
    static constexpr std::size_t kMaxInstances = 100;

    // An instance ended (Scheduler::on_instance_finished); kept if it did not pass, as it
    // is: finish() masks the secrets.
    void add_instance(const jobfile::Job& job, const run::InstanceEnd& end);

    struct Facts {
        std::string id, job, trigger;
        std::chrono::system_clock::time_point started;
        double duration_s = 0;
    };
    // The run as stored; secrets masked.
    StoredRun finish(const Facts& facts, const run::JobResult& result, const text::Redactor& redactor) const;

private:
    nlohmann::json instances_ = nlohmann::json::array();
    std::uint64_t omitted_ = 0;  // did not pass, not listed (over kMaxInstances)
    std::size_t output_bytes_ = 0;
};

}  // namespace gaia::serve
