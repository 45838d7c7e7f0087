// The layers of docs/architecture.md, read from the #include lines: cli → jobs → core,
// a kind never includes another, and core's folders include each other without a cycle,
// so each can be understood (and tested) with only the folders below it.

#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::test;
namespace fs = std::filesystem;

namespace {

struct Include {
    std::string file;    // the including file, relative to the source tree
    std::string target;  // what it includes, as written: "core/run/task.hpp"
};

// Every project #include ("…", not <…>) of the sources under `top`.
std::vector<Include> includes_under(const std::string& top) {
    const fs::path root(GAIA_SOURCE_DIR);
    const std::regex include_line(R"re(^[ \t]*#[ \t]*include[ \t]+"([^"]+)")re", std::regex::multiline);
    std::vector<Include> out;
    for (const auto& e : fs::recursive_directory_iterator(root / top)) {
        const auto ext = e.path().extension();
        if (ext != ".cpp" && ext != ".hpp") continue;
        const std::string text = read_file(e.path());
        const std::string file = fs::relative(e.path(), root).string();
        for (auto it = std::sregex_iterator(text.begin(), text.end(), include_line); it != std::sregex_iterator(); ++it) {
            out.push_back({file, (*it)[1]});
        }
    }
    return out;
}

// "core/run/task.hpp" → "run"; "core/build_info.hpp" → "" (core's top level).
std::string core_folder(const std::string& path) {
    const auto rest = path.substr(5);
    const auto slash = rest.find('/');
    return slash == std::string::npos ? "" : rest.substr(0, slash);
}

}  // namespace

TEST_CASE("core never includes jobs/ or cli/, and a kind never includes another kind") {
    const auto core = includes_under("core");
    CHECK(core.size() > 100);
    for (const auto& [file, target] : core) {
        const std::string where = file + " includes " + target;  // INFO cannot capture a structured binding
        INFO(where);
        CHECK(target.rfind("jobs/", 0) != 0);
        CHECK(target.rfind("cli/", 0) != 0);
    }
    for (const auto& [file, target] : includes_under("jobs")) {
        const std::string where = file + " includes " + target;
        INFO(where);
        CHECK(target.rfind("cli/", 0) != 0);
        if (file == "jobs/registry.cpp" || file == "jobs/registry.hpp" || target.rfind("jobs/", 0) != 0) continue;
        const auto kind_of = [](const std::string& path) { return path.substr(5, path.find('/', 5) - 5); };
        CHECK(kind_of(target) == kind_of(file));
    }
    for (const auto& [file, target] : includes_under("cli")) {
        const std::string where = file + " includes " + target;
        INFO(where);
        CHECK((target.rfind("jobs/", 0) != 0 || target == "jobs/registry.hpp"));
    }
}

TEST_CASE("core's folders include each other without a cycle") {
    std::map<std::string, std::set<std::string>> uses;
    for (const auto& [file, target] : includes_under("core")) {
        if (target.rfind("core/", 0) != 0) continue;
        const auto from = core_folder(file), to = core_folder(target);
        if (from != to && !from.empty() && !to.empty()) uses[from].insert(to);
    }
    CHECK(uses.size() >= 6);
    // Depth-first search; a folder met again while still on the path closes a cycle.
    std::set<std::string> done;
    std::vector<std::string> path;
    std::function<void(const std::string&)> visit = [&](const std::string& folder) {
        const auto on_path = std::find(path.begin(), path.end(), folder);
        if (on_path != path.end()) {
            std::string cycle;
            for (auto it = on_path; it != path.end(); ++it) cycle += *it + " → ";
            FAIL_CHECK("core folders include each other in a cycle: " << cycle << folder);
            return;
        }
        if (done.count(folder)) return;
        path.push_back(folder);
        for (const auto& next : uses[folder]) visit(next);
        path.pop_back();
        done.insert(folder);
    };
    for (const auto& [folder, targets] : std::map(uses)) visit(folder);
}

TEST_CASE("each kind is a library of its own that links core and its own libraries, never another kind") {
    const fs::path jobs = fs::path(GAIA_SOURCE_DIR) / "jobs";
    const std::regex target_name(R"re(\bgaia_(kind_[A-Za-z0-9_]+|jobs)\b)re");
    int kinds = 0;
    for (const auto& e : fs::directory_iterator(jobs)) {
        if (!e.is_directory()) continue;
        const auto kind = e.path().filename().string();
        const auto lists = e.path() / "CMakeLists.txt";
        INFO(kind);
        const std::string missing = "jobs/" + kind + " has no CMakeLists.txt: every kind is a library";
        REQUIRE_MESSAGE(fs::exists(lists), missing);
        ++kinds;
        const std::string text = read_file(lists);
        CHECK(text.find("gaia_add_kind(" + kind + ")") != std::string::npos);
        for (auto it = std::sregex_iterator(text.begin(), text.end(), target_name); it != std::sregex_iterator(); ++it) {
            const std::string named = (*it)[0];
            INFO(named);
            CHECK(named == "gaia_kind_" + kind);  // its own target, nothing of another kind or the registry
        }
    }
    CHECK(kinds >= 4);
    // core links none of them: the kinds are linked by the registry, gaia_jobs, alone.
    const std::string top = read_file(fs::path(GAIA_SOURCE_DIR) / "CMakeLists.txt");
    const auto core_link = top.find("target_link_libraries(gaia_core");
    REQUIRE(core_link != std::string::npos);
    const auto statement = top.substr(core_link, top.find(')', core_link) - core_link);
    CHECK(statement.find("gaia_kind_") == std::string::npos);
    CHECK(statement.find("gaia_jobs") == std::string::npos);
}

TEST_SUITE_END();
