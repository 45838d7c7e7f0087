#include "jobs/file/copy.hpp"

#include "core/loop/staged_file.hpp"
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

namespace {

// Bytes [from, to) of `in` to the same offsets of `out`.
std::string copy_range(int in, int out, off_t from, off_t to, const std::string& source, const std::string& target,
                       const CopyOptions& options, bool& kernel_copy, std::vector<char>& buffer, std::uint64_t* bytes) {
    off_t in_at = from, out_at = from;
    while (in_at < to) {
        if (cancelled(options)) return "cancelled";
        if (!kernel_copy && buffer.empty()) {
            buffer.resize(std::clamp<std::uint64_t>(static_cast<std::uint64_t>(to - from), 4096, options.buffer));
        }
        const off_t chunk = kernel_copy ? (64 << 20) : static_cast<off_t>(buffer.size());
        const auto want = static_cast<std::size_t>(std::min<off_t>(to - in_at, chunk));
        ssize_t n = -1;
        if (kernel_copy) {
            n = ::copy_file_range(in, &in_at, out, &out_at, want, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
                kernel_copy = false;  // another file system, or one without it: plain reads
                continue;
            }
            if (n < 0 && errno != EINTR) {
                // It reports the target's errors (ENOSPC, EFBIG) as well as the source's.
                if (errno == ENOSPC || errno == EFBIG || errno == EDQUOT) return why("cannot write", target);
                return why("cannot copy", source);
            }
        } else {
            n = ::pread(in, buffer.data(), want, in_at);
            if (n < 0 && errno != EINTR) return why("cannot read", source);
            for (ssize_t done = 0; n > 0 && done < n;) {
                const ssize_t w = ::pwrite(out, buffer.data() + done, static_cast<std::size_t>(n - done), out_at + done);
                if (w < 0) {
                    if (errno == EINTR) continue;
                    return why("cannot write", target);
                }
                done += w;
            }
            if (n > 0) {
                in_at += n;
                out_at += n;
            }
        }
        if (n == 0) return "cannot copy " + source + ": it shrank while being copied";
        if (n > 0) *bytes += static_cast<std::uint64_t>(n);
    }
    return {};
}

}  // namespace

std::string copy_bytes(int in, const struct stat& st, int out, const std::string& source, const std::string& target,
                       const CopyOptions& options, std::uint64_t* bytes) {
    const off_t size = st.st_size;
    if (size >= (1 << 20)) ::posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
    bool kernel_copy = true;
    std::vector<char> buffer;  // only if the kernel cannot copy: sized then
    // Only the data: a hole stays a hole, as with cp (--sparse=auto), so a sparse file
    // copies in the time its data takes. Files with as many blocks as bytes have none.
    const bool may_have_holes = static_cast<std::uint64_t>(st.st_blocks) * 512 < static_cast<std::uint64_t>(size);
    off_t end = 0;
    for (off_t at = 0; at < size;) {
        off_t data = at, hole = size;
        if (may_have_holes) {
            data = ::lseek(in, at, SEEK_DATA);
            if (data < 0 && errno == ENXIO) break;  // only a hole is left
            if (data < 0) data = at;                // no hole support here: all data
            hole = ::lseek(in, data, SEEK_HOLE);
            if (hole < 0 || hole > size) hole = size;
        }
        if (auto error = copy_range(in, out, data, hole, source, target, options, kernel_copy, buffer, bytes); !error.empty()) {
            return error;
        }
        at = end = hole;
    }
    if (end < size && ::ftruncate(out, size) != 0) return why("cannot write", target);  // a trailing hole
    return {};
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
    // A big copy that would be refused at the end is refused before it starts; for a
    // small one the final link's own check is enough (one call less per file).
    if (!options.overwrite && st.st_size >= (1 << 20) && ::access(target.c_str(), F_OK) == 0) {
        result.error = exists_message(target);  // early, before copying: the kernel checks again at the end
        return result;
    }
    loop::StagedFile staged;
    if (result.error = staged.open(target, st.st_mode & 07777); !result.error.empty()) return result;
    if (result.error = copy_bytes(in, st, staged.fd(), source, target, options, &result.bytes); !result.error.empty()) {
        return result;
    }
    if (result.error = staged.set_mode(st.st_mode & 07777); !result.error.empty()) return result;
    result.error = staged.commit(options.overwrite);
    if (staged.target_existed()) result.error = exists_message(target);
    return result;
}

std::string exists_message(const std::string& target) { return target + " exists and overwrite = false"; }

}  // namespace gaia::jobs::file
