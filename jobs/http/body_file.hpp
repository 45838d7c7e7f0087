#pragma once
// A request body streamed from a file (`body_file`): read on libuv's thread pool one
// chunk at a time, so neither the loop thread blocks on the disk nor memory grows with
// the file. The transfer takes what is buffered and, when nothing is, waits for
// on_ready().

#include "core/loop/loop.hpp"
#include "jobs/http/body_stream.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gaia::jobs::http {

class BodyFile final : public BodyStream, public std::enable_shared_from_this<BodyFile> {
public:
    // `what` names the file in messages: "body_file", "multipart upload".
    static std::shared_ptr<BodyFile> create(loop::Loop& loop, std::string path, std::string what = "body_file");
    ~BodyFile() override;
    BodyFile(const BodyFile&) = delete;
    BodyFile& operator=(const BodyFile&) = delete;

    // Opens the file and learns its size (sent as Content-Length).
    void open(std::function<void(const std::string& error)> done);
    std::uint64_t size() const noexcept override { return size_; }

    Take take(char* dst, std::size_t max, std::size_t* n) override;
    void on_ready(std::function<void()> fn) override { ready_ = std::move(fn); }
    const std::string& error() const noexcept override { return error_; }
    void close() override;

private:
    BodyFile(loop::Loop& loop, std::string path, std::string what)
        : loop_(loop), path_(std::move(path)), what_(std::move(what)) {}
    void read_next();

    loop::Loop& loop_;
    std::string path_;
    std::string what_;
    uv_file fd_ = -1;
    std::uint64_t size_ = 0;
    std::uint64_t offset_ = 0;       // of the next read
    std::vector<char> buffer_;
    std::size_t begin_ = 0, end_ = 0;  // unsent bytes in buffer_
    bool reading_ = false;
    bool closed_ = false;
    std::string error_;
    std::function<void()> ready_;
};

}  // namespace gaia::jobs::http
