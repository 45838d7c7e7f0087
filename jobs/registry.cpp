#include "jobs/registry.hpp"

#include "jobs/browser/browser_kind.hpp"
#include "jobs/file/file_config.hpp"
#include "jobs/file/file_kind.hpp"
#include "jobs/http/http_kind.hpp"
#include "jobs/process/guard.hpp"
#include "jobs/process/launcher.hpp"
#include "jobs/process/process_kind.hpp"

#include <algorithm>
#include <cstring>

namespace gaia::jobs {

std::vector<const run::JobKind*> all_kinds() {
    static const http::HttpKind http_kind;
    static const file::FileKind file_kind;
    static const process::ProcessKind process_kind;
    static const browser::BrowserKind browser_kind;
    return {&http_kind, &file_kind, &browser_kind, &process_kind};
}

unsigned thread_pool_size(const jobfile::JobSet& set) {
    const bool file_jobs = std::any_of(set.jobs.begin(), set.jobs.end(), [](const jobfile::Job& j) { return j.kind == "file"; });
    if (!file_jobs) return 0;
    auto it = set.subsystems.find("file");
    const auto* config = it == set.subsystems.end() ? nullptr : dynamic_cast<const file::FileConfig*>(it->second.get());
    return config ? config->concurrency : file::FileConfig{}.concurrency;
}

bool is_helper_invocation(int argc, char** argv) {
    return argc > 1 &&
           (std::strcmp(argv[1], process::kLauncherCommand) == 0 || std::strcmp(argv[1], process::kGuardCommand) == 0);
}

int helper_main(int argc, char** argv) {
    if (std::strcmp(argv[1], process::kGuardCommand) == 0) return process::guard_main(argc, argv);
    return process::launcher_main(argc, argv);
}

const run::JobKind* find_kind(std::string_view name) {
    for (const auto* kind : all_kinds()) {
        if (kind->schema().kind == name) return kind;
    }
    return nullptr;
}

}  // namespace gaia::jobs
