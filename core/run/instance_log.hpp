#pragma once
// What each instance of a job ended with, for the reports (gaia-run(1), --report-instances).
// A fan-out of a million instances is the case this is shaped for: a record is 32 bytes,
// and an error that many instances share ("connection refused") is stored once. Which
// records are kept is the run's choice: every instance, or only those that did not pass.

#include "core/run/task_status.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gaia::run {

enum class InstanceScope : std::uint8_t {
    failed,  // every instance that did not pass (failed or cancelled)
    all,     // every instance
};

// What an instance's number means: a process's exit status or an HTTP response's status.
enum class CodeKind : std::uint8_t { none, exit_code, http_status };

// An instance's end, as the scheduler tells its observers (reports, the joblog, health).
struct InstanceEnd {
    std::uint64_t index = 0;
    std::uint64_t seq = 0;          // 1-based, in the order instances were launched in the run
    TaskStatus status = TaskStatus::failed;
    std::uint32_t attempts = 0;
    double started_s = 0;           // its first attempt's start, seconds since the run started
    double seconds = 0;             // its last attempt's duration
    CodeKind code_kind = CodeKind::none;
    std::int32_t code = 0;
    int signal = 0;                 // the signal that ended its process, or 0
    bool killed = false;            // gaia ended it (timeout, cancel), not the program itself
    std::uint64_t bytes = 0;
    std::string_view error;         // empty when it passed
    const nlohmann::json* item = nullptr;  // its {{ item }}, if the job has items
    std::string_view stdout_tail, stderr_tail;  // TaskOutcome's, when it did not pass
    const std::vector<std::string>* artifacts = nullptr;  // written by its attempts (run::Artifact)
};

struct InstanceRecord {
    std::uint64_t index = 0;
    float started_s = 0;
    float seconds = 0;
    std::uint32_t attempts = 0;
    std::uint32_t error = 0;  // 1-based into the log's distinct errors; 0: none
    std::int32_t code = 0;
    std::uint8_t signal = 0;
    CodeKind code_kind = CodeKind::none;
    TaskStatus status = TaskStatus::failed;
    bool killed = false;
};
static_assert(sizeof(InstanceRecord) == 32, "the per-instance cost is promised in gaia-run(1)");

class InstanceLog {
public:
    // An error longer than this is cut (with a mark): the log's size stays a matter of how
    // many instances there were, not of what a peer chose to send back.
    static constexpr std::size_t kMaxErrorBytes = 1024;

    void record(const InstanceEnd& end);
    // Sorts the records by index (they arrive in the order instances finish).
    void sort();

    const std::deque<InstanceRecord>& records() const noexcept { return records_; }
    std::string_view error(const InstanceRecord& r) const noexcept;
    // The artifacts its attempts left, or null: few instances have any, so they are kept
    // beside the records, not in them.
    const std::vector<std::string>* artifacts(std::uint64_t index) const noexcept;
    std::size_t distinct_errors() const noexcept { return errors_.size(); }
    // Bytes held, for the closing arithmetic of a large fan-out.
    std::size_t bytes_used() const noexcept;

private:
    std::uint32_t intern(std::string_view error);

    // A deque, not a vector: a million records grow without a doubling's spare half or a
    // moment holding old and new copies.
    std::deque<InstanceRecord> records_;
    std::unordered_map<std::string, std::uint32_t> error_ids_;
    std::vector<const std::string*> errors_;  // keys of error_ids_: node-based, so they stay put
    std::size_t error_bytes_ = 0;
    std::unordered_map<std::uint64_t, std::vector<std::string>> artifacts_;
};

// The span of a fan-out that never launched because the run stopped (or a service it
// needed went away): listed in the reports with this status and reason, never stored one
// by one.
struct NotLaunched {
    std::uint64_t from = 0, to = 0;       // [from, to)
    std::vector<std::uint64_t> indices;  // instead, when only some were to run (--resume-failed)
    TaskStatus status = TaskStatus::cancelled;
    std::string reason;
};

}  // namespace gaia::run
