#pragma once
// What gaia asks of the registered kinds together (jobs/registry.hpp lists them).

#include "core/run/task.hpp"

#include <string_view>
#include <vector>

namespace gaia::run {

using Kinds = std::vector<const JobKind*>;

// The kind registered under this name, or null.
const JobKind* find_kind(const Kinds& kinds, std::string_view name);

// The threads libuv's pool should have for this job set: the most any kind asks for, or 0
// when libuv's default will do.
unsigned pool_threads(const Kinds& kinds, const jobfile::JobSet& set);

// The helper that `gaia HELPER …` names (argv[1]), or null when it is an ordinary command
// line. main() asks this before anything else.
JobKind::HelperMain find_helper(const Kinds& kinds, int argc, char** argv);

}  // namespace gaia::run
