#include "jobs/file/copy.hpp"

#include "core/loop/atomic_writer.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace gaia::jobs::file {
namespace {

std::string why(const std::string& what, const std::string& path) { return what + " " + path + ": " + std::strerror(errno); }

// Closes and removes the temporary file unless it was renamed into place.
struct TempFile {
    std::string path;
    int fd = -1;
    bool kept = false;
    ~TempFile() {
        if (fd >= 0) ::close(fd);
        if (!kept && !path.empty()) ::unlink(path.c_str());
    }
};

bool cancelled(const CopyOptions& o) { return o.cancel && o.cancel->load(std::memory_order_relaxed); }

}  // namespace

CopyResult copy_file_atomically(const std::string& source, const std::string& target, const CopyOptions& options) {
    CopyResult result;
    const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        result.error = why("cannot open", source);
        return result;
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } in_closer{in};
    struct stat st {};
    if (::fstat(in, &st) != 0) {
        result.error = why("cannot stat", source);
        return result;
    }
    if (S_ISDIR(st.st_mode)) {
        result.error = "cannot copy " + source + ": it is a directory";
        return result;
    }
    if (!options.overwrite && ::access(target.c_str(), F_OK) == 0) {
        result.error = "cannot copy to " + target + ": it exists and overwrite = false";
        return result;
    }
    TempFile temp;
    temp.path = loop::temp_template_beside(target);
    const std::string dir = std::filesystem::path(temp.path).parent_path().string();
    temp.fd = ::mkostemp(temp.path.data(), O_CLOEXEC);
    if (temp.fd < 0) {
        result.error = why("cannot create a temporary file in", dir);
        temp.path.clear();
        return result;
    }
    ::posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
    bool kernel_copy = true;
    std::vector<char> buffer;
    while (true) {
        if (cancelled(options)) {
            result.error = "cancelled";
            return result;
        }
        ssize_t n = -1;
        if (kernel_copy) {
            n = ::copy_file_range(in, nullptr, temp.fd, nullptr, 64u << 20, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
                kernel_copy = false;  // another file system, or one without it: plain reads
                continue;
            }
        } else {
            if (buffer.empty()) buffer.resize(std::max<std::size_t>(4096, options.buffer));
            n = ::read(in, buffer.data(), buffer.size());
            for (ssize_t done = 0; n > 0 && done < n;) {
                const ssize_t w = ::write(temp.fd, buffer.data() + done, static_cast<std::size_t>(n - done));
                if (w < 0) {
                    if (errno == EINTR) continue;
                    result.error = why("cannot write", target);
                    return result;
                }
                done += w;
            }
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            result.error = why(kernel_copy ? "cannot copy into" : "cannot read", kernel_copy ? target : source);
            return result;
        }
        if (n == 0) break;
        result.bytes += static_cast<std::uint64_t>(n);
    }
    if (::fchmod(temp.fd, st.st_mode & 07777) != 0 || ::fsync(temp.fd) != 0) {
        result.error = why("cannot sync", target);
        return result;
    }
    ::close(temp.fd);
    temp.fd = -1;
    // overwrite = false: the kernel refuses to replace a target created meanwhile.
    const int rc = options.overwrite ? ::rename(temp.path.c_str(), target.c_str())
                                     : ::renameat2(AT_FDCWD, temp.path.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
    if (rc != 0) {
        result.error = errno == EEXIST ? "cannot copy to " + target + ": it exists and overwrite = false"
                                       : why("cannot rename into", target);
        return result;
    }
    temp.kept = true;
    return result;
}

}  // namespace gaia::jobs::file
