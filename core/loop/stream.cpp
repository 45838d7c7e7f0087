#include "core/loop/stream.hpp"

#include <memory>

namespace gaia::loop {
namespace {

// One read buffer for every stream of the thread: libuv calls the allocation callback and
// then the read callback for one stream at a time, and readers consume the data before
// returning. Hundreds of children or connections then cost no buffer memory each, which
// also keeps gaia small enough for fork() to stay cheap.
char* shared_read_buffer() {
    thread_local std::unique_ptr<char[]> buffer(new char[kReadBufferSize]);
    return buffer.get();
}

}  // namespace

template <class UvStream>
int StreamOwner<UvStream>::read_start(std::function<void(std::string_view)> on_data, std::function<void(int)> on_end) {
    on_data_ = std::move(on_data);
    on_end_ = std::move(on_end);
    return uv_read_start(
        stream(),
        [](uv_handle_t*, std::size_t, uv_buf_t* buf) {
            buf->base = shared_read_buffer();
            buf->len = kReadBufferSize;
        },
        [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
            auto* self = static_cast<StreamOwner*>(static_cast<HandleOwner<UvStream>*>(s->data));
            if (self->closing()) return;
            if (n > 0) {
                if (self->on_data_) self->on_data_(std::string_view(buf->base, static_cast<std::size_t>(n)));
                return;
            }
            if (n == 0) return;  // EAGAIN: nothing this time
            uv_read_stop(s);
            auto finished = std::move(self->on_end_);
            self->on_end_ = nullptr;
            if (finished) finished(n == UV_EOF ? 0 : static_cast<int>(n));
        });
}

template <class UvStream>
void StreamOwner<UvStream>::read_stop() noexcept {
    uv_read_stop(stream());
}

template <class UvStream>
int StreamOwner<UvStream>::write(std::string data, std::function<void(int)> done) {
    // Each write owns its bytes until libuv is done with them.
    struct Request {
        uv_write_t req{};
        std::string data;
        std::function<void(int)> done;
    };
    auto* r = new Request{{}, std::move(data), std::move(done)};
    r->req.data = r;
    uv_buf_t buf = uv_buf_init(r->data.data(), static_cast<unsigned>(r->data.size()));
    const int rc = uv_write(&r->req, stream(), &buf, 1, [](uv_write_t* req, int status) {
        std::unique_ptr<Request> owned(static_cast<Request*>(req->data));
        // Writes still queued at close() end here with UV_ECANCELED, while the owner is
        // alive (it goes in the close callback, after them); its user may not be.
        auto* self = static_cast<StreamOwner*>(static_cast<HandleOwner<UvStream>*>(req->handle->data));
        if (owned->done && !self->closing()) owned->done(status);
    });
    if (rc < 0) delete r;
    return rc;
}

template class StreamOwner<uv_pipe_t>;
template class StreamOwner<uv_tcp_t>;

}  // namespace gaia::loop
