#pragma once
// Writing a whole file so that a reader sees the old content or the new, never half,
// and a gaia killed meanwhile leaves nothing: a loop::StagedFile (an unnamed file in the
// same directory, fsync, then its name). Blocking: reports are written as gaia ends.

#include <string>
#include <string_view>

namespace gaia::report {

// Returns an empty string on success, else what went wrong.
std::string write_file_atomically(const std::string& path, std::string_view content);

}  // namespace gaia::report
