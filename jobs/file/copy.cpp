#include "jobs/file/copy.hpp"

#include "jobs/file/staged_file.hpp"
#include "jobs/file/unique_fd.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <vector>

namespace gaia::jobs::file {
namespace {

std::string why(const std::string& what, const std::string& path) { return what + " " + path + ": " + std::strerror(errno); }

bool cancelled(const CopyOptions& o) { return o.cancel && o.cancel->load(std::memory_order_relaxed); }

}  // namespace

std::string copy_bytes(int in, int out, const std::string& source, const std::string& target, const CopyOptions& options,
                       std::uint64_t* bytes) {
    ::posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
    bool kernel_copy = true;
    std::vector<char> buffer;
    while (true) {
        if (cancelled(options)) return "cancelled";
        ssize_t n = -1;
        if (kernel_copy) {
            n = ::copy_file_range(in, nullptr, out, nullptr, 64u << 20, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
                kernel_copy = false;  // another file system, or one without it: plain reads
                continue;
            }
        } else {
            if (buffer.empty()) buffer.resize(std::max<std::size_t>(4096, options.buffer));
            n = ::read(in, buffer.data(), buffer.size());
            for (ssize_t done = 0; n > 0 && done < n;) {
                const ssize_t w = ::write(out, buffer.data() + done, static_cast<std::size_t>(n - done));
                if (w < 0) {
                    if (errno == EINTR) continue;
                    return why("cannot write", target);
                }
                done += w;
            }
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            // copy_file_range reports the target's errors (ENOSPC, EFBIG) as well as the source's.
            if (kernel_copy && (errno == ENOSPC || errno == EFBIG || errno == EDQUOT)) return why("cannot write", target);
            return why(kernel_copy ? "cannot copy" : "cannot read", source);
        }
        if (n == 0) return {};
        *bytes += static_cast<std::uint64_t>(n);
    }
}

CopyResult copy_file_atomically(const std::string& source, const std::string& target, const CopyOptions& options) {
    CopyResult result;
    const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        result.error = why("cannot open", source);
        return result;
    }
    const UniqueFd in_owner(in);
    struct stat st {};
    if (::fstat(in, &st) != 0) {
        result.error = why("cannot stat", source);
        return result;
    }
    if (S_ISDIR(st.st_mode)) {
        result.error = "cannot copy " + source + ": it is a directory (set recursive = true)";
        return result;
    }
    if (!options.overwrite && ::access(target.c_str(), F_OK) == 0) {
        result.error = exists_message(target);  // early, before copying: the kernel checks again at the end
        return result;
    }
    StagedFile staged;
    if (result.error = staged.open(target, st.st_mode & 07777); !result.error.empty()) return result;
    if (result.error = copy_bytes(in, staged.fd(), source, target, options, &result.bytes); !result.error.empty()) {
        return result;
    }
    if (::fchmod(staged.fd(), st.st_mode & 07777) != 0) {
        result.error = why("cannot set the mode of", target);
        return result;
    }
    result.error = staged.commit(options.overwrite);
    return result;
}

}  // namespace gaia::jobs::file
