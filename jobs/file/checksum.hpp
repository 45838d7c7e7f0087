#pragma once
// Checksums of the file kind (`checksum`, `capture = "checksum"`): sha256 (default),
// sha512, sha1 and md5 through OpenSSL's EVP interface, which uses the CPU's SHA
// instructions where there are some. The file is read in chunks, so memory does not grow
// with its size. Blocking: call it on the thread pool.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gaia::jobs::file {

// The OpenSSL libcrypto loaded here, "3.0.15", for `gaia version --verbose`.
std::string openssl_version();

// "sha256", "sha512", "sha1", "md5"; nullopt for anything else.
std::optional<std::string> normalize_algorithm(std::string_view name);

struct Digest {
    std::string hex;      // lower-case hex; empty on error
    std::string error;    // what went wrong, with the path
    std::uint64_t bytes = 0;
};

// `cancel`, when given, is checked between chunks.
Digest file_digest(const std::string& path, std::string_view algorithm, std::size_t buffer_size = 1 << 20,
                   const std::atomic<bool>* cancel = nullptr);

// An incremental digest, for a pass over a file that does other things too (op = "read").
class Hasher {
public:
    explicit Hasher(std::string_view algorithm);  // a name normalize_algorithm() accepts
    ~Hasher();
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;
    void update(const void* data, std::size_t size);
    std::string hex();  // finishes; lower-case hex, empty if OpenSSL failed

private:
    struct State;
    State* state_;
};

}  // namespace gaia::jobs::file
