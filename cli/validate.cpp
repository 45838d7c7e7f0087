// gaia validate FILE...: every problem in the job files, nothing run.

#include "cli/commands.hpp"
#include "cli/setup.hpp"

#include <cstdlib>
#include <iostream>

namespace gaia::cli {
namespace {

struct ValidateOptions {
    std::vector<std::string> files;
    bool require_env = false;  // an unset env.* is an error, as for gaia run
};

int validate(const GlobalOptions& globals, const ValidateOptions& options) {
    jobfile::Diagnostics diags;
    // Validation may run where the secrets are not set (a CI lint step): unset env.* is a
    // warning here, an error for `gaia run` — unless asked to check as run does.
    auto set = load_files(globals, options.files, options.require_env, diags);
    if (!set) {
        std::cerr << diags.error_count() << (diags.error_count() == 1 ? " error" : " errors") << " in "
                  << options.files.size() << (options.files.size() == 1 ? " file" : " files") << '\n';
        return kUsage;
    }
    if (!globals.quiet) {
        std::cout << set->files.size() << (set->files.size() == 1 ? " file" : " files") << " ok: " << set->jobs.size()
                  << (set->jobs.size() == 1 ? " job" : " jobs") << '\n';
        // The difference with `gaia run` made plain: what it will refuse here.
        std::string unset;
        for (const auto& name : set->secret_env) {
            if (std::getenv(name.c_str()) == nullptr) unset += (unset.empty() ? "" : ", ") + name;
        }
        if (!unset.empty()) {
            std::cout << "gaia run needs these environment variables, unset here: " << unset
                      << " (--require-env makes that an error)\n";
        }
    }
    return kPassed;
}

}  // namespace

void add_validate_command(CLI::App& app, GlobalOptions& globals, Action& action) {
    auto options = std::make_shared<ValidateOptions>();
    auto* cmd = app.add_subcommand("validate", "Check job files and print every problem; run nothing");
    cmd->add_option("files", options->files, "Job files (- for standard input)")->required();
    cmd->add_flag("--require-env", options->require_env, "An unset env.* variable is an error, as for gaia run");
    cmd->callback([&globals, &action, options] { action = [&globals, options] { return validate(globals, *options); }; });
}

}  // namespace gaia::cli
