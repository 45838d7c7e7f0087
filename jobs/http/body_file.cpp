#include "jobs/http/body_file.hpp"

#include "core/loop/fs.hpp"
#include "core/loop/uv_error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace gaia::jobs::http {
namespace {
constexpr std::size_t kChunk = 256 * 1024;
}

std::shared_ptr<BodyFile> BodyFile::create(loop::Loop& loop, std::string path, std::string what) {
    return std::shared_ptr<BodyFile>(new BodyFile(loop, std::move(path), std::move(what)));
}

BodyFile::~BodyFile() {
    if (fd_ >= 0) ::close(fd_);  // no read holds a reference any more
}

void BodyFile::open(std::function<void(const std::string&)> done) {
    namespace fs = loop::fs;
    fs::open(loop_, path_, O_RDONLY, 0, [self = shared_from_this(), done = std::move(done)](std::int64_t fd) {
        if (fd < 0) {
            self->error_ = loop::uv_message(static_cast<int>(fd), self->what_ + " " + self->path_);
            return done(self->error_);
        }
        self->fd_ = static_cast<uv_file>(fd);
        fs::fstat(self->loop_, self->fd_, [self, done](std::int64_t rc, const uv_stat_t& st) {
            if (rc < 0) self->error_ = loop::uv_message(static_cast<int>(rc), self->what_ + " " + self->path_);
            else if (!S_ISREG(st.st_mode)) self->error_ = self->what_ + " " + self->path_ + " is not a regular file";
            else self->size_ = st.st_size;
            if (self->error_.empty()) self->read_next();
            done(self->error_);
        });
    });
}

void BodyFile::read_next() {
    if (reading_ || closed_ || offset_ >= size_ || !error_.empty()) return;
    reading_ = true;
    buffer_.resize(kChunk);
    const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, size_ - offset_));
    loop::fs::read(loop_, fd_, buffer_.data(), length, static_cast<std::int64_t>(offset_),
                   [self = shared_from_this()](std::int64_t n) {
                       self->reading_ = false;
                       if (self->closed_) return;
                       if (n < 0) self->error_ = loop::uv_message(static_cast<int>(n), "cannot read " + self->what_ + " " + self->path_);
                       else if (n == 0) self->error_ = self->what_ + " " + self->path_ + " shrank while it was being sent";
                       else {
                           self->begin_ = 0;
                           self->end_ = static_cast<std::size_t>(n);
                           self->offset_ += static_cast<std::uint64_t>(n);
                       }
                       if (auto ready = std::move(self->ready_)) {
                           self->ready_ = nullptr;
                           ready();
                       }
                   });
}

BodyFile::Take BodyFile::take(char* dst, std::size_t max, std::size_t* n) {
    *n = 0;
    if (!error_.empty()) return Take::error;
    if (begin_ == end_) {
        if (offset_ >= size_) return Take::end;
        read_next();
        return Take::wait;
    }
    *n = std::min(max, end_ - begin_);
    std::memcpy(dst, buffer_.data() + begin_, *n);
    begin_ += *n;
    return Take::data;
}

void BodyFile::close() {
    closed_ = true;
    ready_ = nullptr;
    if (fd_ >= 0 && !reading_) {
        loop::fs::close(loop_, fd_, [](std::int64_t) {});
        fd_ = -1;
    }
}

}  // namespace gaia::jobs::http
