#include "core/report/atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gaia::report {

namespace {
constexpr std::size_t kBufferBytes = 1 << 16;
}  // namespace

std::string AtomicFile::open(const std::string& path) {
    path_ = path;
    buffer_.reserve(kBufferBytes);
    return staged_.open(path, 0644);
}

void AtomicFile::append(std::string_view text) {
    if (!error_.empty()) return;
    if (buffer_.size() + text.size() > kBufferBytes) flush();
    if (text.size() >= kBufferBytes) {
        write_all(text);  // a big piece goes as it is, not copied into the buffer first
    } else {
        buffer_.append(text);
    }
}

void AtomicFile::flush() {
    write_all(buffer_);
    buffer_.clear();
}

void AtomicFile::write_all(std::string_view text) {
    std::size_t written = 0;
    while (error_.empty() && written < text.size()) {
        const ssize_t n = ::write(staged_.fd(), text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            error_ = "cannot write " + path_ + ": " + std::strerror(errno);
        } else {
            written += static_cast<std::size_t>(n);
        }
    }
}

std::string AtomicFile::commit() {
    flush();
    if (!error_.empty()) return error_;
    // Exactly 0644, whatever the umask: reports are read by other tools (node_exporter).
    if (auto error = staged_.set_mode(0644); !error.empty()) return error;
    return staged_.commit(true);
}

std::string write_file_atomically(const std::string& path, std::string_view content) {
    AtomicFile file;
    if (auto error = file.open(path); !error.empty()) return error;
    file.append(content);
    return file.commit();
}

}  // namespace gaia::report
