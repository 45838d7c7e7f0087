#pragma once
// The only place that knows every job kind.

#include "core/run/task.hpp"

#include <string_view>
#include <vector>

namespace gaia::jobs {

// The kind registered under this name, or null.
const run::JobKind* find_kind(std::string_view name);
// Every registered kind.
std::vector<const run::JobKind*> all_kinds();

// The threads libuv's pool should have for this job set: one per file operation that may
// be in flight ([file].concurrency), or 0 when libuv's default will do (no file jobs).
unsigned thread_pool_size(const jobfile::JobSet& set);

// gaia re-executes itself as two small helpers: the launcher of processes with resource
// limits (jobs/process/launcher.hpp) and the guard that stops a killed gaia's processes
// (jobs/process/guard.hpp). main() hands such an invocation here, before anything else.
bool is_helper_invocation(int argc, char** argv);
int helper_main(int argc, char** argv);

}  // namespace gaia::jobs
