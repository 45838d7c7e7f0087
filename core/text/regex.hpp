#pragma once
// Regular expressions written in job files (RE2 syntax: linear time, whatever the input),
// compiled once when the file is loaded, with a problem in words for the job-file error.

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>

namespace gaia::text {

// `multi_line`: ^ and $ match at every line, for text that has lines (a process's output,
// a server's greeting). Null and *error ("invalid regular expression: missing ): (") when
// the pattern is not one.
std::shared_ptr<const RE2> compile_regex(std::string_view pattern, bool multi_line, std::string* error);

// The pattern as the user wrote it (without the multi-line flag compile_regex added).
std::string written_pattern(const RE2& regex);

}  // namespace gaia::text
