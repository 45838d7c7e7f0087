#include "core/loop/poll.hpp"

namespace gaia::loop {

HandlePtr<Poll> Poll::open_socket(Loop& loop, int fd, int* error) {
    HandlePtr<Poll> self(new Poll(fd));
    *error = uv_poll_init_socket(loop.get(), &self->handle_, fd);
    if (*error != 0) return nullptr;
    self->mark_initialized();
    return self;
}

int Poll::start(int events, Ready ready) {
    ready_ = std::move(ready);
    return uv_poll_start(&handle_, events, [](uv_poll_t* h, int status, int ready_events) {
        auto* self = static_cast<Poll*>(static_cast<HandleOwner*>(h->data));
        if (self->ready_) self->ready_(status, ready_events);
    });
}

int Poll::stop() noexcept { return uv_poll_stop(&handle_); }

}  // namespace gaia::loop
