#pragma once
// `--only NAME|TAG`: the chosen jobs and, transitively, what they need.

#include "core/jobfile/model.hpp"

#include <string>
#include <vector>

namespace gaia::run {

// One flag per job. Names in `only` that match no job and no tag are put in *unknown.
std::vector<bool> select_jobs(const jobfile::JobSet& set, const std::vector<std::string>& only,
                              std::vector<std::string>* unknown);

}  // namespace gaia::run
