#pragma once
// What every byte stream of the loop does the same way — a pipe to a child, a TCP
// connection: reading into one buffer shared by the thread, and writes that own their
// bytes until libuv is done with them. Pipe and Tcp are its two kinds.
//
// After close() no callback runs, but the callbacks themselves are destroyed only with the
// owner, a loop turn later: a callback may drop the last owner of its own stream.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace gaia::loop {

inline constexpr std::size_t kReadBufferSize = 64 * 1024;

template <class UvStream>
class StreamOwner : public HandleOwner<UvStream> {
public:
    uv_stream_t* stream() noexcept { return reinterpret_cast<uv_stream_t*>(&this->handle_); }
    const uv_stream_t* stream() const noexcept { return reinterpret_cast<const uv_stream_t*>(&this->handle_); }

    // on_data gets each chunk (valid during the call only); on_end comes once, with 0 at
    // end of stream or a negative uv error. Returns a negative uv error when reading
    // cannot start (no callback then).
    int read_start(std::function<void(std::string_view)> on_data, std::function<void(int)> on_end);
    // Stops reading until read_start() again; on_end does not come.
    void read_stop() noexcept;

    // Queues data; writes go out in order. `done` (optional) gets 0 or a negative uv error,
    // and does not come after close(). Returns a negative uv error when libuv refuses the
    // write at once (no callback then).
    int write(std::string data, std::function<void(int status)> done = nullptr);
    // Bytes queued and not yet taken by the kernel: what a peer that does not read costs.
    std::size_t write_queue_size() const noexcept { return uv_stream_get_write_queue_size(stream()); }

protected:
    StreamOwner() = default;

private:
    std::function<void(std::string_view)> on_data_;
    std::function<void(int)> on_end_;
};

extern template class StreamOwner<uv_pipe_t>;
extern template class StreamOwner<uv_tcp_t>;

}  // namespace gaia::loop
