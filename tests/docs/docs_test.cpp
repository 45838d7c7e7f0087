// Man pages and shell completions: they parse, and they cover what the binary offers.

#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

using namespace gaia::test;

namespace {

std::string source(const std::string& relative) { return std::string(GAIA_SOURCE_DIR) + "/" + relative; }

// The long options a subcommand's --help lists.
std::set<std::string> long_options(const std::vector<std::string>& help_args) {
    auto help = run_gaia(help_args);
    std::set<std::string> out;
    std::regex option(R"((--[a-z][a-z-]+))");
    for (auto it = std::sregex_iterator(help.out.begin(), help.out.end(), option); it != std::sregex_iterator(); ++it) {
        out.insert((*it)[1]);
    }
    out.erase("--help");
    return out;
}

// roff writes "-" as "\-" in option names.
std::string unroff(std::string text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '-') continue;
        out += text[i];
    }
    return out;
}

// Each command's --help and the man page that documents it (validate has no options of
// its own beyond the common ones).
const std::vector<std::pair<std::vector<std::string>, std::string>>& help_pages() {
    static const std::vector<std::pair<std::vector<std::string>, std::string>> pages = {
        {{"--help"}, "man/gaia.1"},
        {{"run", "--help"}, "man/gaia-run.1"},
        {{"validate", "--help"}, "man/gaia-validate.1"},
        {{"plan", "--help"}, "man/gaia-plan.1"},
        {{"serve", "--help"}, "man/gaia-serve.1"},
        {{"top", "--help"}, "man/gaia-top.1"},
        {{"report", "merge", "--help"}, "man/gaia-report.1"},
    };
    return pages;
}

// The text of a man page's entry for `option` (--name): from its `.TP` tag to the next
// entry or section, without roff's escapes, so that "\\fB/metrics\\fR" reads "/metrics".
std::string man_entry(const std::string& page_text, const std::string& option) {
    std::istringstream lines(page_text);
    std::string line, previous, entry;
    bool inside = false;
    while (std::getline(lines, line)) {
        if (inside && (line == ".TP" || line.rfind(".SH", 0) == 0)) break;
        if (previous == ".TP" && line.rfind(".B", 0) == 0) {
            // The whole option, not a prefix of a longer one (--report-json, not --report).
            const std::string tag = unroff(line) + " ";
            const auto at = tag.find(option);
            const char after = at == std::string::npos ? '-' : tag[at + option.size()];
            inside = after != '-' && !std::isalnum(static_cast<unsigned char>(after));
        }
        if (inside) entry += line + "\n";
        previous = line;
    }
    return std::regex_replace(unroff(entry), std::regex(R"(\\f[BIRP]|^\.[A-Z]+ ?|\\&)", std::regex::multiline), "");
}

}  // namespace

TEST_CASE("completion scripts parse in bash, zsh and fish") {
    CHECK(run_program({"bash", "-n", source("completions/gaia.bash")}).exit_code == 0);
    CHECK(run_program({"zsh", "-n", source("completions/_gaia")}).exit_code == 0);
    CHECK(run_program({"fish", "-n", source("completions/gaia.fish")}).exit_code == 0);
}

TEST_CASE("the bash completion offers the subcommands and the run options") {
    const std::string script = "source /usr/share/bash-completion/bash_completion; source " +
                               source("completions/gaia.bash") +
                               "; complete_line() { COMP_LINE=\"$1\"; COMP_POINT=${#1}; read -ra COMP_WORDS <<< \"$1\";"
                               " [[ \"$1\" == *' ' ]] && COMP_WORDS+=(''); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));"
                               " _gaia; echo \"${COMPREPLY[*]}\"; };"
                               " complete_line 'gaia '; complete_line 'gaia run --re'";
    auto out = run_program({"bash", "-c", script});
    INFO(out.err);
    CHECK(out.out.find("run validate plan serve top report version") != std::string::npos);
    CHECK(out.out.find("--report-json --report-instances --report-junit") != std::string::npos);
}

TEST_CASE("the fish completion offers the subcommands") {
    auto out = run_program({"fish", "-c", "source " + source("completions/gaia.fish") + "; complete -C 'gaia '"});
    for (const char* command : {"run", "validate", "plan", "serve", "top", "report", "version"}) CHECK(out.out.find(command) != std::string::npos);
}

