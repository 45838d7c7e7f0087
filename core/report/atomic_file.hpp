#pragma once
// Writing a whole file so that a reader sees the old content or the new, never half,
// and a gaia killed meanwhile leaves nothing: a loop::StagedFile (an unnamed file in the
// same directory, fsync, then its name). Blocking: reports are written as gaia ends.

#include "core/loop/staged_file.hpp"

#include <string>
#include <string_view>

namespace gaia::report {

// A file written piece by piece (a report of a million instances is never one string in
// memory) and named only by commit(): dropped before that, it leaves nothing.
class AtomicFile {
public:
    // Returns the problem, or an empty string.
    std::string open(const std::string& path);
    // Buffered; the first write error is kept and returned by commit().
    void append(std::string_view text);
    // Writes what is buffered, sets mode 0644, syncs and names the file.
    std::string commit();

private:
    void flush();
    void write_all(std::string_view text);

    loop::StagedFile staged_;
    std::string path_;
    std::string buffer_;
    std::string error_;
};

// Returns an empty string on success, else what went wrong.
std::string write_file_atomically(const std::string& path, std::string_view content);

}  // namespace gaia::report
