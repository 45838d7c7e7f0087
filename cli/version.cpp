// gaia version (also --version).

#include "cli/commands.hpp"

#include <toml++/toml.h>
#include <uv.h>

#include <iostream>

namespace gaia::cli {

std::string version_text() {
    return std::string("gaia ") + GAIA_VERSION + " (libuv " + uv_version_string() + ", toml++ " +
           std::to_string(TOML_LIB_MAJOR) + "." + std::to_string(TOML_LIB_MINOR) + "." +
           std::to_string(TOML_LIB_PATCH) + ")";
}

void add_version_command(CLI::App& app, Action& action) {
    auto* cmd = app.add_subcommand("version", "Print gaia's version");
    cmd->callback([&action] {
        action = [] {
            std::cout << version_text() << '\n';
            return int{kPassed};
        };
    });
}

}  // namespace gaia::cli