TEST_CASE("every option of the binary is in its man page and its completions") {
    const auto bash = read_file(source("completions/gaia.bash"));
    const auto zsh = read_file(source("completions/_gaia"));
    const auto fish = read_file(source("completions/gaia.fish"));
    for (const auto& [args, page] : help_pages()) {
        const auto man = unroff(read_file(source(page))) + unroff(read_file(source("man/gaia.1")));
        const auto options = long_options(args);
        if (args.front() != "validate") CHECK(options.size() >= 1);  // the help was read at all
        for (const auto& option : options) {
            const std::string where = std::string(page) + " " + option;  // INFO cannot capture a structured binding
            INFO(where);
            CHECK(man.find(option) != std::string::npos);
            CHECK(bash.find(option) != std::string::npos);
            CHECK(zsh.find(option) != std::string::npos);
            CHECK(fish.find("-l " + option.substr(2)) != std::string::npos);
        }
    }
}

TEST_CASE("every option a man page describes is one its command takes") {
    // The other way round from the test above: a man page must not describe an option the
    // binary no longer has. Options are the `.TP` entries whose tag starts with \-\-.
    const auto global = long_options({"--help"});
    const std::regex tag(R"re(^\.B[IR]* \\-\\-([a-z][a-z\\-]*))re");
    std::size_t described = 0;
    for (const auto& [args, page] : help_pages()) {
        auto offered = long_options(args);
        offered.insert(global.begin(), global.end());
        offered.insert("--help");
        offered.insert("--version");
        const auto text = read_file(source(page));
        std::istringstream lines(text);
        std::string line, previous;
        while (std::getline(lines, line)) {
            std::smatch m;
            if (previous == ".TP" && std::regex_search(line, m, tag)) {
                ++described;
                const std::string option = "--" + unroff(m[1].str());
                const std::string where = page + " describes " + option;  // INFO cannot capture a structured binding
                INFO(where);
                CHECK(offered.count(option) == 1);
            }
            previous = line;
        }
    }
    CHECK(described >= 20);
}

TEST_CASE("what --help says of an option's values, the man page says too: choices, bounds, endpoints") {
    // The option names agree (above); this catches a man page that lags behind what the
    // option accepts or does: a new --progress mode, a new endpoint behind --listen.
    const std::regex option_line(R"re(^  (?:-[a-z],)?(--[a-z][a-z-]*)(.*)$)re");
    const std::regex choices(R"re(:\{([a-z,]+)\})re");
    const std::regex bounds(R"re( in \[([0-9]+) - ([0-9]+)\])re");
    const std::regex endpoint(R"re((/[a-z][a-z0-9/]*))re");
    std::size_t compared = 0;
    for (const auto& [args, page] : help_pages()) {
        const auto text = read_file(source(page));
        const auto common = read_file(source("man/gaia.1"));
        auto help = run_gaia(args).out;
        // CLI11 wraps a long description onto the next line: join it to its option.
        help = std::regex_replace(help, std::regex("\n {20,}"), " ");
        std::istringstream lines(help);
        for (std::string line; std::getline(lines, line);) {
            std::smatch m;
            // --help and --version have no entry of their own: gaia(1) shows them in its synopsis.
            if (!std::regex_match(line, m, option_line) || m[1] == "--help" || m[1] == "--version") continue;
            const std::string option = m[1], rest = m[2];
            std::string entry = man_entry(text, option);
            if (entry.empty()) entry = man_entry(common, option);
            const std::string where = page + " " + option;  // INFO cannot capture a structured binding
            INFO(where, "\nman entry: ", entry);
            REQUIRE(!entry.empty());
            ++compared;
            std::smatch values;
            if (std::regex_search(rest, values, choices)) {
                std::istringstream list(values[1].str());
                for (std::string choice; std::getline(list, choice, ',');) CHECK(entry.find(choice) != std::string::npos);
            }
            if (std::regex_search(rest, values, bounds)) {
                CHECK(entry.find(values[1].str()) != std::string::npos);
                CHECK(entry.find(values[2].str()) != std::string::npos);
            }
            for (auto it = std::sregex_iterator(rest.begin(), rest.end(), endpoint); it != std::sregex_iterator(); ++it) {
                CHECK(entry.find((*it)[1].str()) != std::string::npos);
            }
        }
    }
    CHECK(compared >= 20);
}

