#include "core/jobfile/model.hpp"

namespace gaia::jobfile {

std::string_view to_string(SchedulePolicy::Overlap overlap) {
    switch (overlap) {
    case SchedulePolicy::Overlap::skip: return "skip";
    case SchedulePolicy::Overlap::queue: return "queue";
    case SchedulePolicy::Overlap::replace: return "replace";
    }
    return "skip";
}

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
