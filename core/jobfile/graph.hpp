#pragma once
// The dependency graph of a job set (`needs`).

#include "core/jobfile/model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gaia::jobfile {

// needs as indices into set.jobs; names that do not resolve are left out.
std::vector<std::vector<std::size_t>> need_indices(const JobSet& set);

// Every cycle's jobs in order, the first one repeated at the end: ["a", "b", "a"].
std::vector<std::vector<std::size_t>> find_cycles(const std::vector<std::vector<std::size_t>>& needs);

// Jobs ordered so that each comes after all it needs; ties keep file order. Requires an
// acyclic graph.
std::vector<std::size_t> topological_order(const std::vector<std::vector<std::size_t>>& needs);

// Whether `target` is among the needs of `from`, directly or through them.
bool needs_transitively(const std::vector<std::vector<std::size_t>>& needs, std::size_t from, std::size_t target);

}  // namespace gaia::jobfile
