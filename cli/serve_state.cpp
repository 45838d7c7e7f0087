#include "cli/serve_state.hpp"

#include "cli/commands.hpp"

#include <cstdlib>
#include <filesystem>

namespace gaia::cli {

namespace fs = std::filesystem;

std::string default_state_path(std::string* why) {
    // systemd's StateDirectory= (the packaged unit's /var/lib/gaia); it may list several.
    if (const char* dir = std::getenv("STATE_DIRECTORY"); dir && *dir) {
        std::string first(dir);
        first = first.substr(0, first.find(':'));
        return (fs::path(first) / "state.db").string();
    }
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg == '/') {
        return (fs::path(xdg) / "gaia" / "state.db").string();
    }
    if (const char* home = std::getenv("HOME"); home && *home == '/') {
        return (fs::path(home) / ".local" / "state" / "gaia" / "state.db").string();
    }
    *why = "no STATE_DIRECTORY, XDG_STATE_HOME or HOME to put the state database in";
    return {};
}

std::optional<OpenedState> open_state(const std::string& path, bool create_directory, std::string* message, int* status) {
    *status = kUsage;
    if (create_directory) {
        std::error_code ec;
        const auto dir = fs::path(path).parent_path();
        fs::create_directories(dir, ec);
        if (ec) {
            *message = "cannot create " + dir.string() + " for the state database: " + ec.message() +
                       " (give another place with --state PATH, or --no-state)";
            return std::nullopt;
        }
        // Runs' output and captures are in it: the directory is the owner's alone.
        fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    }
    // One gaia serve per database: two would both run every schedule.
    RunLock::Failure failure = RunLock::Failure::none;
    std::string lock_message, holder;
    auto lock = RunLock::acquire(path + ".lock", std::chrono::milliseconds(0), &failure, &lock_message, &holder);
    if (!lock) {
        if (failure == RunLock::Failure::busy) {
            *status = kLocked;
            *message = "the state database " + path + " is in use by another gaia serve" +
                       (holder.empty() ? "" : " (pid " + holder + ")") +
                       ": give each gaia serve its own --state PATH";
        } else {
            *message = lock_message + " (beside the state database; give another place with --state PATH)";
        }
        return std::nullopt;
    }
    try {
        auto store = std::make_shared<serve::StateStore>(path);
        return OpenedState{std::move(store), std::move(*lock)};
    } catch (const serve::StateOpenError& e) {
        *message = e.what();
        if (e.locked()) *status = kLocked;
        return std::nullopt;
    }
}

}  // namespace gaia::cli
