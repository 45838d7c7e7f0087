#pragma once
// Bounded keeping of a process's output: the last bytes for capture and expectations,
// and whole lines for "inherit", so gaia's memory does not grow with the output.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace gaia::jobs::process {

class OutputTail {
public:
    explicit OutputTail(std::size_t limit = 64 * 1024) : limit_(limit) {}
    void append(std::string_view data);
    std::string str() const;  // the last `limit` bytes
    std::uint64_t total_bytes() const noexcept { return total_; }
    bool truncated() const noexcept { return total_ > limit_; }
    std::size_t capacity() const noexcept { return limit_; }

private:
    std::size_t limit_;
    std::string buffer_;  // holds at most 2 * limit bytes; trimmed lazily
    std::uint64_t total_ = 0;
};

// Splits a byte stream into lines; a line longer than `max_line` is passed on in pieces.
class LineSplitter {
public:
    explicit LineSplitter(std::function<void(std::string_view)> on_line, std::size_t max_line = 64 * 1024)
        : on_line_(std::move(on_line)), max_line_(max_line) {}
    void feed(std::string_view data);
    void finish();  // passes on a last line without newline

private:
    std::function<void(std::string_view)> on_line_;
    std::size_t max_line_;
    std::string partial_;
};

}  // namespace gaia::jobs::process
