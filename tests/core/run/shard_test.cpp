// --shard K/N, K%N and auto, the last from the environment a Slurm job array or a
// Kubernetes Indexed Job gives each of its tasks.

#include "core/run/shard.hpp"

#include <doctest/doctest.h>

#include <map>

TEST_SUITE_BEGIN("unit");

using gaia::run::parse_shard;

namespace {

struct Env {
    std::map<std::string, std::string> vars;
    gaia::run::GetEnv get() const {
        return [this](const char* name) -> const char* {
            const auto it = vars.find(name);
            return it == vars.end() ? nullptr : it->second.c_str();
        };
    }
};

std::string shard_of(const std::string& spec, const Env& env = {}) {
    std::string error;
    const auto shard = parse_shard(spec, env.get(), &error);
    return shard ? shard->text() : "error: " + error;
}

}  // namespace

TEST_CASE("shard: K/N counts from 1, K%N from 0, and anything else says what it takes") {
    CHECK(shard_of("2/4") == "2/4");
    CHECK(shard_of("4/4") == "4/4");
    CHECK(shard_of("0%4") == "1/4");
    CHECK(shard_of("3%4") == "4/4");
    for (const char* bad : {"0/4", "5/4", "4%4", "1/0", "0%0", "3", "a/b", "1/2x", "-1/2", "", "1//2", "auto2"}) {
        CAPTURE(bad);
        CHECK(shard_of(bad).find("error: --shard takes K/N (1 <= K <= N, e.g. 2/4), K%N") == 0);
    }
}

TEST_CASE("shard: auto from a Slurm job array, whatever its first index and step") {
    CHECK(shard_of("auto", {{{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_MIN", "0"}, {"SLURM_ARRAY_TASK_MAX", "3"}}}) == "1/4");
    CHECK(shard_of("auto", {{{"SLURM_ARRAY_TASK_ID", "16"}, {"SLURM_ARRAY_TASK_MIN", "1"}, {"SLURM_ARRAY_TASK_MAX", "16"}}}) ==
          "16/16");
    // --array=0-15:4: tasks 0, 4, 8, 12.
    CHECK(shard_of("auto", {{{"SLURM_ARRAY_TASK_ID", "8"}, {"SLURM_ARRAY_TASK_MIN", "0"}, {"SLURM_ARRAY_TASK_MAX", "12"},
                             {"SLURM_ARRAY_TASK_STEP", "4"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}}) == "3/4");
    CHECK(shard_of("auto", {{{"SLURM_ARRAY_TASK_ID", "5"}, {"SLURM_ARRAY_TASK_MIN", "3"}, {"SLURM_ARRAY_TASK_COUNT", "3"}}}) ==
          "3/3");
    // A list (--array=1,3,9) is not one range.
    CHECK(shard_of("auto", {{{"SLURM_ARRAY_TASK_ID", "9"}, {"SLURM_ARRAY_TASK_MIN", "1"}, {"SLURM_ARRAY_TASK_MAX", "9"},
                             {"SLURM_ARRAY_TASK_COUNT", "3"}}})
              .find("error: --shard auto: Slurm array task 9 is not one of 3 tasks from 1 by 1") == 0);
    CHECK(shard_of("auto", {{{"SLURM_ARRAY_TASK_ID", "2"}}}).find("is this a job array (sbatch --array)?") !=
          std::string::npos);
}

TEST_CASE("shard: auto from a Kubernetes Indexed Job, and errors when the environment names none or two") {
    CHECK(shard_of("auto", {{{"JOB_COMPLETION_INDEX", "0"}, {"GAIA_SHARD_COUNT", "8"}}}) == "1/8");
    CHECK(shard_of("auto", {{{"JOB_COMPLETION_INDEX", "7"}, {"GAIA_SHARD_COUNT", "8"}}}) == "8/8");
    CHECK(shard_of("auto", {{{"JOB_COMPLETION_INDEX", "8"}, {"GAIA_SHARD_COUNT", "8"}}}).find("do not make a shard") !=
          std::string::npos);
    CHECK(shard_of("auto", {{{"JOB_COMPLETION_INDEX", "1"}}}).find("GAIA_SHARD_COUNT is not") != std::string::npos);
    CHECK(shard_of("auto").find("error: --shard auto: the environment names no shard: neither SLURM_ARRAY_TASK_ID") == 0);
    CHECK(shard_of("auto", {{{"JOB_COMPLETION_INDEX", "1"}, {"GAIA_SHARD_COUNT", "2"}, {"SLURM_ARRAY_TASK_ID", "1"}}})
              .find("both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX") != std::string::npos);
}

TEST_SUITE_END();
