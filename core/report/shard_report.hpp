#pragma once
// One shard's JSON report as `gaia report merge` reads it: the run and its jobs parsed,
// the instance lines checked and located — where each job's lines lie in the file — but not
// held. A shard that lists a hundred thousand instances costs the merge a few numbers per
// job; the lines are copied from the file when the merged report is written.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::report {

// The lines one shard lists for one job.
struct ListedInstances {
    std::uint64_t count = 0;
    std::uint64_t first_index = 0, last_index = 0;  // ascending in between
    // Byte ranges of the file that hold them: each a run of whole elements with the commas
    // between them, so that copying a range copies valid JSON.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    // The failed instance with the lowest index, for the merged job's first error.
    std::optional<std::uint64_t> first_failed;
    std::string first_failed_error;
};

class ShardReport {
public:
    // nullopt with *error ("FILE: what", "FILE:LINE:COL: what") when the file is not a
    // complete JSON report of a sharded gaia run.
    static std::optional<ShardReport> read(const std::string& path, std::string* error);
    // The same from the report's text (`path` names it in messages); copy() and
    // for_each_listed() then have no file to read.
    static std::optional<ShardReport> from_text(const std::string& path, std::string_view text, std::string* error);

    const std::string& path() const noexcept { return path_; }
    std::uint64_t shard_index() const noexcept { return shard_index_; }
    std::uint64_t shard_count() const noexcept { return shard_count_; }
    std::string shard_text() const { return std::to_string(shard_index_) + "/" + std::to_string(shard_count_); }

    nlohmann::ordered_json& run() noexcept { return run_; }
    nlohmann::ordered_json& jobs() noexcept { return jobs_; }  // the "jobs" array, in the report's order
    nlohmann::ordered_json& subsystems() noexcept { return subsystems_; }
    // What it lists of jobs()[i].
    const ListedInstances& listed(std::size_t job) const { return listed_[job]; }

    // Hands the text of a byte range of the file to `out`, piece by piece; "" or the problem.
    std::string copy(std::pair<std::uint64_t, std::uint64_t> range, const std::function<void(std::string_view)>& out);
    // Each listed instance of jobs()[i], parsed (for the testcases of the JUnit report).
    std::string for_each_listed(std::size_t job, const std::function<void(const nlohmann::json&)>& fn);

private:
    std::string path_;
    std::ifstream file_;  // open from read() on: the ranges are of this file, even if it is renamed
    std::uint64_t shard_index_ = 0, shard_count_ = 0;
    nlohmann::ordered_json run_, jobs_, subsystems_;
    std::vector<ListedInstances> listed_;
};

}  // namespace gaia::report
