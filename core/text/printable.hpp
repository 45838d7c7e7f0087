#pragma once
// Text from outside gaia — a job file, a server's answer, a process's output, a path —
// made safe to print on a terminal or in a log line. Control characters would otherwise
// act on the reader's terminal (`\x1b]0;TITLE\x07` retitles it, `\x1b[2J` clears it), a
// newline would split one message into two (the second without its `file:line:col`), and
// bidirectional overrides (U+202E) would show text in another order than it has.

#include <string>
#include <string_view>

namespace gaia::text {

// Escapes C0 controls (\n, \r, \t, \0, \x1b, …), DEL, C1 controls (U+0080–U+009F),
// bidirectional controls (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, U+061C) and bytes
// that are not UTF-8; a backslash stays as it is. Everything else, other scripts
// included, is kept.
std::string printable(std::string_view text);

}  // namespace gaia::text
