#include "core/build_info.hpp"

#include "gaia_version.hpp"  // generated at build time

#include <ares.h>
#include <toml++/toml.h>
#include <uv.h>

namespace gaia::build {

std::string_view version() { return GAIA_VERSION_TEXT; }

std::string_view build_type() { return GAIA_BUILD_TYPE; }

std::string compiler() {
#if defined(__clang__)
    return "Clang " + std::to_string(__clang_major__) + "." + std::to_string(__clang_minor__) + "." +
           std::to_string(__clang_patchlevel__);
#elif defined(__GNUC__)
    return "GCC " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
           std::to_string(__GNUC_PATCHLEVEL__);
#else
    return "unknown compiler";
#endif
}

std::string_view sanitizers() { return GAIA_SANITIZERS; }

std::vector<Component> core_libraries() {
    return {
        {"libuv", uv_version_string()},
        {"c-ares", ares_version(nullptr)},
        {"toml++", std::to_string(TOML_LIB_MAJOR) + "." + std::to_string(TOML_LIB_MINOR) + "." +
                       std::to_string(TOML_LIB_PATCH)},
    };
}

}  // namespace gaia::build
