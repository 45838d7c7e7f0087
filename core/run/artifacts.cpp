#include "core/run/artifacts.hpp"

#include "core/loop/work.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

namespace gaia::run {
namespace {

std::string errno_text(const std::string& what, int error) { return what + ": " + std::strerror(error); }

// Writes the whole of `bytes` to a new file and syncs it: the directory is renamed into
// place only once every file in it is on disk.
std::string write_file(const std::string& path, const std::string& bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return errno_text("cannot create " + path, errno);
    std::size_t done = 0;
    std::string error;
    while (done < bytes.size() && error.empty()) {
        const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) error = errno_text("cannot write " + path, errno);
        else done += static_cast<std::size_t>(n);
    }
    if (error.empty() && ::fsync(fd) != 0) error = errno_text("cannot sync " + path, errno);
    ::close(fd);
    return error;
}

// The blocking part, on a pool thread: a hidden directory beside the target, filled, then
// renamed over whatever an earlier run left under that name.
std::string write_set(const std::string& dir, const std::vector<Artifact>& files) {
    namespace fs = std::filesystem;
    const fs::path target(dir);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return "cannot create " + target.parent_path().string() + ": " + ec.message();
    std::string staging = (target.parent_path() / ("." + target.filename().string() + ".XXXXXX")).string();
    if (!::mkdtemp(staging.data())) return errno_text("cannot create a directory in " + target.parent_path().string(), errno);
    auto discard = [&staging] {
        std::error_code ignored;
        fs::remove_all(staging, ignored);
    };
    for (const auto& file : files) {
        if (auto error = write_file(staging + "/" + file.name, file.bytes); !error.empty()) {
            discard();
            return error;
        }
    }
    if (::chmod(staging.c_str(), 0755) != 0) {
        const int error = errno;
        discard();
        return errno_text("cannot set the mode of " + staging, error);
    }
    if (::rename(staging.c_str(), dir.c_str()) == 0) return {};
    if (errno != ENOTEMPTY && errno != EEXIST) {
        const int error = errno;
        discard();
        return errno_text("cannot rename " + staging + " to " + dir, error);
    }
    // An earlier run's set is there: swapped in one step, so a reader sees one set or the
    // other; the old one, now under the hidden name, goes.
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) != 0) {
        const int error = errno;
        discard();
        return errno_text("cannot replace " + dir, error);
    }
    discard();
    return {};
}

}  // namespace

std::optional<ArtifactMode> parse_artifact_mode(std::string_view text) {
    if (text == "on-failure") return ArtifactMode::on_failure;
    if (text == "always") return ArtifactMode::always;
    if (text == "off") return ArtifactMode::off;
    return std::nullopt;
}

std::string artifact_dir(std::string_view root, std::string_view job, std::uint64_t index, std::uint32_t attempt) {
    std::string dir(root);
    if (!dir.empty() && dir.back() != '/') dir += '/';
    dir += job;
    dir += '/' + std::to_string(index) + '-' + std::to_string(attempt);
    return dir;
}

void write_artifacts(loop::Loop& loop, std::string dir, std::vector<Artifact> files,
                     std::function<void(std::vector<std::string> paths, std::string error)> done) {
    struct Job {
        std::string dir;
        std::vector<Artifact> files;
        std::string error;
    };
    auto job = std::make_shared<Job>(Job{std::move(dir), std::move(files), {}});
    loop::queue_work(
        loop, [job] { job->error = write_set(job->dir, job->files); },
        [job, done = std::move(done)](bool cancelled) {
            if (cancelled) return done({}, "the thread pool refused the work");
            if (!job->error.empty()) return done({}, job->error);
            std::vector<std::string> paths;
            for (const auto& file : job->files) paths.push_back(job->dir + "/" + file.name);
            done(std::move(paths), {});
        });
}

}  // namespace gaia::run