TEST_CASE("gaia --help and gaia(1) name the same commands") {
    auto help = run_gaia({"--help"}).out;
    std::set<std::string> offered;
    const std::regex command(R"re(^  ([a-z]+) {2,})re");
    std::istringstream lines(help.substr(help.find("Subcommands:")));
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_search(line, m, command)) offered.insert(m[1]);
    }
    std::set<std::string> described;
    const auto page = read_file(source("man/gaia.1"));
    const auto commands = page.substr(page.find(".SH COMMANDS"), page.find(".SH COMMON OPTIONS") - page.find(".SH COMMANDS"));
    const std::regex tag(R"re(\.TP\n\.B ([a-z]+)\n)re");
    for (auto it = std::sregex_iterator(commands.begin(), commands.end(), tag); it != std::sregex_iterator(); ++it) {
        described.insert((*it)[1]);
    }
    CHECK(offered.size() >= 6);
    CHECK(offered == described);
}

TEST_CASE("the man pages render without warnings") {
    std::size_t pages = 0;
    for (const auto& e : std::filesystem::directory_iterator(source("man"))) {
        ++pages;
        auto out = run_program({"sh", "-c", "MANWIDTH=80 man --warnings -l " + e.path().string() + " 2>&1 >/dev/null"});
        INFO(e.path().string(), out.out);
        CHECK(out.exit_code == 0);
        CHECK(out.out.empty());
    }
    CHECK(pages >= 8);
}

TEST_CASE("every example job file is valid") {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(source("examples"))) {
        if (e.path().extension() != ".toml") continue;
        ++n;
        auto out = run_gaia({"validate", e.path().string()}, "", {"API_PASSWORD=example"});
        INFO(e.path().string(), out.err);
        CHECK(out.exit_code == 0);
        CHECK(out.err.find("error:") == std::string::npos);
    }
    CHECK(n >= 5);
}

TEST_CASE("every test case name reaches ctest whole and once") {
    // ctest splits a name at `;` and then runs a filter that matches nothing, which passes:
    // such a test would never run. Two cases of one name would run as one.
    std::regex test_case(R"re(TEST_CASE(?:_TEMPLATE)?\("([^"]*)")re");
    std::set<std::string> names;
    std::size_t files = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(source("tests"))) {
        if (e.path().extension() != ".cpp") continue;
        ++files;
        const auto text = read_file(e.path());
        for (auto it = std::sregex_iterator(text.begin(), text.end(), test_case); it != std::sregex_iterator(); ++it) {
            const std::string name = (*it)[1];
            INFO(e.path().string(), ": ", name);
            CHECK(name.find(';') == std::string::npos);
            CHECK(names.insert(name).second);
        }
    }
    CHECK(files > 20);
    CHECK(names.size() > 200);
}

TEST_CASE("the repository explains itself: no reference to a document outside it") {
    // Readers of the tree have only the tree: comments, man pages and scripts point at files
    // in it (docs/architecture.md, the man pages), never at planning notes kept elsewhere.
    // (Each pattern is bracketed so that this file does not match itself.)
    const std::regex outside(R"re(SPE[C] (§|\\\(sc)|DESIG[N](\.md| convention)|\.\./share[d]/|\b[Ii]ssues? #?[0-9]+|\b[Tt]he [i]ssue\b)re");
    const std::set<std::string> skipped_dirs = {"corpus", "regressions", "__pycache__"};
    std::size_t files = 0;
    auto scan = [&](const std::filesystem::path& path) {
        if (std::filesystem::file_size(path) > (1u << 20)) return;
        ++files;
        const auto text = read_file(path);
        std::smatch m;
        if (std::regex_search(text, m, outside)) {
            const auto line = std::count(text.begin(), text.begin() + m.position(0), '\n') + 1;
            FAIL_CHECK(path.string() << ":" << line << ": `" << m.str(0) << "` points outside the repository");
        }
    };
    for (const char* top : {"README.md", "CMakeLists.txt", ".ci/run"}) {
        if (std::filesystem::exists(source(top))) scan(source(top));
    }
    for (const char* dir : {"cli", "core", "jobs", "tests", "bench", "scripts", "man", "completions", "configs", "deploy",
                            "examples", "docs"}) {
        auto it = std::filesystem::recursive_directory_iterator(source(dir));
        for (; it != std::filesystem::recursive_directory_iterator(); ++it) {
            if (it->is_directory() && skipped_dirs.count(it->path().filename().string())) {
                it.disable_recursion_pending();
                continue;
            }
            if (it->is_regular_file()) scan(it->path());
        }
    }
    CHECK(files > 300);
}
