#pragma once
// What characters a job-file value may hold, given where it ends up.
//
// A NUL ends a C string early: `echo "a\0b"` would run `echo a`, and a path would be cut
// short, silently. CR or LF in an HTTP header or request line starts a new one (header
// injection, request smuggling). Such values are refused, never cut or passed on: at load
// time when the text is written in the file, and on every attempt when a template (a
// capture, an item, a variable) brings them in — in one place, so that both HTTP engines
// and every kind refuse alike.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gaia::jobfile {

enum class TextRule : std::uint8_t {
    any,           // bodies, stdin, file contents, expectations: every byte is data
    no_nul,        // argv, environment values, paths
    header_value,  // no NUL, CR or LF
    token,         // header names and methods: RFC 9110 token characters only
    url,           // no control character (NUL, CR, LF, TAB, …), no space, no DEL
};

struct TextProblem {
    std::string character;  // "a line feed (\n)"
    std::size_t byte = 0;   // 1-based offset of the first refused byte
};

// The first byte of `text` that `rule` refuses, or nullopt.
std::optional<TextProblem> text_rule_problem(std::string_view text, TextRule rule);

// What the rule refuses, for messages: "CR, LF and NUL are refused in header values".
std::string_view text_rule_summary(TextRule rule);

}  // namespace gaia::jobfile
