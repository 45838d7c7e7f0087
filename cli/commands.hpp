#pragma once
// The subcommands, one file each. Each binds its options into a
// plain struct and sets `action`, which main.cpp runs after parsing; only main.cpp turns
// errors into messages and exit codes.

#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gaia::cli {

// Exit statuses (gaia(1), EXIT STATUS).
// kLocked is sysexits' EX_TEMPFAIL: another run holds the --lock, try again later.
enum ExitCode : int { kPassed = 0, kFailed = 1, kUsage = 2, kLocked = 75, kInterrupted = 130, kTerminated = 143 };

// Options every subcommand takes.
struct GlobalOptions {
    int verbose = 0;
    bool quiet = false;
    std::string log_format = "text";
    std::string color = "auto";
    std::vector<std::string> vars;  // NAME=VALUE
    std::vector<std::string> env_files;
};

// A problem with how gaia was called: exit status 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using Action = std::function<int()>;

void add_run_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_validate_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_plan_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_serve_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_top_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_report_command(CLI::App& app, GlobalOptions& globals, Action& action);
// `gaia report html`, a subcommand of `report` (cli/report_html.cpp).
void add_report_html_command(CLI::App& report, GlobalOptions& globals, Action& action);
void add_version_command(CLI::App& app, GlobalOptions& globals, Action& action);

std::string version_text();

}  // namespace gaia::cli
