#pragma once
// A multipart/form-data body (`multipart`, RFC 7578): fields and file uploads, streamed —
// each file is read on the thread pool as it goes out, so a 1 GiB upload costs a read
// buffer, not a gigabyte — with its size known up front (Content-Length), so that any
// server takes it and the bandwidth budget paces it like any upload.

#include "core/loop/loop.hpp"
#include "jobs/http/body_file.hpp"
#include "jobs/http/body_stream.hpp"

#include <memory>
#include <string>
#include <vector>

namespace gaia::jobs::http {

struct MultipartPart {
    std::string name;
    std::string value;     // a field's text
    std::string file;      // an upload's path (empty: a field)
    std::string type;      // an upload's Content-Type (default application/octet-stream)
    std::string filename;  // what the server is told the file is called (default: the path's last name)
};

class MultipartBody final : public BodyStream, public std::enable_shared_from_this<MultipartBody> {
public:
    static std::shared_ptr<MultipartBody> create(loop::Loop& loop, std::vector<MultipartPart> parts);
    ~MultipartBody() override;

    // Opens every file and learns its size; `done` gets the first error, or an empty one.
    void open(std::function<void(const std::string& error)> done);
    // "multipart/form-data; boundary=…", for the Content-Type header.
    std::string content_type() const;

    std::uint64_t size() const noexcept override { return size_; }
    Take take(char* dst, std::size_t max, std::size_t* n) override;
    void on_ready(std::function<void()> fn) override { ready_ = std::move(fn); }
    const std::string& error() const noexcept override { return error_; }
    void close() override;

private:
    // Text, then (for an upload) the file's bytes.
    struct Segment {
        std::string text;
        std::shared_ptr<BodyFile> file;
    };
    MultipartBody(loop::Loop& loop, std::vector<MultipartPart> parts);
    void open_from(std::size_t index, std::function<void(const std::string&)> done);

    loop::Loop& loop_;
    std::string boundary_;
    std::vector<Segment> segments_;
    std::uint64_t size_ = 0;
    std::size_t current_ = 0, text_sent_ = 0;
    bool file_done_ = false;
    std::string error_;
    std::function<void()> ready_;
};

}  // namespace gaia::jobs::http
