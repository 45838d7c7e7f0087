// gaia's entry point: the one place where errors become messages and exit codes.

#include "cli/commands.hpp"
#include "cli/setup.hpp"
#include "cli/usage_hints.hpp"
#include "core/loop/uv_error.hpp"
#include "core/run/kinds.hpp"
#include "jobs/registry.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

int main(int argc, char** argv) {
    using namespace gaia::cli;
    if (auto helper = gaia::run::find_helper(gaia::jobs::all_kinds(), argc, argv)) return helper(argc, argv);
    // A child that closes its stdin early must not kill gaia with SIGPIPE: the write
    // fails with EPIPE and is handled where it happens.
    std::signal(SIGPIPE, SIG_IGN);
    // Likewise a file operation past a file-size limit (RLIMIT_FSIZE): the write fails
    // with EFBIG and that operation fails; gaia goes on. (uv_spawn resets both for children.)
    std::signal(SIGXFSZ, SIG_IGN);
    // Descriptors 0-2 must be taken: a pipe that became fd 1 would be handed to a child
    // as "its stdout" by accident.
    for (int fd = 0; fd < 3; ++fd) {
        if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    }

    CLI::App app{"gaia — run the jobs of TOML job files, concurrently, under shared limits", "gaia"};
    app.set_version_flag("--version", version_text());
    app.require_subcommand(1);
    app.fallthrough();  // common options may come before or after the subcommand

    GlobalOptions globals;
    app.add_flag("-v,--verbose", globals.verbose, "More log output (repeat for more)");
    app.add_flag("-q,--quiet", globals.quiet, "Only warnings and errors; no summary");
    app.add_option("--log-format", globals.log_format, "Log lines as text or json")
        ->check(CLI::IsMember({"text", "json"}));
    app.add_option("--color", globals.color, "Colour: auto, always, never (NO_COLOR is honoured)")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    app.add_option("--var", globals.vars, "Set or override a [vars] entry: NAME=VALUE (repeatable)")->allow_extra_args(false);
    app.add_option("--env-file", globals.env_files,
                   "Read KEY=VALUE lines into the environment (unset variables only); the values are secrets (repeatable)")
        ->allow_extra_args(false);

    Action action;
    add_run_command(app, globals, action);
    add_validate_command(app, globals, action);
    add_plan_command(app, globals, action);
    add_serve_command(app, globals, action);
    add_top_command(app, globals, action);
    add_report_command(app, globals, action);
    add_version_command(app, globals, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (auto message = explain_parse_error(app, e, argc, argv)) {
            std::cerr << *message << '\n';
            return kUsage;
        }
        const int code = app.exit(e);
        return code == 0 ? kPassed : kUsage;
    }
    try {
        setup_logging(globals);
        return action ? action() : kUsage;
    } catch (const UsageError& e) {
        spdlog::error("{}", e.what());
        return kUsage;
    } catch (const gaia::loop::UvError& e) {
        spdlog::critical("{}", e.what());
        return kFailed;
    } catch (const std::exception& e) {
        spdlog::critical("internal error: {}", e.what());
        return kFailed;
    }
}
