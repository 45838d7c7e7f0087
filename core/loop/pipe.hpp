#pragma once
// A pipe to or from a child process.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace gaia::loop {

inline constexpr std::size_t kReadBufferSize = 64 * 1024;

class Pipe final : public HandleOwner<uv_pipe_t> {
public:
    static HandlePtr<Pipe> create(Loop& loop);
    // Takes ownership of an open descriptor (made non-blocking); null and *error on failure.
    static HandlePtr<Pipe> open(Loop& loop, int fd, int* error);

    uv_stream_t* stream() noexcept { return reinterpret_cast<uv_stream_t*>(&handle_); }

    // on_data gets each chunk; on_end comes once, with 0 at end of file or a negative uv
    // error. Returns a negative uv error when reading cannot start (no callback then).
    int read_start(std::function<void(std::string_view)> on_data, std::function<void(int)> on_end);

    // Queues data; writes go out in order. `done` (optional) gets 0 or a negative uv error
    // (UV_ECANCELED when the pipe closed first). Returns a negative uv error when libuv
    // refuses the write at once (no callback then).
    int write(std::string data, std::function<void(int status)> done = nullptr);

    // Writes all of data, then closes the pipe so that the reader sees end of file.
    // Failures (the reader went away: EPIPE) only end the write early.
    void write_and_close(std::string data);

private:
    explicit Pipe(Loop& loop);
    void on_close() noexcept override {
        on_data_ = nullptr;
        on_end_ = nullptr;
    }

    std::function<void(std::string_view)> on_data_;
    std::function<void(int)> on_end_;
    std::string pending_write_;
    uv_write_t write_req_{};
};

}  // namespace gaia::loop
