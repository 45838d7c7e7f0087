#include "jobs/registry.hpp"

#include "jobs/process/process_kind.hpp"

namespace gaia::jobs {

std::vector<const run::JobKind*> all_kinds() {
    static const process::ProcessKind process_kind;
    return {&process_kind};
}

const run::JobKind* find_kind(std::string_view name) {
    for (const auto* kind : all_kinds()) {
        if (kind->schema().kind == name) return kind;
    }
    return nullptr;
}

}  // namespace gaia::jobs
