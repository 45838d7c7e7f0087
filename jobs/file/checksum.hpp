#pragma once
// Checksums of the file kind (`checksum`, `capture = "checksum"`): sha256 (default),
// sha512, sha1 and md5 through OpenSSL's EVP interface, which uses the CPU's SHA
// instructions where there are some. The file is read in chunks, so memory does not grow
// with its size. Blocking: call it on the thread pool.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gaia::jobs::file {

// "sha256", "sha512", "sha1", "md5"; nullopt for anything else.
std::optional<std::string> normalize_algorithm(std::string_view name);

struct Digest {
    std::string hex;      // lower-case hex; empty on error
    std::string error;    // what went wrong, with the path
    std::uint64_t bytes = 0;
};

Digest file_digest(const std::string& path, std::string_view algorithm, std::size_t buffer_size = 1 << 20);

}  // namespace gaia::jobs::file
