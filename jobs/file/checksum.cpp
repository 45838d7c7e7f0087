#include "jobs/file/checksum.hpp"

#include "jobs/file/unique_fd.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
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

struct Hasher::State {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
    bool ok = false;
};

Hasher::Hasher(std::string_view algorithm) : state_(new State) {
    const auto name = normalize_algorithm(algorithm);
    const EVP_MD* md = name ? EVP_get_digestbyname(name->c_str()) : nullptr;
    state_->ok = md && state_->ctx && EVP_DigestInit_ex(state_->ctx.get(), md, nullptr) == 1;
}

Hasher::~Hasher() { delete state_; }

void Hasher::update(const void* data, std::size_t size) {
    state_->ok = state_->ok && EVP_DigestUpdate(state_->ctx.get(), data, size) == 1;
}

std::string Hasher::hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!state_->ok || EVP_DigestFinal_ex(state_->ctx.get(), digest, &length) != 1) return {};
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

Digest file_digest(const std::string& path, std::string_view algorithm, std::size_t buffer_size,
                   const std::atomic<bool>* cancel) {
    Digest out;
    if (!normalize_algorithm(algorithm)) {
        out.error = "unknown checksum algorithm `" + std::string(algorithm) + "` (sha256, sha512, sha1 or md5)";
        return out;
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out.error = "cannot open " + path + ": " + std::strerror(errno);
        return out;
    }
    const UniqueFd fd_owner(fd);
    // Sequential reads: let the kernel read ahead generously.
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    Hasher hasher(algorithm);
    std::vector<unsigned char> buffer(std::max<std::size_t>(buffer_size, 4096));
    while (true) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            out.error = "cancelled";
            return out;
        }
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            out.error = errno == EISDIR ? "cannot read " + path + ": it is a directory"
                                        : "cannot read " + path + ": " + std::strerror(errno);
            return out;
        }
        if (n == 0) break;
        out.bytes += static_cast<std::uint64_t>(n);
        hasher.update(buffer.data(), static_cast<std::size_t>(n));
    }
    out.hex = hasher.hex();
    if (out.hex.empty()) out.error = "OpenSSL could not compute the " + std::string(algorithm) + " of " + path;
    return out;
}

std::string openssl_version() { return OpenSSL_version(OPENSSL_VERSION_STRING); }

}  // namespace gaia::jobs::file
