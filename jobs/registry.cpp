#include "jobs/registry.hpp"

#include "jobs/http/http_kind.hpp"
#include "jobs/process/launcher.hpp"
#include "jobs/process/process_kind.hpp"

#include <cstring>

namespace gaia::jobs {

std::vector<const run::JobKind*> all_kinds() {
    static const http::HttpKind http_kind;
    static const process::ProcessKind process_kind;
    return {&http_kind, &process_kind};
}

bool is_launcher_invocation(int argc, char** argv) {
    return argc > 1 && std::strcmp(argv[1], process::kLauncherCommand) == 0;
}

int launcher_main(int argc, char** argv) { return process::launcher_main(argc, argv); }

const run::JobKind* find_kind(std::string_view name) {
    for (const auto* kind : all_kinds()) {
        if (kind->schema().kind == name) return kind;
    }
    return nullptr;
}

}  // namespace gaia::jobs
