#pragma once
// --shard: which slice of every fan-out this process runs, given as K/N (1-based), K%N
// (0-based, as engines count) or `auto`, read from the engine that started the process:
// a Slurm job array (SLURM_ARRAY_TASK_ID within SLURM_ARRAY_TASK_MIN..MAX, or with
// SLURM_ARRAY_TASK_COUNT, stepping by SLURM_ARRAY_TASK_STEP) or a Kubernetes Indexed Job
// (JOB_COMPLETION_INDEX, 0-based, with GAIA_SHARD_COUNT, which the Job's manifest sets to
// its `completions`: Kubernetes does not tell a pod how many there are).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace gaia::run {

struct Shard {
    std::uint64_t index = 1;  // K, 1-based
    std::uint64_t count = 1;  // N
    std::string from;         // where it came from, for messages: "--shard 2/4", "Slurm array task 7 (0-15)"

    std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// Reads an environment variable; null when it is not set.
using GetEnv = std::function<const char*(const char* name)>;

// The shard `spec` names, or nullopt with *error saying what is wrong (for `auto`: which
// variables were looked for, or which one is inconsistent).
std::optional<Shard> parse_shard(std::string_view spec, const GetEnv& getenv, std::string* error);

}  // namespace gaia::run
