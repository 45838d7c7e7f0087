#pragma once
// Directory trees for `copy`/`move` with `recursive = true` and `delete` with
// `recursive = true`. A tree is copied into a hidden directory beside the target, synced,
// and renamed into place, so the target appears whole or not at all (when it replaces an
// old tree, the two are exchanged atomically and the old one removed). Symbolic links are
// copied as links, not followed, unless follow_symlinks. Blocking: use on the thread pool.

#include "jobs/file/copy.hpp"

#include <cstdint>
#include <string>

namespace gaia::jobs::file {

struct TreeOptions {
    CopyOptions copy;               // overwrite, buffer, cancel
    bool follow_symlinks = false;
};

// Copies the directory `source` to `target`. Returns the problem; *bytes counts file bytes.
std::string copy_tree_atomically(const std::string& source, const std::string& target, const TreeOptions& options,
                                 std::uint64_t* bytes);

// Removes `path` and everything under it, never following a symbolic link.
std::string remove_tree(const std::string& path);

}  // namespace gaia::jobs::file
