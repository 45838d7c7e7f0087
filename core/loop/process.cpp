#include "core/loop/process.hpp"

namespace gaia::loop {

HandlePtr<Process> Process::spawn(Loop& loop, const uv_process_options_t& options, ExitCallback on_exit, int* error) {
    HandlePtr<Process> self(new Process());
    self->on_exit_ = std::move(on_exit);
    uv_process_options_t opts = options;
    opts.exit_cb = [](uv_process_t* p, std::int64_t status, int signal) {
        auto* owner = static_cast<Process*>(static_cast<HandleOwner*>(p->data));
        if (owner->on_exit_) owner->on_exit_(status, signal);
    };
    const int rc = uv_spawn(loop.get(), &self->handle_, &opts);
    self->mark_initialized();  // uv_spawn initializes the handle even when it fails
    if (rc < 0) {
        *error = rc;
        return nullptr;  // HandlePtr closes it
    }
    *error = 0;
    return self;
}

}  // namespace gaia::loop
