#include "core/jobfile/model.hpp"

namespace gaia::jobfile {

std::size_t JobSet::index_of(std::string_view job_name) const {
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (jobs[i].name == job_name) return i;
    }
    return jobs.size();
}

const Job* JobSet::find(std::string_view job_name) const {
    auto i = index_of(job_name);
    return i < jobs.size() ? &jobs[i] : nullptr;
}

}  // namespace gaia::jobfile
