#include "core/loop/pipe.hpp"

#include "core/loop/uv_error.hpp"

namespace gaia::loop {

Pipe::Pipe(Loop& loop) {
    check_uv(uv_pipe_init(loop.get(), &handle_, 0), "uv_pipe_init");
    mark_initialized();
}

HandlePtr<Pipe> Pipe::create(Loop& loop) { return HandlePtr<Pipe>(new Pipe(loop)); }

HandlePtr<Pipe> Pipe::open(Loop& loop, int fd, int* error) {
    auto pipe = create(loop);
    *error = uv_pipe_open(&pipe->handle_, fd);
    if (*error < 0) return nullptr;
    return pipe;
}

void Pipe::write_and_close(std::string data) {
    if (closing()) return;
    if (data.empty()) {
        close();
        return;
    }
    pending_write_ = std::move(data);
    uv_buf_t buf = uv_buf_init(pending_write_.data(), static_cast<unsigned>(pending_write_.size()));
    write_req_.data = this;
    int rc = uv_write(&write_req_, stream(), &buf, 1, [](uv_write_t* req, int) {
        // Closing after the write: the request is done, so the handle may go.
        static_cast<Pipe*>(req->data)->close();
    });
    if (rc < 0) close();
}

}  // namespace gaia::loop
