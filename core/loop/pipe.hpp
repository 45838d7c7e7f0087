#pragma once
// A pipe to or from a child process.

#include "core/loop/stream.hpp"

#include <string>

namespace gaia::loop {

class Pipe final : public StreamOwner<uv_pipe_t> {
public:
    static HandlePtr<Pipe> create(Loop& loop);
    // Takes ownership of an open descriptor (made non-blocking); null and *error on failure.
    static HandlePtr<Pipe> open(Loop& loop, int fd, int* error);

    // Writes all of data, then closes the pipe so that the reader sees end of file.
    // Failures (the reader went away: EPIPE) only end the write early.
    void write_and_close(std::string data);

private:
    explicit Pipe(Loop& loop);

    std::string pending_write_;
    uv_write_t write_req_{};
};

}  // namespace gaia::loop
