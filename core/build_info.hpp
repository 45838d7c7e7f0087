#pragma once
// What this gaia binary is: its version (from git when built from a checkout, see
// packaging/version.cmake) and how it was built. `gaia --version`, the gaia_build_info
// metric and /health all quote version(); `gaia version --verbose` prints the rest.

#include <string>
#include <string_view>
#include <vector>

namespace gaia::build {

// A library or program gaia runs on, for a bug report: its version, or why it is not here.
struct Component {
    std::string name;
    std::string version;
};

std::string_view version();
std::string_view build_type();  // the CMake build type: Release, Debug…
std::string compiler();         // "GCC 12.2.0", "Clang 14.0.6"
std::string_view sanitizers();  // "address, undefined", "thread", or empty

// The libraries core/ is built on, {name, version}: libuv and c-ares as loaded at run
// time, toml++ (a header library) as compiled in.
std::vector<Component> core_libraries();

}  // namespace gaia::build
