#include "jobs/file/checksum.hpp"

#include <openssl/evp.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace gaia::jobs::file {

std::optional<std::string> normalize_algorithm(std::string_view name) {
    for (const char* known : {"sha256", "sha512", "sha1", "md5"}) {
        if (name == known) return std::string(known);
    }
    return std::nullopt;
}

Digest file_digest(const std::string& path, std::string_view algorithm, std::size_t buffer_size) {
    Digest out;
    const auto name = normalize_algorithm(algorithm);
    const EVP_MD* md = name ? EVP_get_digestbyname(name->c_str()) : nullptr;
    if (md == nullptr) {
        out.error = "unknown checksum algorithm `" + std::string(algorithm) + "` (sha256, sha512, sha1 or md5)";
        return out;
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out.error = "cannot open " + path + ": " + std::strerror(errno);
        return out;
    }
    // Sequential reads: let the kernel read ahead generously.
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    std::vector<unsigned char> buffer(buffer_size);
    bool ok = ctx && EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1;
    while (ok) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            out.error = "cannot read " + path + ": " + std::strerror(errno);
            ok = false;
            break;
        }
        if (n == 0) break;
        out.bytes += static_cast<std::uint64_t>(n);
        ok = EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(n)) == 1;
    }
    ::close(fd);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (ok && EVP_DigestFinal_ex(ctx.get(), digest, &length) == 1) {
        static const char* hex = "0123456789abcdef";
        for (unsigned int i = 0; i < length; ++i) {
            out.hex += hex[digest[i] >> 4];
            out.hex += hex[digest[i] & 15];
        }
    } else if (out.error.empty()) {
        out.error = "OpenSSL could not compute the " + *name + " of " + path;
    }
    return out;
}

}  // namespace gaia::jobs::file
