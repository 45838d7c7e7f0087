#include "core/run/kinds.hpp"

#include <algorithm>

namespace gaia::run {

const JobKind* find_kind(const Kinds& kinds, std::string_view name) {
    for (const auto* kind : kinds) {
        if (kind->schema().kind == name) return kind;
    }
    return nullptr;
}

unsigned pool_threads(const Kinds& kinds, const jobfile::JobSet& set) {
    unsigned wanted = 0;
    for (const auto* kind : kinds) wanted = std::max(wanted, kind->pool_threads(set));
    return wanted;
}

JobKind::HelperMain find_helper(const Kinds& kinds, int argc, char** argv) {
    if (argc < 2) return nullptr;
    for (const auto* kind : kinds) {
        if (auto helper = kind->helper(argv[1])) return helper;
    }
    return nullptr;
}

}  // namespace gaia::run
