#include "core/run/selection.hpp"

#include "core/jobfile/graph.hpp"

#include <algorithm>

namespace gaia::run {

std::vector<bool> select_jobs(const jobfile::JobSet& set, const std::vector<std::string>& only,
                              std::vector<std::string>* unknown) {
    std::vector<bool> selected(set.jobs.size(), only.empty());
    if (only.empty()) return selected;
    std::vector<std::size_t> todo;
    for (const auto& want : only) {
        bool matched = false;
        for (std::size_t i = 0; i < set.jobs.size(); ++i) {
            const auto& job = set.jobs[i];
            if (job.name == want || std::find(job.tags.begin(), job.tags.end(), want) != job.tags.end()) {
                matched = true;
                todo.push_back(i);
            }
        }
        if (!matched) unknown->push_back(want);
    }
    const auto needs = jobfile::need_indices(set);
    while (!todo.empty()) {
        auto i = todo.back();
        todo.pop_back();
        if (selected[i]) continue;
        selected[i] = true;
        for (auto n : needs[i]) todo.push_back(n);
    }
    return selected;
}

}  // namespace gaia::run
