#pragma once
// Copying one file so that the target is either as it was or complete: the bytes go to a
// hidden temporary file beside the target (copy_file_range, which lets the kernel move
// them without a trip through gaia, or read/write in `buffer`-sized chunks where it
// cannot), then mode, fsync and rename. An error or a cancel removes the temporary file.
// Blocking: call it on the thread pool; `cancel` is checked between chunks.

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

CopyResult copy_file_atomically(const std::string& source, const std::string& target, const CopyOptions& options = {});

}  // namespace gaia::jobs::file
