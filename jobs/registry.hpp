#pragma once
// The only place that knows every job kind: the rest of gaia iterates over this list.

#include "core/run/task.hpp"

#include <vector>

namespace gaia::jobs {

// Every kind of this build, in the order gaia lists them.
std::vector<const run::JobKind*> all_kinds();

}  // namespace gaia::jobs
