// `cmake --install` of this build into a DESTDIR: every file lands where the tool that
// reads it looks, each one works from there, and nothing else is installed.

#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>

using namespace gaia::test;
namespace fs = std::filesystem;

namespace {

std::string source(const std::string& relative) { return std::string(GAIA_SOURCE_DIR) + "/" + relative; }

// Installs this build under `destdir` with `prefix`; returns the files installed, relative
// to destdir.
std::set<std::string> install(const fs::path& destdir, const std::string& prefix) {
    auto out = run_program({"cmake", "--install", GAIA_BUILD_DIR, "--prefix", prefix}, "",
                           {"DESTDIR=" + destdir.string()});
    INFO(out.out, out.err);
    REQUIRE(out.exit_code == 0);
    std::set<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(destdir)) {
        if (!e.is_directory()) files.insert(fs::relative(e.path(), destdir).string());
    }
    return files;
}

// What the source tree says should be installed under prefix `p` (no leading slash).
std::set<std::string> expected_files(const std::string& p, const std::string& zsh_dir) {
    std::set<std::string> want = {
        p + "/bin/gaia",
        p + "/share/bash-completion/completions/gaia",
        p + "/share/fish/vendor_completions.d/gaia.fish",
        p + "/share/zsh/" + zsh_dir + "/_gaia",
        p + "/lib/systemd/system/gaia.service",
        p + "/share/gaia/prometheus.yml",
        p + "/share/gaia/alerts.yml",
        p + "/share/gaia/tests/alerts_test.yml",
        p + "/share/gaia/slurm/gaia-array.sbatch",
        p + "/share/gaia/slurm/README.md",
        p + "/share/doc/gaia/README.md",
        p + "/share/doc/gaia/copyright",
        p + "/share/doc/gaia/changelog.gz",
    };
    for (const auto& e : fs::directory_iterator(source("man"))) {
        const auto name = e.path().filename().string();
        want.insert(p + "/share/man/man" + name.substr(name.size() - 1) + "/" + name + ".gz");
    }
    for (const auto& e : fs::directory_iterator(source("configs/grafana_dashboards"))) {
        if (e.path().extension() != ".py") want.insert(p + "/share/gaia/grafana_dashboards/" + e.path().filename().string());
    }
    for (const auto& e : fs::recursive_directory_iterator(source("examples"))) {
        if (e.is_regular_file()) want.insert(p + "/share/doc/gaia/examples/" + fs::relative(e.path(), source("examples")).string());
    }
    for (const auto& e : fs::directory_iterator(source("docs/images"))) {
        want.insert(p + "/share/doc/gaia/docs/images/" + e.path().filename().string());
    }
    return want;
}

}  // namespace

TEST_CASE("cmake --install puts every file where its reader looks, and nothing else") {
    TempDir dir;
    const auto root = dir.path() / "root";
    const auto files = install(root, "/usr");
    CHECK(files == expected_files("usr", "vendor-completions"));
    const auto usr = root / "usr";

    // The binary runs from there.
    auto version = run_program({(usr / "bin/gaia").string(), "--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out.rfind("gaia ", 0) == 0);

    // Each manual page renders from its section directory, compressed.
    for (const auto& e : fs::recursive_directory_iterator(usr / "share/man")) {
        if (!e.is_regular_file()) continue;
        auto out = run_program({"sh", "-c", "MANWIDTH=80 man --warnings -l '" + e.path().string() + "' 2>&1 >/dev/null"});
        INFO(e.path().string(), out.out);
        CHECK(out.exit_code == 0);
        CHECK(out.out.empty());
    }

    // Completions: the installed bash one completes a subcommand; zsh and fish read the
    // directories they were installed in.
    const std::string bash = "source /usr/share/bash-completion/bash_completion; source '" +
                             (usr / "share/bash-completion/completions/gaia").string() +
                             "'; COMP_WORDS=(gaia ru); COMP_CWORD=1; COMP_LINE='gaia ru'; COMP_POINT=7; _gaia;"
                             " echo \"${COMPREPLY[*]}\"";
    CHECK(run_program({"bash", "-c", bash}).out == "run\n");
    CHECK(run_program({"zsh", "-fc", "print -l $fpath"}).out.find("/usr/share/zsh/vendor-completions\n") !=
          std::string::npos);
    CHECK(run_program({"zsh", "-n", (usr / "share/zsh/vendor-completions/_gaia").string()}).exit_code == 0);
    CHECK(run_program({"fish", "-c", "string join \\n $fish_complete_path"}).out.find(
              "/usr/share/fish/vendor_completions.d\n") != std::string::npos);
    CHECK(run_program({"fish", "-n", (usr / "share/fish/vendor_completions.d/gaia.fish").string()}).exit_code == 0);

    // The unit starts the installed binary and passes systemd's own check.
    const auto unit = usr / "lib/systemd/system/gaia.service";
    CHECK(read_file(unit).find("exec /usr/bin/gaia serve ") != std::string::npos);
    CHECK(read_file(unit).find("@GAIA_") == std::string::npos);  // every @VARIABLE@ was filled in
    auto verify = run_program({"systemd-analyze", "verify", "--man=no", unit.string()});
    INFO(verify.err);
    CHECK(verify.exit_code == 0);

    // The monitoring kit works where it is: the configuration finds its rules, the rules
    // pass their tests.
    auto config = run_program({"promtool", "check", "config", (usr / "share/gaia/prometheus.yml").string()});
    INFO(config.out, config.err);
    CHECK(config.exit_code == 0);
    auto rules = run_program({"sh", "-c", "cd '" + (usr / "share/gaia/tests").string() + "' && promtool test rules alerts_test.yml"});
    INFO(rules.out, rules.err);
    CHECK(rules.exit_code == 0);

    // The Slurm script is a program that parses.
    const auto sbatch = usr / "share/gaia/slurm/gaia-array.sbatch";
    CHECK((fs::status(sbatch).permissions() & fs::perms::owner_exec) != fs::perms::none);
    CHECK(run_program({"bash", "-n", sbatch.string()}).exit_code == 0);

    // The installed examples are valid job files.
    auto quickstart = run_program({(usr / "bin/gaia").string(), "validate", (usr / "share/doc/gaia/examples/quickstart.toml").string()});
    CHECK(quickstart.exit_code == 0);
}

TEST_CASE("cmake --install under /usr/local puts the zsh completion in site-functions, which zsh reads there") {
    TempDir dir;
    const auto files = install(dir.path(), "/usr/local");
    CHECK(files == expected_files("usr/local", "site-functions"));
    CHECK(run_program({"zsh", "-fc", "print -l $fpath"}).out.find("/usr/local/share/zsh/site-functions\n") !=
          std::string::npos);
    CHECK(read_file(dir.path() / "usr/local/lib/systemd/system/gaia.service").find("exec /usr/local/bin/gaia serve ") !=
          std::string::npos);
}
