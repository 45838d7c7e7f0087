#include "core/loop/atomic_writer.hpp"

#include "core/loop/fs.hpp"
#include "core/loop/uv_error.hpp"

#include <unistd.h>

#include <filesystem>

namespace gaia::loop {

std::string temp_template_beside(const std::string& target) {
    namespace stdfs = std::filesystem;
    const stdfs::path t(target);
    const stdfs::path dir = t.has_parent_path() ? t.parent_path() : stdfs::path(".");
    return (dir / ("." + t.filename().string() + ".gaia-XXXXXX")).string();
}

std::shared_ptr<AtomicWriter> AtomicWriter::create(Loop& loop, std::string target) {
    return std::shared_ptr<AtomicWriter>(new AtomicWriter(loop, std::move(target)));
}

AtomicWriter::~AtomicWriter() {
    // Every thread-pool call holds a reference, so nothing is in flight here: the
    // temporary file can go at once.
    if (fd_ >= 0) ::close(fd_);
    if (!temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicWriter::open(Done done) {
    const std::string pattern = temp_template_beside(target_);
    const std::string dir = std::filesystem::path(pattern).parent_path().string();
    opening_ = true;
    fs::mkstemp(loop_, pattern, [self = shared_from_this(), done = std::move(done), dir](std::int64_t fd, std::string path) {
        self->opening_ = false;
        if (fd < 0) {
            self->fail(uv_message(static_cast<int>(fd), "cannot create a temporary file in " + dir));
        } else {
            self->fd_ = static_cast<uv_file>(fd);
            self->temp_ = std::move(path);
            if (self->done_) self->discard_temp();  // aborted while opening
        }
        if (done) done(self->error_);
        self->pump();
    });
}

void AtomicWriter::write(std::string_view data) {
    if (done_ || !error_.empty() || data.empty()) return;
    queue_.emplace_back(data);
    pending_bytes_ += data.size();
    pump();
}

void AtomicWriter::on_drain(std::size_t low_water, std::function<void()> fn) {
    low_water_ = low_water;
    drained_ = std::move(fn);
}

void AtomicWriter::fail(std::string error) {
    if (error_.empty()) error_ = std::move(error);
    queue_.clear();
    pending_bytes_ = 0;
}

void AtomicWriter::pump() {
    if (writing_ || opening_) return;
    if (!queue_.empty() && fd_ >= 0 && error_.empty() && !done_) {
        writing_ = true;
        const std::string& chunk = queue_.front();
        fs::write(loop_, fd_, chunk.data(), chunk.size(), static_cast<std::int64_t>(offset_),
                  [self = shared_from_this()](std::int64_t result) {
                      self->writing_ = false;
                      if (self->done_) {
                          self->discard_temp();
                          return;
                      }
                      if (result < 0) {
                          self->fail(uv_message(static_cast<int>(result), "cannot write " + self->target_));
                      } else if (!self->queue_.empty()) {
                          auto& front = self->queue_.front();
                          const auto n = static_cast<std::size_t>(result);
                          self->offset_ += n;
                          self->pending_bytes_ -= n;
                          if (n < front.size()) front.erase(0, n);  // a short write: the rest goes next
                          else self->queue_.pop_front();
                      }
                      if (self->drained_ && self->pending_bytes_ <= self->low_water_) {
                          auto drained = std::move(self->drained_);
                          self->drained_ = nullptr;
                          drained();
                      }
                      self->pump();
                  });
        return;
    }
    if (committing_ && (queue_.empty() || !error_.empty())) finish_commit();
}

void AtomicWriter::commit(Done done) {
    if (done_ || committing_) return;
    committing_ = true;
    commit_done_ = std::move(done);
    pump();
}

void AtomicWriter::finish_commit() {
    committing_ = false;
    done_ = true;
    auto self = shared_from_this();
    auto finish = [self](std::string error) {
        if (!error.empty()) {
            self->fail(std::move(error));
            self->discard_temp();
        }
        auto done = std::move(self->commit_done_);
        if (done) done(self->error_);
    };
    if (!error_.empty() || fd_ < 0) {
        finish(error_.empty() ? "the file was never opened" : error_);
        return;
    }
    // 0644 as any file a tool writes: mkstemp's 0600 would hide it from other readers.
    fs::fchmod(loop_, fd_, 0644, [self, finish](std::int64_t rc) {
        if (rc < 0) return finish(uv_message(static_cast<int>(rc), "cannot set the mode of " + self->target_));
        fs::fsync(self->loop_, self->fd_, [self, finish](std::int64_t rc2) {
            if (rc2 < 0) return finish(uv_message(static_cast<int>(rc2), "cannot sync " + self->target_));
            const uv_file fd = self->fd_;
            self->fd_ = -1;
            fs::close(self->loop_, fd, [self, finish](std::int64_t rc3) {
                if (rc3 < 0) return finish(uv_message(static_cast<int>(rc3), "cannot close " + self->target_));
                fs::rename(self->loop_, self->temp_, self->target_, [self, finish](std::int64_t rc4) {
                    if (rc4 < 0) return finish(uv_message(static_cast<int>(rc4), "cannot rename into " + self->target_));
                    self->temp_.clear();
                    finish({});
                });
            });
        });
    });
}

void AtomicWriter::abort() {
    if (done_) return;
    done_ = true;
    committing_ = false;
    commit_done_ = nullptr;
    drained_ = nullptr;
    queue_.clear();
    pending_bytes_ = 0;
    if (!writing_ && !opening_) discard_temp();
}

void AtomicWriter::discard_temp() {
    const uv_file fd = fd_;
    fd_ = -1;
    std::string temp = std::move(temp_);
    temp_.clear();
    if (fd < 0 && temp.empty()) return;
    auto unlink = [loop = &loop_, temp, self = shared_from_this()](std::int64_t) {
        if (!temp.empty()) fs::unlink(*loop, temp, [self](std::int64_t) {});
    };
    if (fd >= 0) fs::close(loop_, fd, unlink);
    else unlink(0);
}

}  // namespace gaia::loop
