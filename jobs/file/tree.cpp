#include "jobs/file/tree.hpp"

#include "core/loop/staged_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <utility>

namespace gaia::jobs::file {
namespace {

std::string failure(const std::string& what, const std::string& path) { return what + " " + path + ": " + std::strerror(errno); }

struct DirCloser {
    void operator()(DIR* dir) const noexcept { ::closedir(dir); }
};

class TreeCopier {
public:
    TreeCopier(const TreeOptions& options, std::uint64_t* bytes) : options_(options), bytes_(bytes) {}

    std::string copy_dir(const std::string& from, const std::string& to, const struct stat& st) {
        if (options_.copy.cancel && options_.copy.cancel->load(std::memory_order_relaxed)) return "cancelled";
        if (!visited_.insert({st.st_dev, st.st_ino}).second) return "cannot copy " + from + ": a symbolic link loops back to it";
        std::unique_ptr<DIR, DirCloser> dir(::opendir(from.c_str()));
        if (!dir) return failure("cannot read the directory", from);
        while (const dirent* entry = ::readdir(dir.get())) {
            const std::string name = entry->d_name;
            if (name == "." || name == "..") continue;
            if (auto error = copy_entry(from + "/" + name, to + "/" + name); !error.empty()) return error;
        }
        if (::chmod(to.c_str(), st.st_mode & 07777) != 0) return failure("cannot set the mode of", to);
        return {};
    }

private:
    std::string copy_entry(const std::string& from, const std::string& to) {
        struct stat st {};
        if (::lstat(from.c_str(), &st) != 0) return failure("cannot stat", from);
        if (S_ISLNK(st.st_mode)) {
            if (!options_.follow_symlinks) return copy_link(from, to);
            if (::stat(from.c_str(), &st) != 0) return failure("cannot follow the link", from);
        }
        if (S_ISDIR(st.st_mode)) {
            if (::mkdir(to.c_str(), 0700) != 0) return failure("cannot create the directory", to);
            return copy_dir(from, to, st);
        }
        if (S_ISREG(st.st_mode)) return copy_regular(from, to, st);
        return "cannot copy " + from + ": not a regular file, directory or link";
    }

    std::string copy_link(const std::string& from, const std::string& to) {
        char target[4096];
        const ssize_t n = ::readlink(from.c_str(), target, sizeof target - 1);
        if (n < 0) return failure("cannot read the link", from);
        target[n] = '\0';
        if (::symlink(target, to.c_str()) != 0) return failure("cannot create the link", to);
        return {};
    }

    std::string copy_regular(const std::string& from, const std::string& to, const struct stat& st) {
        const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
        if (in < 0) return failure("cannot open", from);
        const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
        if (out < 0) {
            const auto error = failure("cannot create", to);
            ::close(in);
            return error;
        }
        auto error = copy_bytes(in, st, out, from, to, options_.copy, bytes_);
        if (error.empty() && ::fchmod(out, st.st_mode & 07777) != 0) error = failure("cannot set the mode of", to);
        ::close(in);
        ::close(out);
        return error;
    }

    const TreeOptions& options_;
    std::uint64_t* bytes_;
    std::set<std::pair<dev_t, ino_t>> visited_;
};

}  // namespace

std::string copy_tree_atomically(const std::string& source, const std::string& target, const TreeOptions& options,
                                 std::uint64_t* bytes) {
    struct stat st {};
    if ((options.follow_symlinks ? ::stat(source.c_str(), &st) : ::lstat(source.c_str(), &st)) != 0) {
        return failure("cannot stat", source);
    }
    if (!S_ISDIR(st.st_mode)) return "cannot copy " + source + " as a tree: it is not a directory";
    struct stat existing {};
    const bool exists = ::lstat(target.c_str(), &existing) == 0;
    if (exists && !options.copy.overwrite) return exists_message(target);
    if (exists && !S_ISDIR(existing.st_mode)) return "cannot replace " + target + " with a directory: it is a file";

    std::string staging = loop::temp_template_beside(target);
    if (::mkdtemp(staging.data()) == nullptr) {
        return failure("cannot create a directory in", std::filesystem::path(target).parent_path().string());
    }
    struct Cleanup {
        std::string path;
        ~Cleanup() {
            if (!path.empty()) remove_tree(path);
        }
    } cleanup{staging};

    TreeCopier copier(options, bytes);
    if (auto error = copier.copy_dir(source, staging, st); !error.empty()) return error;
    // One syncfs for the whole tree rather than an fsync per file: the same guarantee
    // before the rename, at a fraction of the calls.
    if (const int fd = ::open(staging.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
        const int rc = ::syncfs(fd);
        ::close(fd);
        if (rc != 0) return failure("cannot sync", staging);
    }
    if (!exists) {
        if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) != 0) {
            return errno == EEXIST ? exists_message(target) : failure("cannot rename into", target);
        }
        cleanup.path.clear();
        return {};
    }
    // The new tree takes the old one's place in one step; the old one, now under the
    // hidden name, goes with the cleanup.
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
        return failure("cannot replace", target);
    }
    return {};
}

std::string remove_tree(const std::string& path) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) return "cannot remove " + path + ": " + ec.message();
    return {};
}

}  // namespace gaia::jobs::file
