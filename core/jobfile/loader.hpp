#pragma once
// Reading job files: TOML parsing, includes, merging several files, and every check that
// can be made before anything runs. All problems are collected, not only the first.

#include "core/jobfile/diagnostics.hpp"
#include "core/jobfile/kind_compiler.hpp"
#include "core/jobfile/model.hpp"

#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gaia::jobfile {

struct LoadOptions {
    std::vector<std::string> files;  // "-" reads standard input
    std::vector<std::pair<std::string, std::string>> vars;  // --var NAME=VALUE, in order
    std::vector<std::string> env_files;  // --env-file: read before anything reads env.*
    // `gaia run` needs every env.* it references; `gaia validate` only warns.
    bool require_env = true;
    std::vector<const KindCompiler*> kinds;  // every kind of this build, in the order they list

    std::istream* standard_input = nullptr;  // defaults to std::cin
    // Job-file text made by gaia itself (--heartbeat's job), read after the files: {name, text}.
    std::vector<std::pair<std::string, std::string>> generated;
};

// Returns the job set, or null when diags has errors.
std::unique_ptr<JobSet> load_job_files(const LoadOptions& options, Diagnostics& diags);

// Job-file size we refuse to read: far beyond any hand-written file, and bounded so that
// a wrong path (a disk image, /dev/zero) fails fast instead of eating memory.
inline constexpr std::size_t kMaxJobFileBytes = 256u << 20;

}  // namespace gaia::jobfile
