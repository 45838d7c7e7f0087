#include "tests/support/deploy_tools.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

namespace gaia::test {

std::string deploy_tools_unavailable() {
    if (run_program({"sh", "-c", "command -v node npm"}).exit_code == 0) return {};
    return "node and npm are not installed (scripts/install-deps.sh installs them)";
}

std::string deploy_tool(const std::string& script) {
    namespace fs = std::filesystem;
    const fs::path source = fs::path(GAIA_SOURCE_DIR) / "tests/deploy";
    const fs::path dir = fs::path(GAIA_BUILD_DIR) / "tests/deploy-npm";
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(source)) {
        const auto name = entry.path().filename().string();
        if (name == "package.json" || name == "package-lock.json" || entry.path().extension() == ".mjs") {
            fs::copy_file(entry.path(), dir / name, fs::copy_options::overwrite_existing);
        }
    }
    const auto lock = read_file(source / "package-lock.json");
    if (!fs::exists(dir / "installed.lock") || read_file(dir / "installed.lock") != lock) {
        const auto npm = run_program({"npm", "ci", "--no-audit", "--no-fund", "--prefix", dir.string()});
        REQUIRE_MESSAGE(npm.exit_code == 0, npm.out, npm.err);
        std::ofstream(dir / "installed.lock") << lock;
    }
    return (dir / script).string();
}

}  // namespace gaia::test
