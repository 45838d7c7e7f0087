#include "jobs/registry.hpp"

namespace gaia::jobs {

// Every kind of this build, in the order gaia lists them (errors, /health, reports). A kind
// is its folder, jobs/NAME/, which defines gaia::jobs::NAME::kind(): adding one is adding
// its name here.
#define GAIA_JOB_KINDS(KIND) KIND(http) KIND(file) KIND(browser) KIND(process) KIND(tcp) KIND(dns)

#define GAIA_DECLARE_KIND(name) \
    namespace name {            \
    const run::JobKind& kind(); \
    }
GAIA_JOB_KINDS(GAIA_DECLARE_KIND)

std::vector<const run::JobKind*> all_kinds() {
#define GAIA_LIST_KIND(name) &name::kind(),
    static const std::vector<const run::JobKind*> kinds = {GAIA_JOB_KINDS(GAIA_LIST_KIND)};
    return kinds;
}

}  // namespace gaia::jobs
