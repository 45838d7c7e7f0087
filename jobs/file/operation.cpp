#include "jobs/file/operation.hpp"

#include "core/loop/staged_file.hpp"
#include "jobs/file/checksum.hpp"
#include "jobs/file/copy.hpp"
#include "jobs/file/document.hpp"
#include "jobs/file/tree.hpp"
#include "jobs/file/unique_fd.hpp"

#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace gaia::jobs::file {
namespace {

std::string failure(const std::string& what, const std::string& path, int error = errno) {
    return what + " " + path + ": " + std::strerror(error);
}

bool cancelled(const Operation& op) { return op.cancel.load(std::memory_order_relaxed); }

std::string type_of(mode_t mode) {
    if (S_ISREG(mode)) return "file";
    if (S_ISDIR(mode)) return "directory";
    if (S_ISLNK(mode)) return "symlink";
    return "other";
}

std::string octal(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

std::string write_all(int fd, const std::string& data, const std::string& path) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return failure("cannot write", path);
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

// `mkdir -p`: the directory and its missing parents. Returns the problem.
std::string make_directories(const std::string& path, unsigned mode) {
    struct stat existing {};
    if (::stat(path.c_str(), &existing) == 0 && S_ISDIR(existing.st_mode)) return {};  // the usual case: one call
    std::string partial;
    std::size_t at = 0;
    while (at <= path.size()) {
        auto next = path.find('/', at);
        if (next == std::string::npos) next = path.size();
        partial = path.substr(0, next);
        at = next + 1;
        if (partial.empty() || partial == "." || partial == "..") continue;
        if (::mkdir(partial.c_str(), mode) == 0) continue;
        if (errno != EEXIST) return failure("cannot create the directory", partial);
        struct stat st {};
        if (::stat(partial.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            return "cannot create the directory " + partial + ": a file is in the way";
        }
    }
    return {};
}

// One pass over a file for what its expectations and captures want.
struct Inspection {
    std::string error;
    std::uint64_t size = 0;
    std::string checksum;
    std::string content;
    std::vector<bool> found;  // per needle
};

Inspection inspect(const std::string& path, const Operation& op, bool hash, bool keep_content) {
    Inspection out;
    out.found.assign(op.contains.size(), false);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out.error = failure("cannot open", path);
        return out;
    }
    const UniqueFd fd_owner(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        out.error = failure("cannot stat", path);
        return out;
    }
    if (S_ISDIR(st.st_mode)) {
        out.error = "cannot read " + path + ": it is a directory";
        return out;
    }
    if (keep_content && static_cast<std::uint64_t>(st.st_size) > op.max_content) {
        out.error = "cannot capture the content of " + path + ": it is " +
                    jobfile::format_size(static_cast<std::uint64_t>(st.st_size)) + ", more than [file].max_content (" +
                    jobfile::format_size(op.max_content) + ")";
        return out;
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    std::optional<Hasher> hasher;
    if (hash) hasher.emplace(op.job->algorithm);
    std::size_t longest = 0;
    for (const auto& needle : op.contains) longest = std::max(longest, needle.size());
    std::string window;  // the previous chunk's tail, so a needle across two chunks is found
    std::vector<char> buffer(op.buffer);
    std::size_t missing = op.contains.size();
    while (true) {
        if (cancelled(op)) {
            out.error = "cancelled";
            return out;
        }
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            out.error = failure("cannot read", path);
            return out;
        }
        if (n == 0) break;
        const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
        out.size += chunk.size();
        if (hasher) hasher->update(chunk.data(), chunk.size());
        if (keep_content) {
            if (out.content.size() + chunk.size() > op.max_content) {
                out.error = "cannot capture the content of " + path + ": it grew past [file].max_content (" +
                            jobfile::format_size(op.max_content) + ")";
                return out;
            }
            out.content.append(chunk);
        }
        if (missing > 0) {
            window.append(chunk);
            for (std::size_t i = 0; i < op.contains.size(); ++i) {
                if (!out.found[i] && window.find(op.contains[i]) != std::string::npos) {
                    out.found[i] = true;
                    --missing;
                }
            }
            if (longest > 1 && window.size() > longest - 1) window.erase(0, window.size() - (longest - 1));
        }
    }
    if (hasher) {
        out.checksum = hasher->hex();
        if (out.checksum.empty()) out.error = "OpenSSL could not compute the " + op.job->algorithm + " of " + path;
    }
    return out;
}

std::string do_write(Operation& op, OperationResult& result) {
    const auto& job = *op.job;
    if (job.append) {
        // Appending keeps the bytes already there and adds to them in place (O_APPEND); a
        // failed append is cut back to the old length, so a reader never keeps half of it.
        const int fd = ::open(op.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, job.mode.value_or(0666));
        if (fd < 0) return failure("cannot open", op.path);
        struct stat st {};
        ::fstat(fd, &st);
        auto error = write_all(fd, op.content, op.path);
        if (error.empty() && ::fsync(fd) != 0) error = failure("cannot write", op.path);
        if (!error.empty() && ::ftruncate(fd, st.st_size) != 0) error += " (and it could not be cut back)";
        ::close(fd);
        if (error.empty()) result.bytes_written = op.content.size();
        return error;
    }
    unsigned mode = job.mode.value_or(0666);
    struct stat existing {};
    if (!job.mode && ::stat(op.path.c_str(), &existing) == 0) {
        if (S_ISDIR(existing.st_mode)) return "cannot write " + op.path + ": it is a directory";
        mode = existing.st_mode & 07777;  // a rewrite keeps the file's permissions
    }
    loop::StagedFile staged;
    if (auto error = staged.open(op.path, mode); !error.empty()) return error;
    if (auto error = write_all(staged.fd(), op.content, op.path); !error.empty()) return error;
    // An explicit or kept mode is exact; a new file's default goes through the umask.
    if (job.mode || existing.st_mode != 0) {
        if (auto error = staged.set_mode(mode); !error.empty()) return error;
    }
    if (auto error = staged.commit(true); !error.empty()) return error;
    result.bytes_written = op.content.size();
    return {};
}

std::string do_copy(Operation& op, const std::string& target, OperationResult& result) {
    const auto& job = *op.job;
    const CopyOptions copy{job.overwrite, op.buffer, &op.cancel};
    std::uint64_t bytes = 0;
    std::string error;
    // Without `recursive` a directory is refused by the file copy itself ("set recursive").
    struct stat st {};
    if (job.recursive && ::lstat(op.from.c_str(), &st) != 0) return failure("cannot copy", op.from);
    if (job.recursive &&
        (S_ISDIR(st.st_mode) || (S_ISLNK(st.st_mode) && job.follow_symlinks && std::filesystem::is_directory(op.from)))) {
        error = copy_tree_atomically(op.from, target, TreeOptions{copy, job.follow_symlinks}, &bytes);
    } else {
        auto copied = copy_file_atomically(op.from, target, copy);
        bytes = copied.bytes;
        error = std::move(copied.error);
    }
    result.bytes_read += bytes;
    result.bytes_written += bytes;
    return error;
}

std::string do_move(Operation& op, const std::string& target, OperationResult& result) {
    const auto& job = *op.job;
    struct stat st {};
    if (::lstat(op.from.c_str(), &st) != 0) return failure("cannot move", op.from);
    const int rc = job.overwrite ? ::rename(op.from.c_str(), target.c_str())
                                 : ::renameat2(AT_FDCWD, op.from.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
    if (rc == 0) return {};
    if (errno == EEXIST || (errno == ENOTEMPTY && !job.overwrite)) return exists_message(target);
    if (errno != EXDEV) return failure("cannot move " + op.from + " to", target);
    // Another file system: copy (atomically), then remove the source.
    if (S_ISDIR(st.st_mode) && !job.recursive) {
        return "cannot move the directory " + op.from + " to another file system without recursive = true";
    }
    if (auto error = do_copy(op, target, result); !error.empty()) return error;
    if (S_ISDIR(st.st_mode)) return remove_tree(op.from);
    if (::unlink(op.from.c_str()) != 0) return failure("copied, but cannot remove", op.from);
    return {};
}

std::string do_delete(Operation& op, OperationResult& result) {
    const auto& job = *op.job;
    struct stat st {};
    if (::lstat(op.path.c_str(), &st) != 0) {
        if (errno == ENOENT && job.missing_ok) {
            result.details["missing"] = true;
            return {};
        }
        return failure("cannot delete", op.path);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (::unlink(op.path.c_str()) != 0) return failure("cannot delete", op.path);
        return {};
    }
    if (job.recursive) return remove_tree(op.path);
    if (::rmdir(op.path.c_str()) == 0) return {};
    if (errno == ENOTEMPTY || errno == EEXIST) {
        return "cannot delete " + op.path + ": it is a directory with files in it (set recursive = true)";
    }
    return failure("cannot delete", op.path);
}

std::string do_stat(Operation& op, OperationResult& result, bool* missing) {
    struct stat st {};
    if (::stat(op.path.c_str(), &st) != 0) {
        if (errno == ENOENT && op.job->expect_exists == false) {
            *missing = true;
            result.details["exists"] = false;
            return {};
        }
        return failure("cannot stat", op.path);
    }
    result.details["exists"] = true;
    result.details["type"] = type_of(st.st_mode);
    result.details["size"] = static_cast<std::uint64_t>(st.st_size);
    result.details["mode"] = octal(st.st_mode);
    result.details["mtime"] = static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
    return {};
}

// expect.* and captures on the file the op left.
std::string check_subject(Operation& op, const std::string& subject, OperationResult& result,
                          const std::optional<std::string>& known_checksum, bool read_all) {
    const auto& job = *op.job;
    const bool asks = read_all || job.expect_exists || job.expect_size || !op.contains.empty() || op.expected_checksum ||
                      !job.captures.empty();
    if (!asks) return {};
    struct stat st {};
    const bool exists = ::lstat(subject.c_str(), &st) == 0;
    if (!exists && read_all) return failure("cannot read", subject, ENOENT);
    if (job.expect_exists && *job.expect_exists != exists) {
        return "expect.exists: " + subject + (exists ? " exists" : " does not exist");
    }
    if (!exists) return {};
    bool hash = false, content = false, size = job.expect_size.has_value();
    for (const auto& c : job.captures) {
        hash = hash || c.source == FileCapture::Source::checksum;
        content = content || c.source == FileCapture::Source::content;
        size = size || c.source == FileCapture::Source::size;
    }
    hash = (hash || op.expected_checksum) && !known_checksum;
    Inspection seen;
    if (read_all || hash || content || !op.contains.empty()) {
        seen = inspect(subject, op, hash, content);
        if (!seen.error.empty()) return seen.error;
        result.bytes_read += seen.size;
    } else if (size) {
        if (S_ISDIR(st.st_mode)) return "cannot take the size of " + subject + ": it is a directory";
        seen.size = static_cast<std::uint64_t>(st.st_size);
    }
    const std::string checksum = known_checksum ? *known_checksum : seen.checksum;
    if (job.expect_size && seen.size != *job.expect_size) {
        return "expect.size: " + subject + " is " + std::to_string(seen.size) + " bytes, expected " +
               std::to_string(*job.expect_size);
    }
    for (std::size_t i = 0; i < op.contains.size(); ++i) {
        if (!seen.found[i]) return "expect.contains: " + subject + " does not contain \"" + op.contains[i] + "\"";
    }
    if (op.expected_checksum && ::strcasecmp(op.expected_checksum->c_str(), checksum.c_str()) != 0) {
        return "expect.checksum: the " + job.algorithm + " of " + subject + " is " + checksum + ", expected " +
               *op.expected_checksum;
    }
    for (const auto& c : job.captures) {
        switch (c.source) {
        case FileCapture::Source::checksum: result.captures[c.name] = checksum; break;
        case FileCapture::Source::size: result.captures[c.name] = seen.size; break;
        case FileCapture::Source::content: result.captures[c.name] = seen.content; break;
        default: break;  // json: and xpath: come from the parse
        }
    }
    return {};
}

}  // namespace

std::string target_of(const std::string& from, const std::string& to, const std::string& glob_base) {
    if (to.empty() || to.back() != '/') return to;
    std::string rest;
    if (!glob_base.empty() && from.size() > glob_base.size() && from.compare(0, glob_base.size(), glob_base) == 0) {
        rest = from.substr(glob_base.size());
        while (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
    }
    if (rest.empty()) rest = std::filesystem::path(from).filename().string();
    return to + rest;
}

OperationResult run_operation(Operation& op) {
    OperationResult result;
    const auto& job = *op.job;
    std::string subject = op.path;
    std::optional<std::string> known_checksum;
    bool missing = false;
    std::string error;
    switch (job.op) {
    case Op::read:
        break;  // the subject's inspection below is the read: one pass for everything
    case Op::write:
        error = do_write(op, result);
        break;
    case Op::copy:
    case Op::move: {
        subject = target_of(op.from, op.to, op.glob_base);
        result.details["to"] = subject;
        if (op.to.ends_with('/')) {
            error = make_directories(std::filesystem::path(subject).parent_path().string(), 0777);
            if (!error.empty()) break;
        }
        error = job.op == Op::copy ? do_copy(op, subject, result) : do_move(op, subject, result);
        break;
    }
    case Op::remove:
        error = do_delete(op, result);
        break;
    case Op::mkdir:
        error = make_directories(op.path, job.mode.value_or(0777));
        break;
    case Op::checksum: {
        auto digest = file_digest(op.path, job.algorithm, op.buffer, &op.cancel);
        error = digest.error;
        result.bytes_read = digest.bytes;
        if (error.empty()) {
            known_checksum = digest.hex;
            result.details["algorithm"] = job.algorithm;
            result.details["checksum"] = digest.hex;
        }
        break;
    }
    case Op::parse: {
        auto parsed = parse_document(op.path, job.format, job, op.max_parse, &op.cancel);
        error = parsed.error;
        result.bytes_read = parsed.bytes;
        result.captures = std::move(parsed.captures);
        break;
    }
    case Op::stat:
        error = do_stat(op, result, &missing);
        break;
    }
    if (error.empty() && cancelled(op)) error = "cancelled";
    if (error.empty() && !missing && job.op != Op::remove && job.op != Op::mkdir) {
        error = check_subject(op, subject, result, known_checksum, job.op == Op::read);
    } else if (error.empty() && job.expect_exists) {
        const bool exists = ::access(subject.c_str(), F_OK) == 0;
        if (exists != *job.expect_exists) error = "expect.exists: " + subject + (exists ? " exists" : " does not exist");
    }
    result.error = std::move(error);
    return result;
}

}  // namespace gaia::jobs::file
