#pragma once
// gaia serve --state PATH: where the state database is (by default under the service's
// StateDirectory, $XDG_STATE_HOME or ~/.local/state), held by one gaia serve at a time
// through a lock file beside it, opened and checked before the loop starts.

#include "cli/run_lock.hpp"
#include "core/serve/state_store.hpp"

#include <memory>
#include <optional>
#include <string>

namespace gaia::cli {

struct OpenedState {
    std::shared_ptr<serve::StateStore> store;
    RunLock lock;
};

// The default path of the state database; empty with *why when there is no place for one.
std::string default_state_path(std::string* why);

// Locks and opens `path` (creating its directory when `create_directory`). On failure, a
// message saying what is wrong and what to do, and the exit status (kLocked when another
// gaia serve holds it).
std::optional<OpenedState> open_state(const std::string& path, bool create_directory, std::string* message, int* status);

}  // namespace gaia::cli
