#pragma once
// The dependency graph of a job set (`needs`).

#include "core/jobfile/model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gaia::jobfile {

// needs as indices into set.jobs; names that do not resolve are left out.
std::vector<std::vector<std::size_t>> need_indices(const JobSet& set);

// Jobs that need each other (a strongly connected component of more than one job), and
// one shortest cycle through the first of them, in `needs` order with the first job
// repeated at the end: a -> c -> b -> a when a needs c, c needs b and b needs a.
struct CycleGroup {
    std::vector<std::size_t> members;  // ascending
    std::vector<std::size_t> cycle;
};

// One group per set of jobs caught in cycles — not one per cycle, of which 500 jobs that
// all need each other have more than a hundred thousand. Linear in jobs and needs.
std::vector<CycleGroup> find_cycle_groups(const std::vector<std::vector<std::size_t>>& needs);

// Jobs ordered so that each comes after all it needs; ties keep file order. Requires an
// acyclic graph.
std::vector<std::size_t> topological_order(const std::vector<std::vector<std::size_t>>& needs);

// Whether `target` is among the needs of `from`, directly or through them.
bool needs_transitively(const std::vector<std::vector<std::size_t>>& needs, std::size_t from, std::size_t target);

}  // namespace gaia::jobfile
