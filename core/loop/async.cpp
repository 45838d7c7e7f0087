#include "core/loop/async.hpp"

#include "core/loop/uv_error.hpp"

namespace gaia::loop {

Async::Async(Loop& loop, std::function<void()> on_wake) : on_wake_(std::move(on_wake)) {
    check_uv(uv_async_init(loop.get(), &handle_, on_uv_async), "uv_async_init");
    mark_initialized();
}

HandlePtr<Async> Async::create(Loop& loop, std::function<void()> on_wake) {
    return HandlePtr<Async>(new Async(loop, std::move(on_wake)));
}

void Async::on_uv_async(uv_async_t* a) {
    auto* self = static_cast<Async*>(static_cast<HandleOwner*>(a->data));
    if (self->on_wake_) self->on_wake_();
}

}  // namespace gaia::loop
