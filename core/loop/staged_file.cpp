#include "core/loop/staged_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace gaia::loop {
namespace {

std::string directory_of(const std::string& target) {
    auto dir = std::filesystem::path(target).parent_path().string();
    return dir.empty() ? "." : dir;
}

std::string failure(const std::string& what, const std::string& path, int error) {
    return what + " " + path + ": " + std::strerror(error);
}

}  // namespace

std::string temp_template_beside(const std::string& target) {
    const std::filesystem::path t(target);
    const std::filesystem::path dir = t.has_parent_path() ? t.parent_path() : std::filesystem::path(".");
    return (dir / ("." + t.filename().string() + ".gaia-XXXXXX")).string();
}

unsigned process_umask() {
    // umask(2) can only be read by setting it, which would race with other threads
    // creating files; the kernel also shows it in /proc/self/status.
    static const unsigned mask = [] {
        unsigned value = 022;
        if (FILE* f = std::fopen("/proc/self/status", "re")) {
            char line[256];
            while (std::fgets(line, sizeof line, f)) {
                if (std::strncmp(line, "Umask:", 6) == 0) {
                    value = static_cast<unsigned>(std::strtoul(line + 6, nullptr, 8));
                    break;
                }
            }
            std::fclose(f);
        }
        return value;
    }();
    return mask;
}

StagedFile::~StagedFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

std::string StagedFile::open(const std::string& target, unsigned mode) {
    target_ = target;
    const auto dir = directory_of(target);
    fd_ = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
    if (fd_ >= 0) {
        mode_ = mode & ~process_umask();
        return {};
    }
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
        open_errno_ = errno;
        if (errno == ENOENT) return "cannot write " + target + ": the directory " + dir + " does not exist";
        return failure("cannot create a file in", dir, errno);
    }
    temp_path_ = temp_template_beside(target);
    fd_ = ::mkostemp(temp_path_.data(), O_CLOEXEC);
    if (fd_ < 0) {
        const int error = errno;
        open_errno_ = error;
        temp_path_.clear();
        return failure("cannot create a file in", dir, error);
    }
    mode_ = mode & ~process_umask();
    if (::fchmod(fd_, mode_) != 0) return failure("cannot set the mode of", temp_path_, errno);
    return {};
}

std::string StagedFile::existing_target() {
    target_existed_ = true;
    return target_ + " exists";
}

std::string StagedFile::set_mode(unsigned mode) {
    if ((mode & 07777) == mode_) return {};  // the usual case: the umask took nothing away
    if (::fchmod(fd_, mode & 07777) != 0) return failure("cannot set the mode of", target_, errno);
    mode_ = mode & 07777;
    return {};
}

std::string StagedFile::commit(bool overwrite) {
    if (::fsync(fd_) != 0) return failure("cannot write", target_, errno);
    if (!temp_path_.empty()) {
        ::close(fd_);
        fd_ = -1;
        const int rc = overwrite ? ::rename(temp_path_.c_str(), target_.c_str())
                                 : ::renameat2(AT_FDCWD, temp_path_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE);
        if (rc != 0) return errno == EEXIST ? existing_target() : failure("cannot rename into", target_, errno);
        committed_ = true;
        return {};
    }
    // An O_TMPFILE file gets its name from linkat, which never replaces one: through the
    // descriptor itself where the kernel allows it (AT_EMPTY_PATH needs privilege before
    // Linux 6.10), else through its /proc link.
    static std::atomic<bool> empty_path_works{true};
    if (empty_path_works.load(std::memory_order_relaxed)) {
        if (::linkat(fd_, "", AT_FDCWD, target_.c_str(), AT_EMPTY_PATH) == 0) {
            committed_ = true;
            return {};
        }
        if (errno == EPERM || errno == ENOENT || errno == EINVAL) empty_path_works.store(false, std::memory_order_relaxed);
        else if (errno != EEXIST) return failure("cannot create", target_, errno);
    }
    const std::string self = "/proc/self/fd/" + std::to_string(fd_);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, target_.c_str(), AT_SYMLINK_FOLLOW) == 0) {
        committed_ = true;
        return {};
    }
    if (errno != EEXIST) return failure("cannot create", target_, errno);
    if (!overwrite) return existing_target();
    // Replacing: a hidden name first, then rename over the target (the hidden name
    // exists for the moment between the two calls only).
    for (int tries = 0; tries < 16; ++tries) {
        std::string hidden = temp_template_beside(target_);
        hidden.replace(hidden.size() - 6, 6, std::to_string(100000 + (::random() % 900000)));
        if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, hidden.c_str(), AT_SYMLINK_FOLLOW) != 0) {
            if (errno == EEXIST) continue;
            return failure("cannot create", hidden, errno);
        }
        if (::rename(hidden.c_str(), target_.c_str()) != 0) {
            const int error = errno;
            ::unlink(hidden.c_str());
            return failure("cannot rename into", target_, error);
        }
        committed_ = true;
        return {};
    }
    return "cannot find a free temporary name beside " + target_;
}

}  // namespace gaia::loop
