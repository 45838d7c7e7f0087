// gaia version (also --version): one line; with --verbose, what a bug report needs — how
// this binary was built and the version of everything it runs on, as `curl -V` does.

#include "cli/commands.hpp"
#include "core/build_info.hpp"
#include "jobs/registry.hpp"

#include <algorithm>
#include <iostream>
#include <vector>

namespace gaia::cli {
namespace {

std::string build_line() {
    std::string line = std::string(build::build_type()) + ", " + build::compiler() + ", C++" +
                       std::to_string(__cplusplus / 100 % 100);
    if (!build::sanitizers().empty()) line += ", sanitizers: " + std::string(build::sanitizers());
    return line;
}

void print_verbose(std::ostream& out) {
    std::vector<build::Component> rows = {{"gaia", std::string(build::version())}, {"build", build_line()}};
    for (auto& library : build::core_libraries()) rows.push_back(std::move(library));
    for (const auto* kind : jobs::all_kinds()) {
        for (auto& component : kind->components()) rows.push_back(std::move(component));
    }
    std::size_t width = 0;
    for (const auto& row : rows) width = std::max(width, row.name.size());
    for (const auto& row : rows) out << row.name << ':' << std::string(width + 1 - row.name.size(), ' ') << row.version << '\n';
}

}  // namespace

std::string version_text() { return "gaia " + std::string(build::version()); }

void add_version_command(CLI::App& app, GlobalOptions& globals, Action& action) {
    // --verbose is the common option: `gaia version -v` and `gaia -v version` both ask for more.
    auto* cmd = app.add_subcommand("version",
                                   "Print gaia's version; with --verbose, how it was built and the versions of the "
                                   "libraries and the Chromium it runs on");
    cmd->callback([&action, &globals] {
        action = [&globals] {
            if (globals.verbose > 0) {
                print_verbose(std::cout);
            } else {
                std::cout << version_text() << '\n';
            }
            return int{kPassed};
        };
    });
}

}  // namespace gaia::cli
