#include "core/loop/dir_watch.hpp"

#include "core/loop/uv_error.hpp"

namespace gaia::loop {

DirWatch::DirWatch(Loop& loop, std::function<void(std::string_view)> on_change) : on_change_(std::move(on_change)) {
    check_uv(uv_fs_event_init(loop.get(), &handle_), "uv_fs_event_init");
    mark_initialized();
}

HandlePtr<DirWatch> DirWatch::create(Loop& loop, const std::string& dir, std::function<void(std::string_view)> on_change) {
    // Started after construction so that a failure closes an initialized handle properly.
    HandlePtr<DirWatch> self(new DirWatch(loop, std::move(on_change)));
    check_uv(uv_fs_event_start(
                 &self->handle_,
                 [](uv_fs_event_t* h, const char* name, int /*events*/, int status) {
                     auto* owner = static_cast<DirWatch*>(static_cast<HandleOwner*>(h->data));
                     // An error (the watch queue overflowed) may have hidden a change: report one.
                     if (owner->on_change_) owner->on_change_(status == 0 && name ? name : "");
                 },
                 dir.c_str(), 0),
             "uv_fs_event_start " + dir);
    uv_unref(self->as_handle());
    return self;
}

}  // namespace gaia::loop
