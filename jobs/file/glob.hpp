#pragma once
// Globs of the file kind: `*` and `?` within one path component, `[abc]`,
// `[a-z]`, `[!a]` classes, and `**` as a whole component for any number of directories.
// As in the shell, a wildcard does not match a leading dot: `.hidden` needs a pattern
// component that starts with a dot.

#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobs::file {

// Does `path` (components separated by '/') match `pattern`? Pure; no file system.
bool glob_match(std::string_view pattern, std::string_view path);

// True when the pattern has a wildcard at all (otherwise it names one path).
bool has_wildcard(std::string_view pattern);

// The directories before the first wildcard, with a trailing '/' ("data/in/" for
// "data/in/**/*.json"; "" when the first component has one): where the walk starts.
std::string glob_base(std::string_view pattern);

struct GlobResult {
    std::vector<std::string> paths;  // sorted
    std::string error;               // the walk could not read a directory it had to
};

// The existing paths that match, found by walking from the longest directory prefix
// without a wildcard. Symbolic links to directories are not descended into unless
// follow_symlinks (a link out of the tree must not widen it). Blocking: call it on the
// thread pool.
GlobResult expand_glob(const std::string& pattern, bool follow_symlinks = false);

}  // namespace gaia::jobs::file
