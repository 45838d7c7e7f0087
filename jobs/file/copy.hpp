#pragma once
// Copying one file so that the target is either as it was or complete: the bytes go to a
// staged file in the target's directory (core/loop/staged_file.hpp) — through
// copy_file_range, which lets the kernel move them without a trip through gaia, or
// read/write in `buffer`-sized chunks where it cannot — then mode, fsync and its name.
// An error or a cancel leaves no trace.
// Blocking: call it on the thread pool; `cancel` is checked between chunks.

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace gaia::jobs::file {

struct CopyOptions {
    bool overwrite = true;            // false: an existing target is an error, never replaced
    std::size_t buffer = 64 * 1024;   // [file].buffer, for the read/write fallback
    const std::atomic<bool>* cancel = nullptr;
};

struct CopyResult {
    std::uint64_t bytes = 0;
    std::string error;  // empty on success
};

// The content of `in` into the empty file `out`: its data ranges through copy_file_range
// where the kernel can, `options.buffer` chunks where it cannot; its holes stay holes.
// *bytes counts the data copied. Returns the problem, if any.
std::string copy_bytes(int in, const struct stat& st, int out, const std::string& source, const std::string& target,
                       const CopyOptions& options, std::uint64_t* bytes);

CopyResult copy_file_atomically(const std::string& source, const std::string& target, const CopyOptions& options = {});

// The message for a target that is there when overwrite = false.
std::string exists_message(const std::string& target);

}  // namespace gaia::jobs::file
