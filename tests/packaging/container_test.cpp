// deploy/container: the image cannot be built here (no registry serves its base image), so
// what can be checked is: the Containerfile passes a Dockerfile linter, and its install
// steps (deploy/container/install.sh) run in a Debian 12 root made by debootstrap — the
// contents of debian:bookworm-slim — install gaia and Chromium, and leave a system where the
// image's user runs gaia, a browser job with Chromium's sandbox, and the image's own
// command, which the HEALTHCHECK finds alive.

#include "tests/support/deploy_tools.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>

using namespace gaia::test;
namespace fs = std::filesystem;

namespace {

const fs::path kContainer = fs::path(GAIA_SOURCE_DIR) / "deploy/container";

// The argument of the Containerfile's instruction (its continuation lines joined).
std::string instruction(const std::string& name) {
    const auto text = std::regex_replace(read_file(kContainer / "Containerfile"), std::regex("\\\\\n\\s*"), "");
    std::smatch m;
    REQUIRE_MESSAGE(std::regex_search(text, m, std::regex("(^|\n)" + name + " ([^\n]*)")), name);
    return m[2].str();
}

// A file system mounted inside the root while it lives (proc, a tmpfs for /dev/shm).
class Mount {
public:
    Mount(const char* source, const fs::path& target, const char* type, unsigned long flags, const char* data)
        : target_(target) {
        mounted_ = ::mount(source, target.c_str(), type, flags, data) == 0;
    }
    ~Mount() {
        if (mounted_) ::umount2(target_.c_str(), MNT_DETACH);
    }
    Mount(const Mount&) = delete;
    Mount& operator=(const Mount&) = delete;
    bool ok() const noexcept { return mounted_; }

private:
    fs::path target_;
    bool mounted_ = false;
};

// A command in the root, as root or as the image's user, with a clean environment.
std::vector<std::string> in_root(const fs::path& root, std::vector<std::string> argv, bool as_gaia = true) {
    std::vector<std::string> out = {"chroot"};
    if (as_gaia) out.push_back("--userspec=10001:10001");
    out.insert(out.end(), {root.string(), "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
                           std::string("HOME=") + (as_gaia ? "/var/lib/gaia" : "/root"), "STATE_DIRECTORY=/var/lib/gaia"});
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

}  // namespace

TEST_CASE("the Containerfile passes a Dockerfile linter and says what the image promises") {
    CHECK(instruction("FROM") == "debian:bookworm-slim");
    CHECK(instruction("USER") == "gaia:gaia");
    CHECK(instruction("HEALTHCHECK").find("http://127.0.0.1:9190/liveness") != std::string::npos);
    CHECK(instruction("RUN").find("/tmp/install.sh") != std::string::npos);
    if (const auto why = deploy_tools_unavailable(); !why.empty()) {
        report_skipped(why);
        return;
    }
    const auto lint = run_program({"node", deploy_tool("lint_containerfile.mjs"), (kContainer / "Containerfile").string()});
    INFO(lint.out, lint.err);
    CHECK(lint.exit_code == 0);

    // The linter does find what is wrong.
    TempDir dir;
    const auto broken = dir.file("Containerfile", "FROM debian:bookworm-slim\nHEALTHCHECK --every=5s CMD true\nUSER\n");
    const auto refused = run_program({"node", deploy_tool("lint_containerfile.mjs"), broken});
    CHECK(refused.exit_code == 1);
    CHECK(refused.out.find(broken + ":2: Unknown flag: every") != std::string::npos);
    CHECK(refused.out.find(broken + ":3: Instruction has no arguments") != std::string::npos);
}

// In the suite "slow" (900 s, tests/discover.cmake): debootstrap and Chromium's install take
// minutes on a loaded machine.
TEST_CASE("the image's install steps, run in a debootstrap root, give a system where gaia, Chromium and the HEALTHCHECK work" *
          doctest::test_suite("slow")) {
#ifdef GAIA_SANITIZED
    // What this checks is the install steps and the package, which the plain build checks
    // as well; a sanitized gaia in the root would add minutes and nothing else.
    report_skipped("the install steps are checked by the plain build");
    return;
#endif
    if (::geteuid() != 0) {
        report_skipped("debootstrap and chroot need root");
        return;
    }
    if (run_program({"sh", "-c", "command -v debootstrap cpack"}).exit_code != 0) {
        report_skipped("debootstrap is not installed (scripts/install-deps.sh installs it)");
        return;
    }
    TempDir dir;
    const auto pack = run_program({"cpack", "-G", "DEB", "-B", (dir.path() / "deb").string(), "--config",
                                   std::string(GAIA_BUILD_DIR) + "/CPackConfig.cmake"});
    REQUIRE_MESSAGE(pack.exit_code == 0, pack.out, pack.err);
    fs::path deb;
    for (const auto& e : fs::directory_iterator(dir.path() / "deb")) {
        if (e.path().extension() == ".deb") deb = e.path();
    }
    REQUIRE(!deb.empty());

    // minbase: Essential and apt, as debian:bookworm-slim is made.
    const auto root = dir.path() / "root";
    const char* mirror = std::getenv("DEBIAN_MIRROR");
    const auto strap = run_program({"debootstrap", "--variant=minbase", "bookworm", root.string(),
                                    mirror ? mirror : "http://deb.debian.org/debian"});
    REQUIRE_MESSAGE(strap.exit_code == 0, strap.out.substr(strap.out.size() > 3000 ? strap.out.size() - 3000 : 0), strap.err);
    // The root's own /dev (debootstrap makes its device nodes): the host's is never bound in,
    // where a package's scripts could replace its nodes.
    fs::copy_file("/etc/resolv.conf", root / "etc/resolv.conf", fs::copy_options::overwrite_existing);
    fs::copy_file(deb, root / "tmp" / deb.filename());
    fs::copy_file(kContainer / "install.sh", root / "tmp/install.sh");
    const Mount proc("proc", root / "proc", "proc", 0, nullptr);
    REQUIRE(proc.ok());
    // The shared memory Chromium wants, as a container runtime mounts it.
    const Mount shm("tmpfs", root / "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    REQUIRE(shm.ok());

    const auto install = run_program(in_root(root, {"sh", "/tmp/install.sh", "/tmp/" + deb.filename().string()}, false));
    INFO(install.out, install.err);
    REQUIRE(install.exit_code == 0);
    CHECK(run_program(in_root(root, {"id", "-u", "gaia"}, false)).out == "10001\n");

    // As the image's user: gaia, and a browser job in Chromium's sandbox.
    const auto version = run_program(in_root(root, {"gaia", "--version"}));
    CHECK(version.exit_code == 0);
    CHECK(version.out.rfind("gaia ", 0) == 0);
    std::ofstream(root / "tmp/page.toml") << "[jobs.page]\nkind = \"browser\"\n"
                                             "url = \"data:text/html,<p%20id=x>in%20the%20image</p>\"\n"
                                             "timeout = \"60s\"\nsteps = [{ extract = \"#x\", as = \"text\" }]\n";
    fs::permissions(root / "tmp/page.toml", fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    const auto page = run_program(in_root(root, {"gaia", "-q", "run", "--report-json", "/var/lib/gaia/page.json", "/tmp/page.toml"}));
    INFO(page.out, page.err);
    CHECK(page.exit_code == 0);
    CHECK(nlohmann::json::parse(read_file(root / "var/lib/gaia/page.json"))["jobs"][0]["captures"]["text"] == "in the image");

    // The image's command (ENTRYPOINT + CMD), on a loopback port of this machine instead of
    // every address's 9190, with a job file where the image expects one.
    std::ofstream(root / "etc/gaia/jobs/serve.toml") << "[jobs.tick]\nkind = \"process\"\ncommand = [\"true\"]\n"
                                                         "schedule = \"@every 1s\"\n";
    const auto port = std::to_string(free_port());
    std::vector<std::string> command = nlohmann::json::parse(instruction("ENTRYPOINT")).get<std::vector<std::string>>();
    for (auto arg : nlohmann::json::parse(instruction("CMD")).get<std::vector<std::string>>()) {
        command.push_back(arg == "0.0.0.0:9190" ? "127.0.0.1:" + port : arg);
    }
    // The HEALTHCHECK's command, run in the root as the image's user.
    const auto probe = std::regex_replace(instruction("HEALTHCHECK"), std::regex("^.*CMD "), "");
    const auto health = in_root(root, {"sh", "-c", std::regex_replace(probe, std::regex(":9190/"), ":" + port + "/")});
    CHECK(run_program(health).exit_code == 1);  // nothing serves yet: unhealthy
    BackgroundProcess serve(in_root(root, command), dir.path(), "serve");
    CHECK_MESSAGE(eventually([&] { return run_program(health).exit_code == 0; }, 30), serve.err());
    serve.signal(SIGTERM);
    CHECK(serve.wait(30) == 0);
    CHECK(run_program(health).exit_code == 1);
    CHECK(fs::exists(root / "var/lib/gaia/state.db"));  // STATE_DIRECTORY, as the image sets it
}
