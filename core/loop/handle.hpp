#pragma once
// Ownership of libuv handles.
//
// Every uv handle has exactly one owner object. The owner lives on the heap, is neither
// copyable nor movable (libuv keeps a pointer to the handle inside it), and frees itself
// only in the close callback, because libuv may still touch the handle until then.
// HandlePtr is the RAII side of that contract: dropping it closes the handle, and the
// memory goes away a loop turn later.

#include <uv.h>

#include <memory>

namespace gaia::loop {

template <class UvHandle>
class HandleOwner {
public:
    HandleOwner(const HandleOwner&) = delete;
    HandleOwner& operator=(const HandleOwner&) = delete;

    // Idempotent. After close() no callback of the owner runs again.
    void close() noexcept {
        if (closing_) return;
        closing_ = true;
        on_close();
        if (!initialized_) {
            delete this;
            return;
        }
        uv_close(as_handle(), [](uv_handle_t* h) { delete static_cast<HandleOwner*>(h->data); });
    }

    bool closing() const noexcept { return closing_; }
    uv_handle_t* as_handle() noexcept { return reinterpret_cast<uv_handle_t*>(&handle_); }

    // Whether the handle, while active, keeps the loop running on its own (the default).
    // Watchdogs, samplers and idle pooled connections do not.
    void unref() noexcept { uv_unref(as_handle()); }
    void ref() noexcept { uv_ref(as_handle()); }

protected:
    HandleOwner() { handle_.data = this; }
    virtual ~HandleOwner() = default;

    // Called once from close(), before the handle is closed: owners drop their callbacks
    // here so that nothing they captured is called during teardown.
    virtual void on_close() noexcept {}

    // Derived constructors call this right after a successful uv_*_init.
    void mark_initialized() noexcept { initialized_ = true; }

    UvHandle handle_{};

private:
    bool initialized_ = false;
    bool closing_ = false;
};

template <class T>
struct HandleCloser {
    void operator()(T* owner) const noexcept { owner->close(); }
};

// Unique ownership of a handle owner: destruction means close().
template <class T>
using HandlePtr = std::unique_ptr<T, HandleCloser<T>>;

}  // namespace gaia::loop
