#pragma once
// How deeply a TOML document nests, found by a flat scan of its text before it is parsed.
//
// Why: toml++ parses and frees tables recursively, one stack frame (or several) per level,
// and so does everything that walks the parsed tree. A dotted key of 35,000 parts
// (`y.y.y.… = 1`, an 80 KB file) or a header as deep overflows the stack and kills gaia —
// under `gaia serve`, on a reload. Bounding the depth before anything recurses turns that
// into an ordinary job-file error. The scan itself keeps no stack of its own beyond one
// entry per open array or inline table, which it also bounds.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace gaia::jobfile {

// Far beyond any real job file (they nest 3 to 6 levels), far below what overflows an
// 8 MiB stack.
inline constexpr std::size_t kMaxNestingDepth = 100;

struct DeepNesting {
    std::uint32_t line = 1;    // 1-based, where the level past the limit begins
    std::uint32_t column = 1;  // 1-based, in bytes
};

// Counts a level for each part of a table header (`[a.b]`), each part of a dotted key
// and each array or inline table, and returns where the depth first passes `max_depth`.
// Strings and comments are skipped as TOML reads them; text that is not valid TOML is
// scanned all the same and left to the parser to report.
std::optional<DeepNesting> find_deep_nesting(std::string_view text, std::size_t max_depth = kMaxNestingDepth);

}  // namespace gaia::jobfile
